import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// One service's database as seen by one role: a pooled primary and zero or more pooled replicas.
///
/// Writes and transactions go to the primary. Reads that tolerate lag go to a healthy replica whose
/// lag is within bounds and which has replayed past the caller's own last write (read-your-writes);
/// otherwise to the primary. A replica that fails or stalls a read is skipped and the read retried
/// on the primary, so a dead replica costs one bounded delay, not an error.
public final class Database: Sendable {
    public let service: ServiceName
    public let role: DatabaseRole
    public let primary: PostgresClient
    let replicas: [ReplicaEndpoint]
    let writes: RecentWrites
    let maxReplicaLag: Duration
    let replicaReadTimeout: Duration

    /// - Parameter writes: where commits are remembered for read-your-writes; the roles of one service
    ///   share it, since a write through one role is often read back through another.
    public init(
        service: ServiceName, role: DatabaseRole, primary: PostgresClient, replicas: [ReplicaEndpoint],
        maxReplicaLag: Duration, replicaReadTimeout: Duration = .seconds(2), writes: RecentWrites = RecentWrites()
    ) {
        self.service = service
        self.role = role
        self.primary = primary
        self.replicas = replicas
        self.writes = writes
        self.maxReplicaLag = maxReplicaLag
        self.replicaReadTimeout = replicaReadTimeout
    }

    /// Every pool this database owns; each must run as a service before anything queries it.
    public var clients: [PostgresClient] { [primary] + replicas.map(\.client) }

    /// When a transaction's commit returns.
    public enum CommitDurability: Sendable {
        /// Once the commit is on disk (PostgreSQL's `synchronous_commit`, the default).
        case flushed
        /// At once; PostgreSQL's WAL writer puts it on disk within about 0.6 s (three
        /// `wal_writer_delay`s). A crash of the database server in that time loses the transaction
        /// whole (never part of it, never out of order). For writes superseded within seconds
        /// anyway, such as drivers' location reports.
        case eventual
    }

    /// Runs `body` in a transaction on the primary and remembers the WAL position of the commit for
    /// `writer`, so that the writer's later reads never see an older state.
    @discardableResult
    public func transaction<Result: Sendable>(
        writer: UUID? = nil, durability: CommitDurability = .flushed, logger: Logger,
        _ body: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await primary.withConnection { connection in
            let result = try await connection.inTransaction(logger: logger) { connection in
                if durability == .eventual {
                    try await connection.query("SET LOCAL synchronous_commit = off", logger: logger)
                }
                return try await body(connection)
            }
            if let writer {
                // The insert position, not pg_current_wal_lsn() (the write position): with
                // synchronous_commit off the commit record may not be written out yet, and a
                // replica that reached the write position could still lack this transaction.
                let rows = try await connection.query("SELECT pg_current_wal_insert_lsn()::text", logger: logger)
                for try await text in rows.decode(String.self) {
                    if let lsn = LSN(text) { writes.record(lsn, for: writer) }
                }
            }
            return result
        }
    }

    /// Set for reads a decision depends on (may this driver go online?): they go to the primary, since
    /// the decision may follow a write made by someone else a moment ago. See ``withPrimaryReads(_:)``.
    @TaskLocal static var primaryReadsOnly = false

    /// Runs `body` with every ``read(reader:logger:_:)`` inside it served by the primary.
    public static func withPrimaryReads<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        try await $primaryReadsOnly.withValue(true) { try await body() }
    }

    /// Runs a read that may be served by a replica, honouring `reader`'s own recent writes.
    public func read<Result: Sendable>(
        reader: UUID? = nil, logger: Logger,
        _ body: @Sendable @escaping (PostgresClient) async throws -> Result
    ) async throws -> Result {
        if Self.primaryReadsOnly { return try await body(primary) }
        let required = reader.flatMap { writes.lastWrite(of: $0) }
        let candidates = replicas.filter { $0.isUsable(maxLag: maxReplicaLag, replayedAtLeast: required) }
        if let replica = candidates.randomElement() {
            do {
                let client = replica.client
                return try await withTimeout(replicaReadTimeout) { try await body(client) }
            } catch let error as AIPError {
                throw error
            } catch {
                replica.markUnhealthy()
                logger.warning(
                    "replica read failed, using the primary",
                    metadata: ["db.replica": "\(replica.name)", "error.message": "\(String(reflecting: error))"])
            }
        }
        return try await body(primary)
    }

    /// Runs a read on the primary (strong consistency).
    public func readPrimary<Result: Sendable>(_ body: (PostgresClient) async throws -> Result) async throws -> Result {
        try await body(primary)
    }
}

/// A replica's pool and what the monitor last learned about it.
public final class ReplicaEndpoint: Sendable {
    public struct Health: Sendable {
        public var reachable: Bool
        public var replayed: LSN?
        public var lag: Duration
    }

    public let name: String
    public let client: PostgresClient
    private let health = NIOLockedValueBox(Health(reachable: false, replayed: nil, lag: .seconds(3600)))

    public init(name: String, client: PostgresClient) {
        self.name = name
        self.client = client
    }

    public var currentHealth: Health { health.withLockedValue { $0 } }

    func update(_ newHealth: Health) { health.withLockedValue { $0 = newHealth } }

    func markUnhealthy() { health.withLockedValue { $0.reachable = false } }

    func isUsable(maxLag: Duration, replayedAtLeast required: LSN?) -> Bool {
        let health = currentHealth
        guard health.reachable, health.lag <= maxLag else { return false }
        if let required {
            guard let replayed = health.replayed, replayed >= required else { return false }
        }
        return true
    }
}

/// The WAL position of each writer's last commit, kept long enough to cover any tolerated lag.
public final class RecentWrites: Sendable {
    private let entries = NIOLockedValueBox<[UUID: (lsn: LSN, at: ContinuousClock.Instant)]>([:])
    let retention: Duration

    public init(retention: Duration = .seconds(60)) { self.retention = retention }

    func record(_ lsn: LSN, for writer: UUID) {
        let now = ContinuousClock.now
        entries.withLockedValue { entries in
            // Two commits of one writer may report back in either order; keep the later position.
            let latest = entries[writer].map { max($0.lsn, lsn) } ?? lsn
            entries[writer] = (latest, now)
            if entries.count > 100_000 {
                entries = entries.filter { now - $0.value.at < retention }
            }
        }
    }

    func lastWrite(of writer: UUID) -> LSN? {
        entries.withLockedValue { entries in
            guard let entry = entries[writer], ContinuousClock.now - entry.at < retention else { return nil }
            return entry.lsn
        }
    }
}
