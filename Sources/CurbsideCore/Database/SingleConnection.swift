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
        return try await open(configuration, logger: logger, body)
    }

    /// Opens a direct connection described by a pool configuration (its TLS requirement included).
    @discardableResult
    public static func with<Result>(
        _ configuration: PostgresClientConfiguration, logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await open(configuration.connectionConfiguration(), logger: logger, body)
    }

    private static func open<Result>(
        _ configuration: PostgresConnection.Configuration, logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
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
}
