/// Everything the users domain can refuse, with a stable reason the API maps to an AIP error.
public enum UsersError: Error, Equatable, Sendable {
    case invalidField(field: String, message: String, reason: String)
    case emailTaken
    case phoneNumberTaken
    case plateTaken
    case userNotFound(String)
    case driverNotFound(String)
    case vehicleNotFound(String)
    case documentNotFound(String)
    case illegalTransition(resource: String, from: String, action: String)
    case invalidCredentials
    case accountDeleted
    case refreshTokenInvalid
    case refreshTokenReused
    case throttled(retryAfterSeconds: Int)
    case notYourResource
}
