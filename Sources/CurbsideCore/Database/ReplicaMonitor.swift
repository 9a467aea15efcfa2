import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// Polls the primary's WAL position and every replica's replayed position, so that reads are routed
/// only to replicas that can serve them.
///
/// Lag is measured against the primary's own history: a replica that has not yet replayed the
/// position the primary had at time `t` is at least `now - t` behind. Unlike
/// `now() - pg_last_xact_replay_timestamp()`, this reads zero for an idle primary and does not
/// overstate a replica that is milliseconds behind after a quiet period. A replica that does not
/// answer within the timeout is unreachable until it answers again.
public struct ReplicaMonitor: Service {
    let primary: PostgresClient
    let replicas: [ReplicaEndpoint]
    let interval: Duration
    let timeout: Duration
    let logger: Logger
    let history = PrimaryHistory()

    public init(
        primary: PostgresClient, replicas: [ReplicaEndpoint], interval: Duration, timeout: Duration = .seconds(1),
        logger: Logger
    ) {
        self.primary = primary
        self.replicas = replicas
        self.interval = interval
        self.timeout = timeout
        self.logger = logger
    }

    public func run() async throws {
        guard !replicas.isEmpty else {
            // Nothing to watch, but a service that returns early would stop the whole group.
            try await gracefulShutdown()
            return
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await checkAll()
            try? await Task.sleep(for: interval)
        }
    }

    /// Samples the primary, then checks every replica once (tests call this instead of waiting a tick).
    public func checkAll() async {
        let primary = primary
        let logger = logger
        if let position = try? await withTimeout(
            timeout,
            {
                try await Self.position(of: primary, query: "SELECT pg_current_wal_lsn()::text", logger: logger)
            })
        {
            history.record(position, at: .now)
        }
        await withTaskGroup(of: Void.self) { group in
            for replica in replicas {
                group.addTask { await check(replica) }
            }
        }
    }

    private func check(_ replica: ReplicaEndpoint) async {
        let wasReachable = replica.currentHealth.reachable
        do {
            let client = replica.client
            let logger = logger
            let replayed = try await withTimeout(timeout) {
                try await Self.position(of: client, query: "SELECT pg_last_wal_replay_lsn()::text", logger: logger)
            }
            guard let replayed else { throw ReplicaNotInRecovery() }
            replica.update(.init(reachable: true, replayed: replayed, lag: history.lag(of: replayed, now: .now)))
            if !wasReachable {
                logger.info("replica is serving reads", metadata: ["db.replica": "\(replica.name)"])
            }
        } catch {
            replica.markUnhealthy()
            if wasReachable {
                logger.warning(
                    "replica is unreachable; reads go to the primary",
                    metadata: ["db.replica": "\(replica.name)", "error.message": "\(String(reflecting: error))"])
            }
        }
    }

    private static func position(of client: PostgresClient, query: PostgresQuery, logger: Logger) async throws -> LSN? {
        for try await text in try await client.query(query, logger: logger).decode(String?.self) {
            return text.flatMap(LSN.init)
        }
        return nil
    }
}

/// A server configured as a replica that is not replaying (promoted, or not a standby at all).
struct ReplicaNotInRecovery: Error {}

/// The primary's recent WAL positions with the moments they were observed.
final class PrimaryHistory: Sendable {
    private let samples = NIOLockedValueBox<[(at: ContinuousClock.Instant, position: LSN)]>([])
    private let capacity = 600

    func record(_ position: LSN, at instant: ContinuousClock.Instant) {
        samples.withLockedValue { samples in
            samples.append((instant, position))
            if samples.count > capacity { samples.removeFirst(samples.count - capacity) }
        }
    }

    /// How far behind a replica that has replayed up to `replayed` is, at least.
    func lag(of replayed: LSN, now: ContinuousClock.Instant) -> Duration {
        samples.withLockedValue { samples in
            guard let latest = samples.last else { return .zero }
            if replayed >= latest.position { return .zero }
            let firstMissed = samples.first { $0.position > replayed } ?? latest
            return now - firstMissed.at
        }
    }
}
