import Foundation
import Logging
import PostgresNIO

@testable import CurbsideCore

/// A database of a test's own, with a `platform` schema, reached as its owner.
struct ScratchDatabase {
    let name: String
    let owner: PostgresClientConfiguration

    static func create(settings: PlatformSettings, logger: Logger) async throws -> ScratchDatabase {
        let name = "scratch_\(UUID().uuidString.prefix(8).lowercased())"
        let database = settings.database
        try await SingleConnection.with(
            host: database.host, port: database.port, username: database.superuser, password: database.superuserPassword,
            database: "postgres", connectTimeout: .seconds(5), logger: logger
        ) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER trips_owner"), logger: logger)
        }
        try await SingleConnection.with(
            host: database.host, port: database.port, username: database.superuser, password: database.superuserPassword,
            database: name, connectTimeout: .seconds(5), logger: logger
        ) { connection in
            try await connection.query("CREATE SCHEMA platform AUTHORIZATION trips_owner", logger: logger)
        }
        let trips = DatabaseCredentials(settings: database).configuration(
            service: .trips, role: .owner, host: database.host, port: database.port)
        return ScratchDatabase(
            name: name,
            owner: PostgresClientConfiguration(
                host: trips.host, port: trips.port, username: trips.username, password: trips.password, database: name,
                settings: database))
    }

    /// Runs a script (statements separated by semicolons) as the owner.
    func run(_ script: String, logger: Logger) async throws {
        try await SingleConnection.with(owner, logger: logger) { connection in
            for statement in SQLStatementSplitter.split(script) {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    /// A pool on this database (to be run with `withRunningClients`), of at most `connections`
    /// connections when given (one, for a test about what a single session keeps).
    func client(logger: Logger, connections: Int? = nil) -> PostgresClient {
        var configuration = owner.make()
        if let connections { configuration.options.maximumConnections = connections }
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }
}
