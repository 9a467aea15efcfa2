import Logging
import NIOCore
import PostgresNIO

/// One direct connection for administrative work (bootstrap, migrations, start-up checks).
///
/// Unlike a pool, a direct connection fails at once on a wrong password or a dead server, which is
/// what a command run by a person needs (a pool retries with backoff for over a minute).
public enum SingleConnection {
    @discardableResult
    public static func with<Result>(
        host: String, port: Int, username: String, password: String?, database: String,
        connectTimeout: Duration, logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.connectTimeout = .nanoseconds(connectTimeout.inNanoseconds)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Opens a direct connection described by a pool configuration.
    @discardableResult
    public static func with<Result>(
        _ configuration: PostgresClientConfiguration, logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await with(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database,
            connectTimeout: configuration.settings.connectTimeout, logger: logger, body)
    }
}
