import Foundation
import Testing

@testable import CurbsideCore

/// Verified access tokens are remembered (`VerifiedTokenCache`) without widening what is accepted.
@Suite struct VerifiedTokenCacheTests {
    @Test func aCachedVerificationAcceptsOnlyThatTokenAndOnlyWhileItIsValid() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID())").path
        let service = await TokenService(store: try SigningKeyStore.load(directory: directory), issuer: "curbside", accessTokenLifetime: .seconds(60))
        let principal = Principal(userID: UUID(), role: .passenger, sessionID: UUID())
        let token = try await service.issueAccessToken(for: principal).token
        #expect(try await service.verify(bearerToken: token) == principal)
        #expect(service.verified.count == 1)
        #expect(try await service.verify(bearerToken: token) == principal)
        // One character changed in the signature, payload or header: verified afresh, and refused.
        for index in [token.count - 2, token.count / 2, 3] {
            var characters = Array(token)
            characters[index] = characters[index] == "A" ? "B" : "A"
            await #expect(throws: AIPError.self) { try await service.verify(bearerToken: String(characters)) }
        }
        // The cache keeps the token's validity window.
        let key = VerifiedTokenCache.key(token)
        #expect(service.verified.principal(for: key, now: Date().addingTimeInterval(61)) == nil)
        #expect(service.verified.principal(for: key, now: Date().addingTimeInterval(-60)) == nil)
    }

    @Test func theVerifiedTokenCacheStaysWithinItsCapacity() {
        let cache = VerifiedTokenCache(capacity: 3)
        let now = Date()
        let principal = Principal(userID: UUID(), role: .driver, sessionID: nil)
        for index in 0..<10 {
            cache.insert(
                .init(principal: principal, notBefore: now, expiration: now.addingTimeInterval(60)), for: VerifiedTokenCache.key("t\(index)"),
                now: now)
            #expect(cache.count <= 3)
        }
        #expect(cache.principal(for: VerifiedTokenCache.key("t9"), now: now) == principal)
    }
}
