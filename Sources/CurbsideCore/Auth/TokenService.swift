import Foundation
import JWTKit

/// Issues and verifies access tokens (ES256 JWTs with a `kid` header).
///
/// Verification accepts only tokens signed by one of the store's keys with ES256; `alg: none`,
/// another algorithm, an unknown `kid`, a bad signature, an expired or not-yet-valid token and a
/// token from another issuer are all refused with 401.
public struct TokenService: AccessTokenVerifier {
    let keys: JWTKeyCollection
    let signingKeyID: String
    let issuer: String
    public let accessTokenLifetime: Duration
    let verified = VerifiedTokenCache()

    public init(store: SigningKeyStore, issuer: String, accessTokenLifetime: Duration) async {
        let keys = JWTKeyCollection()
        for key in store.keys {
            await keys.add(ecdsa: key.privateKey, kid: JWKIdentifier(string: key.id))
        }
        self.keys = keys
        self.signingKeyID = store.current.id
        self.issuer = issuer
        self.accessTokenLifetime = accessTokenLifetime
    }

    /// A signed access token for `principal` and the moment it expires.
    public func issueAccessToken(for principal: Principal, now: Date = Date()) async throws -> (token: String, expiry: Date) {
        let claims = AccessTokenClaims(principal: principal, issuer: issuer, issuedAt: now, lifetime: accessTokenLifetime)
        let token = try await keys.sign(claims, kid: JWKIdentifier(string: signingKeyID))
        return (token, claims.expiration.value)
    }

    public func verify(bearerToken: String) async throws -> Principal { try await verifyWithExpiry(bearerToken: bearerToken).principal }

    /// The caller behind a token and when the token stops being valid (a long-lived connection,
    /// such as the live channel, is cut off then).
    public func verifyWithExpiry(bearerToken: String) async throws -> (principal: Principal, expiry: Date) {
        let key = VerifiedTokenCache.key(bearerToken)
        if let entry = verified.entry(for: key, now: Date()) { return (entry.principal, entry.expiration) }
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(bearerToken, as: AccessTokenClaims.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw AIPError.unauthenticated("the access token has expired or is not yet valid", reason: "TOKEN_EXPIRED")
        } catch {
            throw AIPError.unauthenticated("the access token is not valid", reason: "INVALID_TOKEN")
        }
        guard claims.issuer.value == issuer, let userID = UUID(uuidString: claims.subject.value),
            let role = Role(rawValue: claims.role)
        else {
            throw AIPError.unauthenticated("the access token is not valid", reason: "INVALID_TOKEN")
        }
        let principal = Principal(userID: userID, role: role, sessionID: claims.sessionID.flatMap(UUID.init(uuidString:)))
        verified.insert(
            .init(principal: principal, notBefore: claims.notBefore.value, expiration: claims.expiration.value), for: key, now: Date())
        return (principal, claims.expiration.value)
    }
}
