import Logging
import PostgresNIO
import ServiceLifecycle

/// Polls every replica for reachability, replayed WAL position and replay lag, so that reads are
/// routed only to replicas that can serve them. A replica that does not answer within the timeout
/// is marked unreachable until it answers again.
public struct ReplicaMonitor: Service {
    let replicas: [ReplicaEndpoint]
    let interval: Duration
    let timeout: Duration
    let logger: Logger

    public init(replicas: [ReplicaEndpoint], interval: Duration, timeout: Duration = .seconds(1), logger: Logger) {
        self.replicas = replicas
        self.interval = interval
        self.timeout = timeout
        self.logger = logger
    }

    public func run() async throws {
        guard !replicas.isEmpty else { return }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await checkAll()
            try? await Task.sleep(for: interval)
        }
    }

    /// Checks every replica once (also used by tests to avoid waiting for the next tick).
    public func checkAll() async {
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
            let health = try await withTimeout(timeout) {
                // Lag is zero when everything received has been replayed (an idle primary is not lag);
                // otherwise it is the age of the last replayed transaction.
                let rows = try await client.query(
                    """
                    SELECT pg_last_wal_replay_lsn()::text,
                           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                                ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 3600000)
                           END::bigint
                    """, logger: logger)
                var result = ReplicaEndpoint.Health(reachable: false, replayed: nil, lag: .seconds(3600))
                for try await (lsn, lagMilliseconds) in rows.decode((String?, Int64).self) {
                    result = .init(
                        reachable: lsn != nil, replayed: lsn.flatMap(LSN.init), lag: .milliseconds(lagMilliseconds))
                }
                return result
            }
            replica.update(health)
            if !wasReachable && health.reachable {
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
}
