import CurbsideCore

/// The one place where the users domain's refusals become AIP errors.
enum UsersErrorMapping {
    static let domain = ServiceName.users.errorDomain

    static func aip(_ error: UsersError) -> AIPError {
        let aip: AIPError =
            switch error {
            case .invalidField(let field, let message, let reason):
                AIPError(.invalidArgument, reason: reason, message: message, metadata: ["field": field])
            case .emailTaken:
                AIPError(.alreadyExists, reason: "EMAIL_TAKEN", message: "an account with this email already exists", metadata: ["field": "email"])
            case .phoneNumberTaken:
                AIPError(
                    .alreadyExists, reason: "PHONE_NUMBER_TAKEN", message: "an account with this phone number already exists",
                    metadata: ["field": "phoneNumber"])
            case .plateTaken:
                AIPError(
                    .alreadyExists, reason: "LICENSE_PLATE_TAKEN", message: "a vehicle with this licence plate is already registered",
                    metadata: ["field": "licensePlate"])
            case .userNotFound(let name), .driverNotFound(let name), .vehicleNotFound(let name), .documentNotFound(let name):
                .notFound(name)
            case .illegalTransition(let resource, let from, let action):
                AIPError(
                    .failedPrecondition, reason: "ILLEGAL_STATE_TRANSITION",
                    message: "\(resource) cannot \(action) from state \(from)", metadata: ["resource": resource, "state": from])
            case .invalidCredentials:
                .unauthenticated("the email, phone number or password is not correct", reason: "INVALID_CREDENTIALS")
            case .accountDeleted:
                .unauthenticated("the account was deleted", reason: "ACCOUNT_DELETED")
            case .refreshTokenInvalid:
                .unauthenticated("the refresh token is not valid; sign in again", reason: "INVALID_REFRESH_TOKEN")
            case .refreshTokenReused:
                .unauthenticated("the refresh token was already used; the session has been revoked", reason: "REFRESH_TOKEN_REUSED")
            case .throttled(let seconds):
                AIPError(
                    .resourceExhausted, reason: "TOO_MANY_SIGN_IN_ATTEMPTS",
                    message: "too many failed sign-in attempts; try again in \(seconds) seconds", retryAfterSeconds: seconds)
            case .notYourResource:
                .permissionDenied("the caller may not access another user's resource", reason: "NOT_RESOURCE_OWNER")
            }
        return aip.inDomain(domain)
    }

    /// Runs a handler body, translating every domain and platform error for the API.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as UsersError {
            throw aip(error)
        } catch let error as AIPError {
            throw error.inDomain(domain)
        }
    }
}
