/// What the notifications service refuses; the API maps each to an AIP error.
public enum NotificationsError: Error, Sendable, Equatable {
    case notFound(String)
    case notYours
    case invalidField(field: String, message: String)
}
