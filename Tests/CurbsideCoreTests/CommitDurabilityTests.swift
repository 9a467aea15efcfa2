import Foundation
import Logging
import PostgresNIO
import Testing

@testable import CurbsideCore

/// A transaction asked for eventual durability commits without waiting for the disk, and only it:
/// the setting ends with the transaction, so the pooled connection's next user waits as usual.
@Suite struct CommitDurabilityTests {
    let logger = TestSettings.logger

    static func synchronousCommit(_ connection: PostgresConnection, logger: Logger) async throws -> String {
        for try await value in try await connection.query("SELECT current_setting('synchronous_commit')", logger: logger).decode(String.self) {
            return value
        }
        return ""
    }

    @Test func eventualDurabilityHoldsForItsTransactionOnly() async throws {
        let settings = try TestSettings.make()
        let credentials = DatabaseCredentials(settings: settings.database)
        // One connection, so the second and third transactions run on the session the first changed.
        var configuration = credentials.configuration(
            service: .trips, role: .driver, host: settings.database.host, port: settings.database.port
        ).make()
        configuration.options.maximumConnections = 1
        let primary = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let database = Database(
            service: .trips, role: .driver, primary: primary, replicas: [], maxReplicaLag: .seconds(1),
            replicaReadTimeout: .seconds(2))
        let logger = logger
        try await withRunningClients(database.clients) {
            // `make test`'s cluster runs with synchronous_commit off; this session waits, as production does.
            try await primary.withConnection { try await $0.query("SET synchronous_commit = on", logger: logger) }
            let eventual = try await database.transaction(durability: .eventual, logger: logger) {
                try await Self.synchronousCommit($0, logger: logger)
            }
            let flushed = try await database.transaction(logger: logger) { try await Self.synchronousCommit($0, logger: logger) }
            let outside = try await primary.withConnection { try await Self.synchronousCommit($0, logger: logger) }
            #expect(eventual == "off")
            #expect(flushed == "on")
            #expect(outside == "on")
        }
    }
}
