import Foundation
import Logging
import PostgresNIO
import Testing

@testable import CurbsideCore

/// Read routing against the real streaming replicas `make test` starts: one that keeps up and one
/// that applies WAL three seconds late (`recovery_min_apply_delay`).
@Suite(.serialized) struct ReplicaRoutingTests {
    let settings: PlatformSettings
    let logger = TestSettings.logger

    init() throws {
        settings = try TestSettings.make()
    }

    func database(replicas: [(host: String, port: Int)], maxLag: Duration = .seconds(1)) -> (Database, ReplicaMonitor) {
        let credentials = DatabaseCredentials(settings: settings.database)
        func client(_ host: String, _ port: Int) -> PostgresClient {
            PostgresClient(
                configuration: credentials.configuration(service: .trips, role: .driver, host: host, port: port).make(),
                backgroundLogger: logger)
        }
        let endpoints = replicas.map { ReplicaEndpoint(name: "\($0.host):\($0.port)", client: client($0.host, $0.port)) }
        let database = Database(
            service: .trips, role: .driver, primary: client(settings.database.host, settings.database.port),
            replicas: endpoints, maxReplicaLag: maxLag, replicaReadTimeout: .seconds(2))
        return (
            database,
            ReplicaMonitor(primary: database.primary, replicas: endpoints, interval: .milliseconds(200), logger: logger)
        )
    }

    /// A driver-schema table to write to.
    func makeTable() async throws -> String {
        let table = "driver.routing_\(UUID().uuidString.prefix(8).lowercased())"
        let owner = DatabaseCredentials(settings: settings.database).configuration(
            service: .trips, role: .owner, host: settings.database.host, port: settings.database.port)
        try await SingleConnection.with(owner, logger: logger) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id uuid PRIMARY KEY)"), logger: logger)
        }
        return table
    }

    static func servedByReplica(_ client: PostgresClient, logger: Logger) async throws -> Bool {
        for try await inRecovery in try await client.query("SELECT pg_is_in_recovery()", logger: logger).decode(Bool.self) {
            return inRecovery
        }
        return false
    }

    @Test func lagTolerantReadsGoToAHealthyReplica() async throws {
        let replicas = settings.database.replicas
        try #require(!replicas.isEmpty, "make test starts a streaming replica (CURBSIDE_DB_REPLICAS)")
        let (database, monitor) = database(replicas: replicas)
        let logger = logger
        try await withRunningClients(database.clients) {
            await monitor.checkAll()
            let onReplica = try await database.read(logger: logger) { try await Self.servedByReplica($0, logger: logger) }
            #expect(onReplica)
        }
    }

    @Test func aWriterReadsItsOwnWriteEvenWhenTheReplicaIsDelayed() async throws {
        let delayed = try #require(TestSettings.delayedReplica, "make test starts a delayed replica")
        let table = try await makeTable()
        let (database, monitor) = database(replicas: [delayed], maxLag: .seconds(3600))
        let writer = UUID()
        let row = UUID()
        let logger = logger
        try await withRunningClients(database.clients) {
            try await database.transaction(writer: writer, logger: logger) { connection in
                try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES ($1)", binds: try Self.binds(row)), logger: logger)
            }
            await monitor.checkAll()
            let seen = try await database.read(reader: writer, logger: logger) { client in
                var found = false
                for try await _ in try await client.query(
                    PostgresQuery(unsafeSQL: "SELECT id FROM \(table) WHERE id = $1", binds: try Self.binds(row)), logger: logger)
                {
                    found = true
                }
                return found
            }
            #expect(seen)
        }
    }

    /// A sign-up writes through the passenger role and reads the account back through another: the
    /// roles of one service must share what they know of a writer's commits.
    @Test func aWriteThroughOneRoleIsReadBackThroughAnotherDespiteADelayedReplica() async throws {
        let delayed = try #require(TestSettings.delayedReplica, "make test starts a delayed replica")
        var databaseSettings = settings.database
        databaseSettings.replicas = [delayed]
        databaseSettings.maxReplicaLag = .seconds(3600)
        let logger = logger
        let databases = ServiceDatabases(service: .trips, settings: databaseSettings, logger: logger)
        let table = "platform.roles_\(UUID().uuidString.prefix(8).lowercased())"
        let owner = DatabaseCredentials(settings: settings.database).configuration(
            service: .trips, role: .owner, host: settings.database.host, port: settings.database.port)
        try await SingleConnection.with(owner, logger: logger) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id uuid PRIMARY KEY)"), logger: logger)
        }
        let writer = UUID()
        try await withRunningClients(databases.clients) {
            try await databases.driver.transaction(writer: writer, logger: logger) { connection in
                try await connection.query(
                    PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES ($1)", binds: try Self.binds(writer)), logger: logger)
            }
            await databases.monitor.checkAll()
            let seen = try await databases.platform.read(reader: writer, logger: logger) { client in
                var found = false
                for try await _ in try await client.query(
                    PostgresQuery(unsafeSQL: "SELECT id FROM \(table) WHERE id = $1", binds: try Self.binds(writer)), logger: logger)
                {
                    found = true
                }
                return found
            }
            #expect(seen)
        }
    }

    @Test func aLaggingReplicaIsSkipped() async throws {
        let delayed = try #require(TestSettings.delayedReplica, "make test starts a delayed replica")
        let table = try await makeTable()
        let (database, monitor) = database(replicas: [delayed], maxLag: .seconds(1))
        let logger = logger
        try await withRunningClients(database.clients) {
            try await database.transaction(logger: logger) { connection in
                try await connection.query(
                    PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES ($1)", binds: try Self.binds(UUID())), logger: logger)
            }
            // The replica applies WAL 3 s late: 1.5 s after the write it still lacks it.
            await monitor.checkAll()
            try await Task.sleep(for: .milliseconds(1500))
            await monitor.checkAll()
            let health = database.replicas[0].currentHealth
            #expect(health.reachable)
            #expect(health.lag > .seconds(1))
            let onReplica = try await database.read(logger: logger) { try await Self.servedByReplica($0, logger: logger) }
            #expect(onReplica == false)
        }
    }

    @Test func aDeadReplicaIsSkippedAndAStaleVerdictCostsOneBoundedRetry() async throws {
        let (database, monitor) = database(replicas: [(host: "127.0.0.1", port: 1)])
        let logger = logger
        try await withRunningClients(database.clients) {
            await monitor.checkAll()
            #expect(database.replicas[0].currentHealth.reachable == false)
            let onReplica = try await database.read(logger: logger) { try await Self.servedByReplica($0, logger: logger) }
            #expect(onReplica == false)
            // The monitor has not noticed yet: the read fails over to the primary by itself.
            database.replicas[0].update(.init(reachable: true, replayed: LSN(value: .max), lag: .zero))
            let started = ContinuousClock.now
            let stillOnReplica = try await database.read(logger: logger) { try await Self.servedByReplica($0, logger: logger) }
            #expect(stillOnReplica == false)
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(database.replicas[0].currentHealth.reachable == false)
        }
    }

    static func binds(_ id: UUID) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        return bindings
    }
}
