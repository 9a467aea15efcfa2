import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore

/// OAuth 2.0 access tokens for FCM by Google's service-account flow
/// (https://developers.google.com/identity/protocols/oauth2/service-account#httprest): a JWT signed
/// with the account's key is exchanged at the token endpoint for a bearer token valid an hour.
///
/// A token is reused until five minutes before it expires, so that none expires in flight; one
/// request fetches it however many sends are waiting for it.
actor FCMAccessTokens {
    static let scope = "https://www.googleapis.com/auth/firebase.messaging"
    /// The longest assertion Google accepts.
    static let assertionLifetime: TimeInterval = 3600
    static let refreshMargin: TimeInterval = 300
    /// RFC 6749 makes `expires_in` optional; Google's tokens last an hour.
    static let defaultExpiresIn = 3600

    struct AccessToken: Sendable {
        var value: String
        var refreshAt: Date
    }

    /// The token endpoint refused, or answered something that is not a token.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let account: FCMServiceAccount
    private let key: Insecure.RSA.PrivateKey
    private let tokenURL: String
    private let exchange: FCMExchange
    private let now: @Sendable () -> Date
    private var keys: JWTKeyCollection?
    private var cached: AccessToken?
    private var refreshing: Task<AccessToken, any Error>?

    init(account: FCMServiceAccount, key: Insecure.RSA.PrivateKey, tokenURL: URL, exchange: FCMExchange, now: @escaping @Sendable () -> Date) {
        self.account = account
        self.key = key
        self.tokenURL = tokenURL.absoluteString
        self.exchange = exchange
        self.now = now
    }

    /// A token valid for at least five more minutes.
    func token() async throws -> String {
        if let cached, now() < cached.refreshAt { return cached.value }
        if let refreshing { return try await refreshing.value.value }
        let task = Task { try await fetch() }
        refreshing = task
        do {
            let fetched = try await task.value
            cached = fetched
            refreshing = nil
            return fetched.value
        } catch {
            refreshing = nil
            throw error
        }
    }

    /// Forgets `token` after FCM refused it, unless a newer one replaced it meanwhile.
    func invalidate(_ token: String) {
        if cached?.value == token { cached = nil }
    }

    private func fetch() async throws -> AccessToken {
        let issuedAt = Date(timeIntervalSince1970: now().timeIntervalSince1970.rounded(.down))
        let assertion = try await signingKeys().sign(
            GoogleAssertion(
                iss: IssuerClaim(value: account.clientEmail), scope: Self.scope, aud: AudienceClaim(value: account.tokenURI),
                iat: IssuedAtClaim(value: issuedAt), exp: ExpirationClaim(value: issuedAt + Self.assertionLifetime)),
            kid: JWKIdentifier(string: account.privateKeyID))

        var request = HTTPClientRequest(url: tokenURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let form = Self.formEncoded([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)])
        request.body = .bytes(ByteBuffer(string: form))
        let answer = try await exchange(request)

        let decoder = JSONDecoder()
        guard answer.status == 200 else {
            let refusal = try? decoder.decode(TokenRefusal.self, from: answer.body)
            let detail = [refusal?.error, refusal?.errorDescription].compactMap { $0 }.joined(separator: ": ")
            throw Failure(description: "the token endpoint answered \(answer.status)" + (detail.isEmpty ? "" : " (\(detail))"))
        }
        guard let granted = try? decoder.decode(TokenGrant.self, from: answer.body), !granted.accessToken.isEmpty else {
            throw Failure(description: "the token endpoint answered 200 without an access_token")
        }
        let lifetime = TimeInterval(granted.expiresIn ?? Self.defaultExpiresIn)
        return AccessToken(value: granted.accessToken, refreshAt: now() + max(0, lifetime - Self.refreshMargin))
    }

    /// The signing key in jwt-kit's form, made on first use because adding to the collection is async.
    private func signingKeys() async -> JWTKeyCollection {
        if let keys { return keys }
        let made = await JWTKeyCollection().add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: account.privateKeyID))
        keys = made
        return made
    }

    /// `application/x-www-form-urlencoded`, escaping all but RFC 3986's unreserved characters.
    static func formEncoded(_ fields: [(String, String)]) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }
        return fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    private struct TokenGrant: Decodable {
        var accessToken: String
        var expiresIn: Int?

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case expiresIn = "expires_in"
        }
    }

    private struct TokenRefusal: Decodable {
        var error: String?
        var errorDescription: String?

        enum CodingKeys: String, CodingKey {
            case error
            case errorDescription = "error_description"
        }
    }
}

/// The claims of the assertion Google's token endpoint expects from a service account.
struct GoogleAssertion: JWTPayload {
    var iss: IssuerClaim
    var scope: String
    var aud: AudienceClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
