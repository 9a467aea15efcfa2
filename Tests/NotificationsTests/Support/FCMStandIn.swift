import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import Synchronization

/// The service account the FCM tests send as.
enum FCMTestAccount {
    /// A 2048-bit RSA key made with `openssl genrsa 2048` for these tests only: it belongs to no
    /// Google account and signs nothing outside them.
    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQChJiiaa3hcHjbv
        7gHMtYK5B9mGc1WDSL5kvuUZWjNAeaUDxVBfrmFf6XnmqXjNT9tg4jJklxvwq6t0
        Npy/4XaInETqsziINLvlGCW8iqI4PqY/xxo1wa8Xs0NiFxp93/hOtdGl9e2c+fZ1
        eEcK5BC9lVnM9KGqsYXnnNv/I0ctvxHrzhQFTCn8Y1cB+LsVQNO4WnIyRe7ESjCq
        UKHW08NmWVPSBnl2K9sZR97SECLNiynTbR36rfXTjK4yLt5pyATUaoGeuJgzgpFC
        eZq4VS5ovlVWRwmEoyPQLpLr2lNP6rAJIjOLRlecznrFAWDjjmy+irEIBK5G+MCv
        MFXsn9b1AgMBAAECggEAE/36apHrqC39bc2uvnlEQvVE2MfFM5jaOgBuxrLoidat
        kKaxfnVRUkdSXrnmqT3/fukBDHasujJp/mxqDOoJPRB6Ak4CtO8p4lWZFOd0EZtA
        H8hxKXsiYEPWl7w7BqO7F/S5kifM9z0RhOhLk//QTdzR+7nbtqP4c1AEAQac5YFM
        2Zr6CjFhm+e296Dh01LZ7hPRnYjImCtuT2TJvfgqE78fewkadMQQiymk29Piykz6
        8p3qmhDeKDAQ8xfHQNuXsj9WOeVeJTnd9JxvGyvUrWOk/rzvjGwIQnSQNeN5s7wy
        6cX1rLd7kx5R3gpqgKxMR4Qk4ZAqLA76a3YcDMcwbwKBgQDXZD0A/USFvcWjqPCH
        ymjCrlk3pnPp65MR2eJoHMhb9+6otO0QmKJHDvq0Ynwon25xOHWbLH3auu7TDgNZ
        NsJkvK8PIokimaHpHo5YUmXnCD2zmXO3ZhLO7asxGoQQIeyxQZI2mF28SABHiDZq
        SMCqusJWh2mx2p5u3HbJuln7DwKBgQC/h+8qtCsZ+phiJjvGyKhzf82h14ROdpJM
        NRLdDeFGFw0plubTt/Eoog9TapBiVMjhfMKLQpQJXhmb4VE232YlKL/jOwFw0/Qs
        MeL8w0MlxilvFGgx8d3ISGSZVGit2VALR897ZIGrKm2ZstOKvsyICdielctXeY5+
        RKA3bD9duwKBgQCm8A+/9ovnREAsKkHSXPR4/vwy/5WTVXv1N/QcUUKQ1UZqB2A9
        nq8Xd+qjaDlmmrrUkbfE/uTEZGG5voCl4qUjwoHDrzauVHiC36Xfmm1UdLStwF9J
        Y5lsPBSUyEJW5pQ2heW23ry3su5UgqP6GE0LhhgdTHKE4DYvIjwG+aHHzQKBgQCz
        uuDRRu6nW0RB3jT77fI9KDIT7ETIyHWys5829r5t4lXEsEl9ZcAU7DbLhVVmIL+8
        8TEyM1DtlXMclwx6HJsixaGDnyxT72HTUyD5JlbNjK33AcRhEeGX/27/f3kXorR9
        UW6/EOqpb5AXyfq+2RrfkbXH4zNEq9nuXYGnYJn53wKBgAdlM7TchaUFE2dPAVbC
        Wm34VsYF0vTn6HO9Awd4gC+lyPAy154OG7GOaQAb0lh/7180cKkEzCXqrLY/iuPV
        5zq441T5Rup6tiNZfr0W2tGzphSK9Bus0OCtIhp87kKbDfI9AKnCAby6aDDJygLp
        mxj8rQWMWUt+MbM+POVgReiO
        -----END PRIVATE KEY-----
        """
    static let keyID = "8f1c2e9a7b6d5c4e3f2a1b0c9d8e7f6a5b4c3d2e"
    static let clientEmail = "push-sender@curbside-test.iam.gserviceaccount.com"
    static let projectID = "curbside-test"
    /// Where the key file says tokens come from; the tests fetch them from the stand-in instead, and
    /// the assertion's audience must stay this.
    static let tokenURI = "https://oauth2.googleapis.com/token"

    /// The key file as the Firebase console downloads it, with `changes` applied (nil removes a field).
    static func json(_ changes: [String: String?] = [:]) -> Data {
        var fields: [String: String] = [
            "type": "service_account", "project_id": projectID, "private_key_id": keyID, "private_key": privateKeyPEM + "\n",
            "client_email": clientEmail, "client_id": "104222333444555666777", "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": tokenURI,
        ]
        for (field, value) in changes { fields[field] = value }
        return try! JSONSerialization.data(withJSONObject: fields)
    }
}

/// An answer the stand-in gives, after `delay`.
struct FCMReply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields = [:]
    var body: String
    var delay: Duration = .zero

    /// An error as FCM words it: a `google.rpc.Status` with FCM's code in its details.
    static func fcmError(
        _ status: HTTPResponse.Status, _ canonical: String, _ fcmCode: String?, message: String = "stand-in error",
        retryAfter: String? = nil
    ) -> FCMReply {
        var details = ""
        if let fcmCode {
            details = #","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"\#(fcmCode)"}]"#
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = retryAfter }
        return FCMReply(
            status: status, headers: headers,
            body: #"{"error":{"code":\#(status.code),"message":"\#(message)","status":"\#(canonical)"\#(details)}}"#)
    }
}

/// A local stand-in for Google's OAuth 2.0 token endpoint (`POST /token`) and FCM's
/// `POST /v1/projects/{project}/messages:send`, on a real socket.
///
/// The token endpoint checks the assertion as Google does (RS256 signature with the account's public
/// key, `kid`, `iss`, `scope`, `aud`, a one-hour lifetime) and records it; sends are answered by the
/// scripted replies in order, then with success.
final class FCMStandIn: Sendable {
    /// What one token request carried.
    struct TokenRequest: Sendable {
        var grantType: String?
        var kid: String?
        var alg: String?
        var iss: String?
        var scope: String?
        var aud: String?
        var iat: Int?
        var exp: Int?
        /// Why Google would refuse it; empty when it would not.
        var problems: [String]
    }

    /// What one send carried.
    struct SendRequest: Sendable {
        var project: String
        var authorization: String?
        var contentType: String?
        var body: Data

        /// The body as JSON, for the test to look into.
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    struct State {
        var tokenRequests: [TokenRequest] = []
        var issued: [String] = []
        var tokenReplies: [FCMReply] = []
        var expiresIn = 3599
        var sends: [SendRequest] = []
        var sendReplies: [FCMReply] = []
        var sendDelay: Duration = .zero
        var inFlight = 0
        var maxInFlight = 0
    }

    let state = Mutex(State())
    let verifier: JWTKeyCollection

    private init(verifier: JWTKeyCollection) {
        self.verifier = verifier
    }

    var tokenRequests: [TokenRequest] { state.withLock { $0.tokenRequests } }
    var sends: [SendRequest] { state.withLock { $0.sends } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    /// Answers the next sends with `replies`, in order.
    func script(_ replies: FCMReply...) { state.withLock { $0.sendReplies += replies } }

    /// Answers the next token requests with `replies`, in order, instead of a token.
    func scriptTokens(_ replies: FCMReply...) { state.withLock { $0.tokenReplies += replies } }

    /// Runs the stand-in on 127.0.0.1 for `body`, which gets its base URL.
    static func run(_ body: @Sendable (FCMStandIn, URL) async throws -> Void) async throws {
        let key = try Insecure.RSA.PrivateKey(pem: FCMTestAccount.privateKeyPEM)
        let verifier = await JWTKeyCollection().add(
            rsa: key.publicKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: FCMTestAccount.keyID))
        let standIn = FCMStandIn(verifier: verifier)
        let router = Router()
        router.post("/token") { request, _ in try await standIn.token(request) }
        router.post("/v1/projects/:project/messages:send") { request, context in
            try await standIn.send(request, project: context.parameters.get("project") ?? "")
        }
        var logger = Logger(label: "fcm-stand-in")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(.live) { client in
            try await body(standIn, URL(string: "http://127.0.0.1:\(client.port!)")!)
        }
    }

    private func token(_ request: Request) async throws -> Response {
        var request = request
        let form = Self.form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        var seen = TokenRequest(grantType: form["grant_type"], problems: [])
        if request.headers[.contentType] != "application/x-www-form-urlencoded" { seen.problems.append("not a form") }
        if seen.grantType != "urn:ietf:params:oauth:grant-type:jwt-bearer" { seen.problems.append("grant_type") }
        if let assertion = form["assertion"] {
            await check(assertion, into: &seen)
        } else {
            seen.problems.append("no assertion")
        }
        let (reply, token): (FCMReply?, String?) = state.withLock { state in
            state.tokenRequests.append(seen)
            if !state.tokenReplies.isEmpty { return (state.tokenReplies.removeFirst(), nil) }
            guard seen.problems.isEmpty else { return (nil, nil) }
            state.issued.append("ya29.stand-in-\(state.issued.count + 1)")
            return (nil, state.issued.last)
        }
        if let reply { return reply.response }
        guard let token else {
            return FCMReply(status: .badRequest, body: #"{"error":"invalid_grant","error_description":"Invalid JWT"}"#).response
        }
        let expiresIn = state.withLock { $0.expiresIn }
        return FCMReply(
            status: .ok, headers: [.contentType: "application/json"],
            body: #"{"access_token":"\#(token)","expires_in":\#(expiresIn),"token_type":"Bearer"}"#
        ).response
    }

    /// Checks `assertion` as Google does and notes what it carries.
    private func check(_ assertion: String, into seen: inout TokenRequest) async {
        do {
            _ = try await verifier.verify(assertion, as: AnyClaims.self)
        } catch {
            seen.problems.append("signature: \(error)")
        }
        let parts = assertion.split(separator: ".").map(String.init)
        guard parts.count == 3, let header = Self.jsonSegment(parts[0]), let claims = Self.jsonSegment(parts[1]) else {
            seen.problems.append("not a JWT")
            return
        }
        // RFC 7519 NumericDates may have fractions; Google documents whole seconds.
        if String(decoding: Self.segmentData(parts[1]) ?? Data(), as: UTF8.self).range(
            of: #""(iat|exp)":[0-9]+[.eE]"#, options: .regularExpression) != nil
        {
            seen.problems.append("fractional time")
        }
        seen.kid = header["kid"] as? String
        seen.alg = header["alg"] as? String
        seen.iss = claims["iss"] as? String
        seen.scope = claims["scope"] as? String
        seen.aud = claims["aud"] as? String
        seen.iat = claims["iat"] as? Int
        seen.exp = claims["exp"] as? Int
        if seen.kid != FCMTestAccount.keyID { seen.problems.append("kid") }
        if seen.alg != "RS256" { seen.problems.append("alg") }
        if seen.iss != FCMTestAccount.clientEmail { seen.problems.append("iss") }
        if seen.scope != "https://www.googleapis.com/auth/firebase.messaging" { seen.problems.append("scope") }
        if seen.aud != FCMTestAccount.tokenURI { seen.problems.append("aud") }
        let lifetime = seen.iat.flatMap { iat in seen.exp.map { $0 - iat } }
        if lifetime != 3600 { seen.problems.append("lifetime") }
    }

    private func send(_ request: Request, project: String) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 16)
        let authorization = request.headers[.authorization]
        let (reply, delay): (FCMReply, Duration) = state.withLock { state in
            state.sends.append(
                SendRequest(
                    project: project, authorization: authorization, contentType: request.headers[.contentType],
                    body: Data(body.readableBytesView)))
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
            if !state.sendReplies.isEmpty {
                let reply = state.sendReplies.removeFirst()
                return (reply, reply.delay)
            }
            guard let authorization, state.issued.contains(where: { "Bearer \($0)" == authorization }) else {
                return (FCMReply.fcmError(.unauthorized, "UNAUTHENTICATED", nil), state.sendDelay)
            }
            let name = "projects/\(project)/messages/\(state.sends.count)"
            return (FCMReply(status: .ok, headers: [.contentType: "application/json"], body: #"{"name":"\#(name)"}"#), state.sendDelay)
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if delay > .zero { try? await Task.sleep(for: delay) }
        return reply.response
    }

    private static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    private static func segmentData(_ segment: String) -> Data? {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    private static func jsonSegment(_ segment: String) -> [String: Any]? {
        guard let data = segmentData(segment) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// Accepts any claims: the stand-in checks them itself, from the raw JSON.
    private struct AnyClaims: JWTPayload {
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}

extension FCMReply {
    var response: Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
