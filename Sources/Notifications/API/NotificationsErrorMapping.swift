import CurbsideCore

/// The one place where the notifications service's refusals become AIP errors.
enum NotificationsErrorMapping {
    static let domain = ServiceName.notifications.errorDomain

    static func aip(_ error: NotificationsError) -> AIPError {
        let aip: AIPError =
            switch error {
            case .notFound(let name): .notFound(name)
            case .notYours: .permissionDenied("the caller may not act on another user's notifications", reason: "NOT_RESOURCE_OWNER")
            case .invalidField(let field, let message):
                AIPError(.invalidArgument, reason: "INVALID_ARGUMENT", message: message, metadata: ["field": field])
            }
        return aip.inDomain(domain)
    }

    /// Runs a handler body, translating every domain and platform error for the API.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as NotificationsError {
            throw aip(error)
        } catch let error as AIPError {
            throw error.inDomain(domain)
        }
    }
}
