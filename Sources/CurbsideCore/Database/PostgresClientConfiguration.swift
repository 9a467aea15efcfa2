import PostgresNIO

/// Builds `PostgresClient` configurations with the platform's pool and timeout settings.
public struct PostgresClientConfiguration: Sendable {
    public let host: String
    public let port: Int
    public let username: String
    public let password: String
    public let database: String
    let settings: PlatformSettings.Database

    /// The same login on another database of the same server (scratch databases in tests and benchmarks).
    public func on(database other: String) -> PostgresClientConfiguration {
        PostgresClientConfiguration(
            host: host, port: port, username: username, password: password, database: other, settings: settings)
    }

    /// The PostgresNIO configuration.
    public func make() -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: settings.requireTLS ? .require(.makeClientConfiguration()) : .disable)
        configuration.options.maximumConnections = settings.poolSize
        configuration.options.connectTimeout = settings.connectTimeout
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(30))
        return configuration
    }

    /// A single connection with the same login, TLS requirement and connect timeout.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: settings.requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable)
        configuration.options.connectTimeout = .nanoseconds(settings.connectTimeout.inNanoseconds)
        return configuration
    }
}
