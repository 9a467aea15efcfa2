import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps a service's outbox from growing without end: deletes events that every subscriber has
/// received (their deliveries go with them) once they are older than the retention. Events still
/// pending or parked for any subscriber stay, whatever their age. The analytics export is where
/// history lives.
///
/// Runs in every instance; instances share the work (`SKIP LOCKED`) and never wait on each other
/// or on the relay.
public struct OutboxRetention: Service {
    let client: PostgresClient
    let retention: Duration
    let batchSize: Int
    let interval: Duration
    let logger: Logger

    public init(client: PostgresClient, retention: Duration, batchSize: Int = 5_000, interval: Duration = .seconds(60), logger: Logger) {
        self.client = client
        self.retention = retention
        self.batchSize = batchSize
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await PeriodicWork.run(every: interval, failure: "outbox retention pass failed", logger: logger) {
            try await runOnce() == batchSize
        }
    }

    /// Deletes up to `batchSize` expired events; returns how many.
    @discardableResult
    public func runOnce() async throws -> Int {
        let rows = try await client.query(
            """
            WITH expired AS (
                SELECT o.id FROM platform.outbox o
                WHERE o.occurred_at < now() - make_interval(secs => \(retention.inSeconds))
                    AND NOT EXISTS (
                        SELECT 1 FROM platform.outbox_deliveries d WHERE d.event_id = o.id AND d.state <> 'DELIVERED')
                ORDER BY o.occurred_at
                LIMIT \(batchSize)
                FOR UPDATE SKIP LOCKED
            )
            DELETE FROM platform.outbox o USING expired WHERE o.id = expired.id
            RETURNING 1
            """, logger: logger)
        var deleted = 0
        for try await _ in rows { deleted += 1 }
        if deleted > 0 { logger.debug("outbox retention deleted \(deleted) events") }
        return deleted
    }
}
