import Foundation
import Logging
import PostgresNIO
import Testing

@testable import CurbsideCore

/// The migration runner against a real PostgreSQL, each test in a scratch database of its own.
@Suite struct MigratorTests {
    let settings: PlatformSettings
    let logger = TestSettings.logger

    init() throws {
        settings = try TestSettings.make()
    }

    /// A fresh database owned by trips_owner with a `platform` schema; returns the owner's configuration.
    func scratchDatabase() async throws -> PostgresClientConfiguration {
        try await ScratchDatabase.create(settings: settings, logger: logger).owner
    }

    let migrations = [
        Migration(1, "first", "CREATE TABLE platform.things (id int PRIMARY KEY);"),
        Migration(2, "second", "ALTER TABLE platform.things ADD COLUMN name text; CREATE INDEX things_name ON platform.things (name);"),
    ]

    func count(_ table: String, in owner: PostgresClientConfiguration) async throws -> Int {
        try await SingleConnection.with(owner, logger: logger) { connection in
            var count = 0
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table)"), logger: logger)
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }

    @Test func appliesPendingMigrationsOnceAndInOrder() async throws {
        let owner = try await scratchDatabase()
        let migrator = Migrator(owner: owner, service: .trips, migrations: migrations.reversed(), logger: logger)
        #expect(try await migrator.migrate() == [1, 2])
        #expect(try await migrator.migrate() == [])
        #expect(try await count("platform.schema_migrations", in: owner) == 2)
    }

    @Test func aChangedAppliedMigrationIsAnError() async throws {
        let owner = try await scratchDatabase()
        try await Migrator(owner: owner, service: .trips, migrations: migrations, logger: logger).migrate()
        let edited = [migrations[0], Migration(2, "second", "ALTER TABLE platform.things ADD COLUMN other text;")]
        await #expect(throws: MigrationError.self) {
            try await Migrator(owner: owner, service: .trips, migrations: edited, logger: logger).migrate()
        }
    }

    @Test func instancesStartingTogetherApplyEachMigrationOnce() async throws {
        let owner = try await scratchDatabase()
        let migrations = migrations
        let logger = logger
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask { try await Migrator(owner: owner, service: .trips, migrations: migrations, logger: logger).migrate() }
            }
            var all: [Int] = []
            for try await versions in group { all += versions }
            return all
        }
        #expect(applied.sorted() == [1, 2])
        #expect(try await count("platform.schema_migrations", in: owner) == 2)
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        let owner = try await scratchDatabase()
        let broken = [Migration(1, "broken", "CREATE TABLE platform.half (id int); SELECT * FROM no_such_table;")]
        await #expect(throws: (any Error).self) {
            try await Migrator(owner: owner, service: .trips, migrations: broken, logger: logger).migrate()
        }
        #expect(try await count("platform.schema_migrations", in: owner) == 0)
        await #expect(throws: (any Error).self) { try await count("platform.half", in: owner) }
    }
}
