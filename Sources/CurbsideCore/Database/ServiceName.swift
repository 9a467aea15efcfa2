/// The five bounded contexts; each owns one database of the same name.
public enum ServiceName: String, Sendable, CaseIterable, Codable {
    case users, trips, dispatch, payments, notifications

    /// The ErrorInfo domain of the service's API errors.
    public var errorDomain: String { "\(rawValue).curbside.dev" }
}

/// The PostgreSQL login roles of a service's database.
///
/// `driver` and `passenger` may use only their own schema (plus `platform`); the database refuses
/// anything else. `platform` sees only the shared schema. `owner` runs migrations and nothing else.
public enum DatabaseRole: String, Sendable, CaseIterable {
    case owner, driver, passenger, platform

    /// The login name, e.g. `users_driver`.
    public static func login(service: ServiceName, role: DatabaseRole) -> String { "\(service.rawValue)_\(role.rawValue)" }
}
