import CurbsideCore
import CurbsideTesting
import Foundation
import HTTPTypes
import JWTKit
import Testing

@testable import Users

@Suite struct SessionAPITests {
    @Test func aWrongPasswordIsUnauthenticatedAndSaysNothingAboutTheAccount() async throws {
        try await TestPlatform.withAPI { api, _ in
            let account = try await api.signUp()
            let wrong = try await api.call(
                .post, "/v1/sessions", json: #"{"email":"\#(account.email)","password":"not-the-password-1"}"#,
                headers: [.xForwardedFor: "10.0.\(Int.random(in: 0...255)).\(Int.random(in: 0...255))"])
            let unknown = try await api.call(
                .post, "/v1/sessions", json: #"{"email":"nobody-\#(UUID())@example.com","password":"not-the-password-1"}"#,
                headers: [.xForwardedFor: "10.1.\(Int.random(in: 0...255)).\(Int.random(in: 0...255))"])
            #expect(wrong.status == 401)
            #expect(unknown.status == 401)
            #expect(wrong.errorReason == "INVALID_CREDENTIALS")
            #expect(unknown.errorReason == "INVALID_CREDENTIALS")
        }
    }

    @Test func repeatedFailuresAreThrottledPerAccountWithRetryAfter() async throws {
        try await TestPlatform.withAPI { api, _ in
            let account = try await api.signUp()
            for attempt in 0..<3 {
                let reply = try await api.call(
                    .post, "/v1/sessions", json: #"{"email":"\#(account.email)","password":"wrong-password-\#(attempt)"}"#,
                    headers: [.xForwardedFor: "10.2.0.\(attempt)"])
                #expect(reply.status == 401)
            }
            // Even the right password waits now: the account is locked, whatever the address.
            let locked = try await api.call(
                .post, "/v1/sessions", json: #"{"email":"\#(account.email)","password":"\#(account.password)"}"#,
                headers: [.xForwardedFor: "10.2.1.1"])
            #expect(locked.status == 429)
            #expect(locked.errorStatus == "RESOURCE_EXHAUSTED")
            #expect(Int(locked.headers[.retryAfter] ?? "") ?? 0 > 0)
        }
    }

    @Test func repeatedFailuresAreThrottledPerClientAddress() async throws {
        try await TestPlatform.withAPI { api, _ in
            let address = "10.3.\(Int.random(in: 0...255)).\(Int.random(in: 0...255))"
            for attempt in 0..<3 {
                _ = try await api.call(
                    .post, "/v1/sessions", json: #"{"email":"spray-\#(attempt)-\#(UUID())@example.com","password":"guess-\#(attempt)-1234"}"#,
                    headers: [.xForwardedFor: address])
            }
            let account = try await api.signUp()
            let blocked = try await api.call(
                .post, "/v1/sessions", json: #"{"email":"\#(account.email)","password":"\#(account.password)"}"#,
                headers: [.xForwardedFor: address])
            #expect(blocked.status == 429)
        }
    }

    @Test func aRefreshTokenWorksOnceAndItsReuseRevokesTheSession() async throws {
        try await TestPlatform.withAPI { api, _ in
            let session = try await api.newSession()
            let first = try await api.call(.post, "/v1/sessions:refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#)
            #expect(first.status == 200)
            let next = try #require(first.string("refreshToken"))

            let replay = try await api.call(.post, "/v1/sessions:refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#)
            #expect(replay.status == 401)
            #expect(replay.errorReason == "REFRESH_TOKEN_REUSED")

            let afterRevocation = try await api.call(.post, "/v1/sessions:refresh", json: #"{"refreshToken":"\#(next)"}"#)
            #expect(afterRevocation.status == 401)
            #expect(afterRevocation.errorReason == "INVALID_REFRESH_TOKEN")
        }
    }

    @Test func twoConcurrentRefreshesWithOneTokenRotateOnce() async throws {
        try await TestPlatform.withAPI { api, _ in
            let session = try await api.newSession()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await api.call(.post, "/v1/sessions:refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200, 401])
        }
    }

    @Test func signingOutEndsTheSession() async throws {
        try await TestPlatform.withAPI { api, _ in
            let session = try await api.newSession()
            #expect(try await api.call(.post, "/v1/sessions:revoke", json: #"{"refreshToken":"\#(session.refreshToken)"}"#).status == 200)
            #expect(try await api.call(.post, "/v1/sessions:refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#).status == 401)
            #expect(try await api.call(.post, "/v1/sessions:revoke", json: #"{"refreshToken":"made-up"}"#).status == 401)
        }
    }

    @Test(arguments: [
        "not.a.jwt",
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAiLCJyb2xlIjoiYWRtaW4iLCJpc3MiOiJjdXJic2lkZSIsImV4cCI6NDEwMjQ0NDgwMCwiaWF0IjoxNzAwMDAwMDAwLCJuYmYiOjE3MDAwMDAwMDB9.",
    ])
    func forgedOrMalformedTokensAreUnauthenticated(_ token: String) async throws {
        try await TestPlatform.withAPI { api, _ in
            let reply = try await api.call(.get, "/v1/users/me", token: token)
            #expect(reply.status == 401)
            #expect(reply.errorReason == "INVALID_TOKEN")
        }
    }

    @Test func aTamperedTokenIsUnauthenticated() async throws {
        try await TestPlatform.withAPI { api, _ in
            let session = try await api.newSession()
            var parts = session.accessToken.split(separator: ".").map(String.init)
            // Claim the admin role without re-signing.
            let claims = #"{"sub":"\#(session.account.id)","role":"admin","iss":"curbside","exp":4102444800,"iat":1700000000,"nbf":1700000000}"#
            parts[1] = Data(claims.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            let reply = try await api.call(.get, "/v1/users", token: parts.joined(separator: "."))
            #expect(reply.status == 401)
        }
    }

    /// Issued an hour ago (expired after 15 minutes) or tomorrow (not yet valid).
    @Test(arguments: [-3600.0, 86_400.0])
    func aTokenOutsideItsValidityIsUnauthenticated(issuedSecondsFromNow: Double) async throws {
        try await TestPlatform.withAPI { api, _ in
            let account = try await api.signUp()
            let issued = Date().addingTimeInterval(issuedSecondsFromNow)
            let token = try await api.platform.tokens.issueAccessToken(
                for: .init(userID: UUID(uuidString: account.id)!, role: .passenger, sessionID: nil), now: issued
            ).token
            let reply = try await api.call(.get, "/v1/users/me", token: token)
            #expect(reply.status == 401)
            #expect(reply.errorReason == "TOKEN_EXPIRED")
        }
    }
}

@Suite struct PhoneAndKeyRotationTests {
    @Test func anAccountCanSignUpAndSignInWithAPhoneNumberOnly() async throws {
        try await TestPlatform.withAPI { api, _ in
            let phone = "+1415\(Int.random(in: 1_000_000...9_999_999))"
            let created = try await api.call(
                .post, "/v1/users", json: #"{"role":"PASSENGER","phoneNumber":"\#(phone)","displayName":"P","password":"long-enough-1"}"#)
            #expect(created.status == 200)
            #expect(created.string("phoneNumber") == phone)
            let session = try await api.call(.post, "/v1/sessions", json: #"{"phoneNumber":"\#(phone)","password":"long-enough-1"}"#)
            #expect(session.status == 200)
        }
    }

    @Test func tokensSignedWithAnOlderKeyStillVerifyAfterRotation() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID())").path
        let first = try SigningKeyStore.load(directory: directory)
        let before = await TokenService(store: first, issuer: "curbside", accessTokenLifetime: .seconds(60))
        let principal = Principal(userID: UUID(), role: .driver, sessionID: UUID())
        let oldToken = try await before.issueAccessToken(for: principal).token

        // Rotation: a newer key is added beside the old one.
        let newer = ES256PrivateKey()
        try newer.pemRepresentation.write(toFile: directory + "/z\(first.current.id).pem", atomically: true, encoding: .utf8)
        let rotated = try SigningKeyStore.load(directory: directory)
        #expect(rotated.keys.count == 2)
        #expect(rotated.current.id == "z\(first.current.id)")
        let after = await TokenService(store: rotated, issuer: "curbside", accessTokenLifetime: .seconds(60))
        #expect(try await after.verify(bearerToken: oldToken) == principal)
        let newToken = try await after.issueAccessToken(for: principal).token
        #expect(try await after.verify(bearerToken: newToken) == principal)
        // A verifier that never had the new key refuses the new token (wrong kid).
        await #expect(throws: AIPError.self) { try await before.verify(bearerToken: newToken) }
    }
}
