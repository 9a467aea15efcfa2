import CurbsideCore
import CurbsideTesting
import Foundation
import JWTKit
import Testing

/// Forged access tokens, each claiming the admin role, against an admin-only operation
/// (`GET /v1/users`): every one is refused with 401 before anything runs. (`alg: none`, a tampered
/// payload, an expired or not yet valid token and a replayed refresh token are in ``SessionAPITests``.)
@Suite struct TokenAttackTests {
    /// The `kid` the platform signs with, read from one of its own tokens.
    static func currentKeyID(_ api: TestAPI) async throws -> String {
        let session = try await api.newSession()
        let header = try #require(session.accessToken.split(separator: ".").first)
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let json = try #require(Data(base64Encoded: base64))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        return try #require(object["kid"] as? String)
    }

    static func adminClaims(issuer: String = "curbside", issuedAt: Date = Date()) -> AccessTokenClaims {
        AccessTokenClaims(
            principal: Principal(userID: UUID(), role: .admin, sessionID: UUID()), issuer: issuer, issuedAt: issuedAt,
            lifetime: .seconds(600))
    }

    static func expectRefused(_ api: TestAPI, _ token: String, reason: String = "INVALID_TOKEN") async throws {
        let reply = try await api.call(.get, "/v1/users", token: token)
        #expect(reply.status == 401, "\(reply.text)")
        #expect(reply.errorReason == reason)
    }

    @Test func aTokenSignedWithAnotherKeyUnderTheRightKidIsRefused() async throws {
        try await TestPlatform.withAPI { api, _ in
            let kid = try await Self.currentKeyID(api)
            let forger = JWTKeyCollection()
            await forger.add(ecdsa: ES256PrivateKey(), kid: JWKIdentifier(string: kid))
            try await Self.expectRefused(api, try await forger.sign(Self.adminClaims(), kid: JWKIdentifier(string: kid)))
        }
    }

    @Test func aTokenWithAnUnknownKidIsRefused() async throws {
        try await TestPlatform.withAPI { api, _ in
            let forger = JWTKeyCollection()
            await forger.add(ecdsa: ES256PrivateKey(), kid: "not-a-curbside-key")
            try await Self.expectRefused(api, try await forger.sign(Self.adminClaims(), kid: "not-a-curbside-key"))
        }
    }

    @Test func anHMACTokenUnderTheRightKidIsRefused() async throws {
        // Algorithm confusion: HS256 keyed with something public must not pass for ES256.
        try await TestPlatform.withAPI { api, _ in
            let kid = try await Self.currentKeyID(api)
            let forger = JWTKeyCollection()
            await forger.add(
                hmac: HMACKey(from: "curbside-a-public-string-at-least-32-bytes"), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            try await Self.expectRefused(api, try await forger.sign(Self.adminClaims(), kid: JWKIdentifier(string: kid)))
        }
    }

    @Test func aValidlySignedTokenFromAnotherIssuerIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID())").path
        let store = try SigningKeyStore.load(directory: directory)
        let ours = await TokenService(store: store, issuer: "curbside", accessTokenLifetime: .seconds(60))
        let theirs = await TokenService(store: store, issuer: "someone-else", accessTokenLifetime: .seconds(60))
        let token = try await theirs.issueAccessToken(for: Principal(userID: UUID(), role: .admin, sessionID: UUID())).token
        await #expect(throws: AIPError.self) { try await ours.verify(bearerToken: token) }
    }

    @Test func aTokenWithoutASignatureOrWithItsSignatureSwappedIsRefused() async throws {
        try await TestPlatform.withAPI { api, _ in
            let admin = try await api.platform.tokens.issueAccessToken(for: Principal(userID: UUID(), role: .admin, sessionID: UUID())).token
            let passenger = try await api.newSession().accessToken
            let adminParts = admin.split(separator: ".", omittingEmptySubsequences: false)
            let passengerParts = passenger.split(separator: ".", omittingEmptySubsequences: false)
            try await Self.expectRefused(api, adminParts[0] + "." + adminParts[1] + ".")
            // A passenger's genuine signature under an admin's claims.
            try await Self.expectRefused(api, adminParts[0] + "." + adminParts[1] + "." + passengerParts[2])
        }
    }
}
