import CurbsideCore
import Logging

/// Fails fast, with a message a person can act on, when a database role cannot log in: a pool
/// would otherwise retry quietly for over a minute per request.
enum StartupCheck {
    static func databases(modules: [any ServiceModule], settings: PlatformSettings, logger: Logger) async throws {
        let credentials = DatabaseCredentials(settings: settings.database)
        for module in modules {
            for role in [DatabaseRole.driver, .passenger, .platform] {
                let configuration = credentials.configuration(
                    service: module.name, role: role, host: settings.database.host, port: settings.database.port)
                do {
                    _ = try await SingleConnection.with(configuration, logger: logger) { connection in
                        try await connection.query("SELECT 1", logger: logger)
                    }
                } catch {
                    throw ConfigurationError(
                        """
                        cannot connect to database '\(module.name.rawValue)' as \(configuration.username) at \
                        \(settings.database.host):\(settings.database.port): \(String(reflecting: error)). \
                        Run `curbside db bootstrap` and `curbside migrate` (make run does both), or check CURBSIDE_DB_*.
                        """)
                }
            }
        }
    }
}
