import CurbsideCore
import Foundation
import Logging
import ServiceLifecycle

/// Forgets what no one can ask for any more: live-channel-only notifications (offers, in-ride
/// updates) after the stream's retention window, inbox notifications after the inbox's, and the
/// push deliveries of both (they go with their notification).
public struct NotificationsMaintenance: Service {
    let database: Database
    let settings: NotificationsSettings
    let clock: NotificationsClock
    let logger: Logger

    public func run() async throws {
        await PeriodicWork.run(every: .seconds(300), failure: "notification clean-up failed", logger: logger) {
            try await purge() >= 1_000
        }
    }

    /// Deletes up to 1,000 expired notifications; returns how many.
    @discardableResult
    func purge() async throws -> Int {
        let now = clock.now()
        let streamCutoff = now.addingTimeInterval(-settings.streamRetention)
        let inboxCutoff = now.addingTimeInterval(-settings.inboxRetention)
        return try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                WITH gone AS (
                    DELETE FROM platform.notifications WHERE id IN (
                        SELECT id FROM platform.notifications
                        WHERE create_time < \(streamCutoff.postgres) AND (NOT in_inbox OR create_time < \(inboxCutoff.postgres))
                        LIMIT 1000)
                    RETURNING 1)
                SELECT count(*)::int FROM gone
                """, logger: logger)
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }
}
