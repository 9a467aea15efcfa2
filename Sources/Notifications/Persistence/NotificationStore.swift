import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Reading and marking users' notifications in `platform.notifications` (``NotificationRecorder``
/// writes them).
struct NotificationStore: Sendable {
    static let columns = "id, user_id, seq, event_id, kind, category, title, body, data::text, in_inbox, read_time, create_time"

    /// One page of the user's inbox, newest first, before the cursor `(createTime, id)`.
    func inbox(user: UUID, unreadOnly: Bool, before cursor: (Date, UUID)?, limit: Int, on database: Database, logger: Logger)
        async throws -> [StoredNotification]
    {
        let start = cursor ?? (Date.distantFuture, UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)))
        // Notifications are written by the event receiver, not by the reader: the primary, so an
        // inbox opened on a push shows what the push announced.
        return try await database.readPrimary { client in
            try await Self.notifications(
                client.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM platform.notifications
                    WHERE user_id = \(user) AND in_inbox AND (NOT \(unreadOnly) OR read_time IS NULL)
                      AND (create_time, id) < (\(start.0.postgres), \(start.1))
                    ORDER BY create_time DESC, id DESC LIMIT \(limit)
                    """, logger: logger))
        }
    }

    func unreadCount(user: UUID, on database: Database, logger: Logger) async throws -> Int {
        try await database.readPrimary { client in
            let rows = try await client.query(
                "SELECT count(*)::int FROM platform.notifications WHERE user_id = \(user) AND in_inbox AND read_time IS NULL",
                logger: logger)
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    /// Marks one notification read (keeping the first read time); nil when the user has no such one.
    func markRead(_ id: UUID, user: UUID, now: Date, on database: Database, logger: Logger) async throws -> StoredNotification? {
        try await database.transaction(writer: user, logger: logger) { connection in
            try await Self.notifications(
                connection.query(
                    """
                    UPDATE platform.notifications SET read_time = coalesce(read_time, \(now.postgres))
                    WHERE id = \(id) AND user_id = \(user) AND in_inbox RETURNING \(unescaped: Self.columns)
                    """, logger: logger)
            ).first
        }
    }

    /// Marks every unread inbox notification read; returns how many were.
    func markAllRead(user: UUID, now: Date, on database: Database, logger: Logger) async throws -> Int {
        try await database.transaction(writer: user, logger: logger) { connection in
            let rows = try await connection.query(
                """
                WITH marked AS (UPDATE platform.notifications SET read_time = \(now.postgres)
                                WHERE user_id = \(user) AND in_inbox AND read_time IS NULL RETURNING 1)
                SELECT count(*)::int FROM marked
                """, logger: logger)
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    /// The user's notifications after `seq`, in order (what a reconnecting client missed).
    func since(user: UUID, seq: Int64, limit: Int, on database: Database, logger: Logger) async throws -> [StoredNotification] {
        try await database.readPrimary { client in
            try await Self.notifications(
                client.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM platform.notifications
                    WHERE user_id = \(user) AND seq > \(seq) ORDER BY seq LIMIT \(limit)
                    """, logger: logger))
        }
    }

    static func notifications(_ rows: PostgresRowSequence) async throws -> [StoredNotification] {
        var found: [StoredNotification] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            guard let category = NotificationCategory(rawValue: try cells[5].decode(String.self)) else {
                throw CorruptRecord(column: "category")
            }
            found.append(
                StoredNotification(
                    id: try cells[0].decode(UUID.self), userID: try cells[1].decode(UUID.self), seq: try cells[2].decode(Int64.self),
                    eventID: try cells[3].decode(UUID.self), kind: try cells[4].decode(String.self), category: category,
                    title: try cells[6].decode(String.self), body: try cells[7].decode(String.self),
                    data: try StoredJSON.decode([String: String].self, try cells[8].decode(String.self)),
                    inInbox: try cells[9].decode(Bool.self), readTime: try cells[10].decode(Date?.self),
                    createTime: try cells[11].decode(Date.self)))
        }
        return found
    }
}
