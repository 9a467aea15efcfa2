import PostgresNIO

/// Builds `PostgresClient` configurations with the platform's pool and timeout settings.
public struct PostgresClientConfiguration: Sendable {
    public let host: String
    public let port: Int
    public let username: String
    public let password: String
    public let database: String
    let settings: PlatformSettings.Database

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
}
