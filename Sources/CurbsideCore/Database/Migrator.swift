import Foundation
import Logging
import PostgresNIO

/// Applies a service's migrations as its owner role, once, even when several instances start together.
///
/// A session-level advisory lock serializes concurrent runs; each migration runs in its own
/// transaction together with its record in `platform.schema_migrations`.
public struct Migrator: Sendable {
    let owner: PostgresClientConfiguration
    let service: ServiceName
    let migrations: [Migration]
    let logger: Logger

    /// - Parameter owner: how to connect as the service's owner role.
    public init(owner: PostgresClientConfiguration, service: ServiceName, migrations: [Migration], logger: Logger) {
        self.owner = owner
        self.service = service
        self.migrations = migrations
        self.logger = logger
    }

    /// The versions applied by this call (empty when the schema was already current).
    @discardableResult
    public func migrate() async throws -> [Int] {
        let lockKey = Int64(0x4355_5242) << 16 | Int64(ServiceName.allCases.firstIndex(of: service)!)
        return try await SingleConnection.with(owner, logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
            do {
                let applied = try await apply(on: connection)
                try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                throw error
            }
        }
    }

    private func apply(on connection: PostgresConnection) async throws -> [Int] {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS platform.schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        // The app roles get DML on platform tables by default; this table is the owner's alone.
        try await connection.query(
            "REVOKE ALL ON platform.schema_migrations FROM PUBLIC", logger: logger)
        var recorded: [Int: String] = [:]
        let rows = try await connection.query("SELECT version, checksum FROM platform.schema_migrations", logger: logger)
        for try await (version, checksum) in rows.decode((Int, String).self) {
            recorded[version] = checksum
        }
        for migration in migrations {
            if let checksum = recorded[migration.version], checksum != migration.checksum {
                throw MigrationError.changedAfterApplying(service: service, version: migration.version, name: migration.name)
            }
        }
        var applied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where recorded[migration.version] == nil {
            try await connection.inTransaction(logger: logger) { connection in
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO platform.schema_migrations (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """, logger: logger)
            }
            logger.info(
                "migration applied",
                metadata: ["service": "\(service.rawValue)", "migration": "\(migration.version)_\(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }
}

/// A migration problem that needs a person.
public enum MigrationError: Error, CustomStringConvertible {
    case changedAfterApplying(service: ServiceName, version: Int, name: String)

    public var description: String {
        switch self {
        case .changedAfterApplying(let service, let version, let name):
            "\(service.rawValue) migration \(version)_\(name) was changed after it was applied; "
                + "restore it and add a new migration instead"
        }
    }
}
