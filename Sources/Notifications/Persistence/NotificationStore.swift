import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Notifications in `platform.notifications`, each user's sequence in `platform.user_streams`, and
/// the pushes they owe in `platform.push_deliveries`. A notification with a collapse key replaces
/// the user's older ones with that key (their sequence numbers become gaps).
struct NotificationStore: Sendable {
    static let columns = "id, user_id, seq, event_id, kind, category, title, body, data::text, in_inbox, read_time, create_time"

    /// Records one user's notification about one event, once: the next sequence number, the row,
    /// and a pending push per device when it is pushed. Nil when it was recorded before.
    func record(
        _ draft: NotificationDraft, title: String, body: String, eventID: UUID, devices: [Device], now: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> StoredNotification? {
        let sequence = try await connection.query(
            """
            INSERT INTO platform.user_streams (user_id, last_seq) VALUES (\(draft.recipient), 1)
            ON CONFLICT (user_id) DO UPDATE SET last_seq = user_streams.last_seq + 1 RETURNING last_seq
            """, logger: logger)
        var seq: Int64 = 0
        for try await value in sequence.decode(Int64.self) { seq = value }
        let id = UUID()
        let inserted = try await connection.query(
            """
            INSERT INTO platform.notifications
                (id, user_id, seq, event_id, kind, category, title, body, data, in_inbox, create_time, collapse_key)
            VALUES (\(id), \(draft.recipient), \(seq), \(eventID), \(draft.kind), \(draft.category.rawValue), \(title), \(body),
                \(try StoredJSON.encode(draft.data))::jsonb, \(draft.inbox), \(now.postgres), \(draft.collapseKey))
            ON CONFLICT (user_id, event_id, kind) DO NOTHING RETURNING 1
            """, logger: logger)
        var isNew = false
        for try await _ in inserted { isNew = true }
        guard isNew else { return nil }
        if let key = draft.collapseKey {
            try await connection.query(
                "DELETE FROM platform.notifications WHERE user_id = \(draft.recipient) AND collapse_key = \(key) AND seq < \(seq)",
                logger: logger)
        }
        if let push = draft.push {
            let expire = push.timeToLive.map { now.addingTimeInterval(TimeInterval($0.components.seconds)) }
            for device in devices {
                try await connection.query(
                    """
                    INSERT INTO platform.push_deliveries (id, notification_id, device_id, state, next_attempt_time, expire_time, update_time)
                    VALUES (\(UUID()), \(id), \(device.id), 'PENDING', \(now.postgres), \(expire?.postgres), \(now.postgres))
                    """, logger: logger)
            }
        }
        return StoredNotification(
            id: id, userID: draft.recipient, seq: seq, eventID: eventID, kind: draft.kind, category: draft.category, title: title,
            body: body, data: draft.data, inInbox: draft.inbox, readTime: nil, createTime: now)
    }

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
