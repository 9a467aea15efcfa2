import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Pushes owed to devices (`platform.push_deliveries`), claimed by workers with `SKIP LOCKED` and
/// a lease, so several instances share the work and none is sent twice by two of them at once.
struct PushQueue: Sendable {
    struct Job: Sendable {
        var deliveryID: UUID
        var attempts: Int
        var message: PushMessage
    }

    /// Claims up to `limit` due pushes for `lease`; drops those past their time to live.
    func claim(limit: Int, now: Date, lease: TimeInterval, on database: Database, logger: Logger) async throws -> [Job] {
        try await database.transaction(logger: logger) { connection in
            try await connection.query(
                """
                UPDATE platform.push_deliveries SET state = 'EXPIRED', update_time = \(now.postgres)
                WHERE state = 'PENDING' AND expire_time < \(now.postgres)
                """, logger: logger)
            let rows = try await connection.query(
                """
                WITH claimed AS (
                    UPDATE platform.push_deliveries SET next_attempt_time = \(now.addingTimeInterval(lease).postgres)
                    WHERE id IN (SELECT id FROM platform.push_deliveries WHERE state = 'PENDING' AND next_attempt_time <= \(now.postgres)
                                 ORDER BY next_attempt_time LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                    RETURNING id, notification_id, device_id, attempts, expire_time
                )
                SELECT c.id, c.attempts, c.expire_time, d.fcm_token, n.title, n.body, n.data::text, n.kind, n.category, n.seq
                FROM claimed c JOIN platform.devices d ON d.id = c.device_id JOIN platform.notifications n ON n.id = c.notification_id
                """, logger: logger)
            var jobs: [Job] = []
            for try await (id, attempts, expire, token, title, body, data, kind, category, seq) in rows.decode(
                (UUID, Int, Date?, String, String, String, String, String, String, Int64).self)
            {
                var values = try StoredJSON.decode([String: String].self, data)
                values["kind"] = kind
                values["seq"] = String(seq)
                let urgent = category != NotificationCategory.promotions.rawValue && (kind.hasPrefix("offer.") || kind.hasPrefix("trip."))
                jobs.append(
                    Job(
                        deliveryID: id, attempts: attempts,
                        message: PushMessage(
                            token: token, title: title, body: body, data: values, priority: urgent ? .high : .normal,
                            timeToLive: expire.map { .seconds(Int64(max(1, $0.timeIntervalSince(now)))) },
                            collapseKey: values["offer"] ?? values["trip"])))
            }
            return jobs
        }
    }

    enum Outcome: Sendable {
        case sent(messageID: String)
        case failed(String)
        case retry(at: Date, reason: String)
    }

    func complete(_ job: Job, _ outcome: Outcome, now: Date, on database: Database, logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            switch outcome {
            case .sent(let messageID):
                try await connection.query(
                    """
                    UPDATE platform.push_deliveries SET state = 'SENT', attempts = attempts + 1, message_id = \(messageID),
                        update_time = \(now.postgres)
                    WHERE id = \(job.deliveryID) AND state = 'PENDING'
                    """, logger: logger)
            case .failed(let reason):
                try await connection.query(
                    """
                    UPDATE platform.push_deliveries SET state = 'FAILED', attempts = attempts + 1, last_error = \(reason),
                        update_time = \(now.postgres)
                    WHERE id = \(job.deliveryID) AND state = 'PENDING'
                    """, logger: logger)
            case .retry(let time, let reason):
                try await connection.query(
                    """
                    UPDATE platform.push_deliveries SET attempts = attempts + 1, next_attempt_time = \(time.postgres),
                        last_error = \(reason), update_time = \(now.postgres)
                    WHERE id = \(job.deliveryID) AND state = 'PENDING'
                    """, logger: logger)
            }
        }
    }
}
