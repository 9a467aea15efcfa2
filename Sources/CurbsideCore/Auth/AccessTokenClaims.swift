import Foundation
import JWTKit

/// The claims of a Curbside access token.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var subject: SubjectClaim
    public var role: String
    /// The session (refresh-token family) the token was issued under.
    public var sessionID: String?
    public var issuer: IssuerClaim
    public var issuedAt: IssuedAtClaim
    public var notBefore: NotBeforeClaim
    public var expiration: ExpirationClaim

    enum CodingKeys: String, CodingKey {
        case subject = "sub"
        case role
        case sessionID = "sid"
        case issuer = "iss"
        case issuedAt = "iat"
        case notBefore = "nbf"
        case expiration = "exp"
    }

    public init(principal: Principal, issuer: String, issuedAt exactIssuedAt: Date, lifetime: Duration) {
        // Whole seconds: NumericDate claims are conventionally integers.
        let issuedAt = Date(timeIntervalSince1970: exactIssuedAt.timeIntervalSince1970.rounded(.down))
        subject = .init(value: principal.userID.uuidString.lowercased())
        role = principal.role.rawValue
        sessionID = principal.sessionID?.uuidString.lowercased()
        self.issuer = .init(value: issuer)
        self.issuedAt = .init(value: issuedAt)
        notBefore = .init(value: issuedAt.addingTimeInterval(-5))
        expiration = .init(value: issuedAt.addingTimeInterval(lifetime.inSeconds))
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try expiration.verifyNotExpired()
        try notBefore.verifyNotBefore()
    }
}
