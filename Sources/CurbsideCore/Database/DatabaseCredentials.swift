import Crypto
import Foundation

/// Where a service's database lives and how each role logs in.
///
/// A role's password is either configured (`CURBSIDE_DB_PASSWORD_<ROLE>`) or derived from the
/// database secret with HMAC-SHA256, so a local run needs a single secret for all twenty roles.
public struct DatabaseCredentials: Sendable {
    public let settings: PlatformSettings.Database

    public init(settings: PlatformSettings.Database) {
        self.settings = settings
    }

    /// The password of a login role.
    public func password(service: ServiceName, role: DatabaseRole) -> String {
        let login = DatabaseRole.login(service: service, role: role)
        if let configured = settings.passwordOverrides[login] { return configured }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(login.utf8), using: SymmetricKey(data: Data(settings.secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// A client configuration for `role` on `service`'s database at one server.
    public func configuration(service: ServiceName, role: DatabaseRole, host: String, port: Int)
        -> PostgresClientConfiguration
    {
        PostgresClientConfiguration(
            host: host, port: port, username: DatabaseRole.login(service: service, role: role),
            password: password(service: service, role: role), database: service.rawValue,
            settings: settings)
    }
}
