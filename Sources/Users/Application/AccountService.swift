import CurbsideCore
import Foundation
import Logging

/// Sign-up, sign-in, token refresh and sign-out.
public struct AccountService: Sendable {
    let users: UserRepository
    let sessions: SessionRepository
    let throttle: SignInThrottle
    let passwords: PasswordHasher
    let tokens: TokenService
    let refreshTokenLifetime: Duration
    let clock: UsersClock

    public init(
        users: UserRepository, sessions: SessionRepository, throttle: SignInThrottle, passwords: PasswordHasher,
        tokens: TokenService, refreshTokenLifetime: Duration, clock: UsersClock
    ) {
        self.users = users
        self.sessions = sessions
        self.throttle = throttle
        self.passwords = passwords
        self.tokens = tokens
        self.refreshTokenLifetime = refreshTokenLifetime
        self.clock = clock
    }

    /// What a sign-up asks for.
    public struct SignUpRequest: Sendable {
        public var role: User.Role
        public var email: String?
        public var phoneNumber: String?
        public var displayName: String
        public var password: String

        public init(role: User.Role, email: String?, phoneNumber: String?, displayName: String, password: String) {
            self.role = role
            self.email = email
            self.phoneNumber = phoneNumber
            self.displayName = displayName
            self.password = password
        }

        /// Identifies the request for idempotency (the password is not part of it: it is not stored).
        var fingerprint: String {
            OpaqueToken.digest(of: [role.rawValue, email ?? "", phoneNumber ?? "", displayName].joined(separator: "\u{1F}"))
        }
    }

    /// Creates a passenger, driver or (with `allowAdmin`, from the command line only) admin account.
    public func signUp(_ request: SignUpRequest, requestID: UUID?, allowAdmin: Bool = false, logger: Logger) async throws -> User {
        guard request.role != .admin || allowAdmin else {
            throw UsersError.invalidField(field: "role", message: "role must be PASSENGER or DRIVER", reason: "INVALID_ROLE")
        }
        let email = try request.email.flatMap { $0.isEmpty ? nil : $0 }.map { value throws(UsersError) in try EmailAddress(value) }
        let phone = try request.phoneNumber.flatMap { $0.isEmpty ? nil : $0 }.map { value throws(UsersError) in try PhoneNumber(value) }
        let name = try DisplayName(request.displayName)
        let password = try NewPassword(request.password)
        let hash = try await passwords.hash(password.value)
        let user = try User(
            role: request.role, email: email, phoneNumber: phone, displayName: name, passwordHash: hash, now: clock.now())
        let id = try await users.create(user, requestID: requestID, requestHash: request.fingerprint, logger: logger)
        guard let stored = try await users.user(id: id, reader: id, logger: logger) else { throw UsersError.userNotFound("users/\(id)") }
        return stored
    }

    /// A signed-in session: the tokens and the account.
    public struct IssuedSession: Sendable {
        public var sessionID: UUID
        public var user: User
        public var accessToken: String
        public var accessTokenExpiry: Date
        public var refreshToken: String
        public var refreshTokenExpiry: Date
    }

    /// Checks the password and opens a session. Failures are throttled per account and per address,
    /// and an unknown account costs as much time as a wrong password.
    public func signIn(email: String?, phoneNumber: String?, password: String, clientAddress: String, logger: Logger)
        async throws -> IssuedSession
    {
        let emailAddress = try email.flatMap { $0.isEmpty ? nil : $0 }.map { value throws(UsersError) in try EmailAddress(value) }
        let phone = try phoneNumber.flatMap { $0.isEmpty ? nil : $0 }.map { value throws(UsersError) in try PhoneNumber(value) }
        guard emailAddress != nil || phone != nil else {
            throw UsersError.invalidField(field: "email", message: "an email or a phoneNumber is required", reason: "CONTACT_REQUIRED")
        }
        let accountKey = "account:" + (emailAddress?.value ?? phone?.value ?? "")
        let addressKey = "address:" + clientAddress
        let now = clock.now()
        if let retryAfter = try await throttle.retryAfter(keys: [accountKey, addressKey], now: now, logger: logger) {
            throw UsersError.throttled(retryAfterSeconds: retryAfter)
        }
        let user = try await users.user(email: emailAddress, phoneNumber: phone, logger: logger)
        let matches = try await passwords.verify(password, against: user?.passwordHash ?? passwords.decoyHash)
        guard let user, matches, !user.isDeleted else {
            try await throttle.recordFailure(keys: [accountKey, addressKey], now: now, logger: logger)
            throw UsersError.invalidCredentials
        }
        try await throttle.reset(key: accountKey, logger: logger)
        return try await open(for: user, now: now, logger: logger)
    }

    private func open(for user: User, now: Date, logger: Logger) async throws -> IssuedSession {
        let sessionID = UUID()
        let refresh = OpaqueToken.generate()
        let refreshExpiry = now.addingTimeInterval(refreshTokenLifetime.inSeconds)
        try await sessions.open(
            sessionID: sessionID, userID: user.id, digest: refresh.digest, now: now, expiry: refreshExpiry, logger: logger)
        let access = try await tokens.issueAccessToken(for: principal(user, sessionID), now: now)
        return IssuedSession(
            sessionID: sessionID, user: user, accessToken: access.token, accessTokenExpiry: access.expiry,
            refreshToken: refresh.value, refreshTokenExpiry: refreshExpiry)
    }

    /// Exchanges a refresh token for a new pair. A token presented twice revokes its session.
    public func refresh(refreshToken: String, logger: Logger) async throws -> IssuedSession {
        let now = clock.now()
        let next = OpaqueToken.generate()
        let rotation = try await sessions.rotate(
            digest: OpaqueToken.digest(of: refreshToken), newDigest: next.digest, now: now, logger: logger)
        switch rotation {
        case .invalid:
            throw UsersError.refreshTokenInvalid
        case .reused:
            logger.warning("refresh token reused; session revoked")
            throw UsersError.refreshTokenReused
        case .rotated(let sessionID, let userID, let sessionExpiry):
            guard let user = try await users.user(id: userID, reader: userID, logger: logger), !user.isDeleted else {
                throw UsersError.refreshTokenInvalid
            }
            let access = try await tokens.issueAccessToken(for: principal(user, sessionID), now: now)
            return IssuedSession(
                sessionID: sessionID, user: user, accessToken: access.token, accessTokenExpiry: access.expiry,
                refreshToken: next.value, refreshTokenExpiry: sessionExpiry)
        }
    }

    /// Signs out: the session of the refresh token can no longer be refreshed.
    public func signOut(refreshToken: String, logger: Logger) async throws {
        guard
            try await sessions.revoke(
                digest: OpaqueToken.digest(of: refreshToken), reason: "SIGNED_OUT", now: clock.now(), logger: logger)
        else { throw UsersError.refreshTokenInvalid }
    }

    private func principal(_ user: User, _ sessionID: UUID) -> Principal {
        let role: Role =
            switch user.role {
            case .passenger: .passenger
            case .driver: .driver
            case .admin: .admin
            }
        return Principal(userID: user.id, role: role, sessionID: sessionID)
    }
}
