import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Records many users' notifications at once, in the caller's transaction, in a fixed number of
/// statements whatever their number: a batch of events or a promotion to thousands of users costs
/// what one notification used to.
///
/// Each notification takes the next number of its user's sequence (`platform.user_streams`, locked
/// in user order so concurrent batches never wait on each other in a cycle); one about an event and
/// kind the user already has is skipped (its number becomes a gap). A notification with a collapse
/// key removes the user's older ones with that key.
struct NotificationRecorder: Sendable {
    /// One notification to record: the draft, its words in the user's language, the event it is
    /// about, and the devices it is pushed to (when the draft is pushed).
    struct Item: Sendable {
        var draft: NotificationDraft
        var title: String
        var body: String
        var eventID: UUID
        var devices: [Device]
    }

    /// Records `items` in order; returns those recorded (not those the user already had).
    func record(_ items: [Item], now: Date, on connection: PostgresConnection, logger: Logger) async throws -> [StoredNotification] {
        guard !items.isEmpty else { return [] }
        let numbered = try await number(items, now: now, on: connection, logger: logger)
        let inserted = try await insert(numbered, now: now, on: connection, logger: logger)
        let recorded = numbered.filter { inserted.contains($0.notification.id) }
        try await collapse(recorded, on: connection, logger: logger)
        try await queuePushes(recorded, now: now, on: connection, logger: logger)
        return recorded.map(\.notification)
    }

    private typealias Numbered = (item: Item, notification: StoredNotification)

    /// The items as notifications with their sequence numbers.
    private func number(_ items: [Item], now: Date, on connection: PostgresConnection, logger: Logger) async throws -> [Numbered] {
        var counts: [UUID: Int64] = [:]
        for item in items { counts[item.draft.recipient, default: 0] += 1 }
        let users = counts.keys.sorted()
        let rows = try await connection.query(
            """
            INSERT INTO platform.user_streams (user_id, last_seq)
            SELECT s.user_id, s.taken FROM unnest(\(users)::uuid[], \(users.map { counts[$0] ?? 0 })::int8[]) AS s(user_id, taken)
            ORDER BY s.user_id
            ON CONFLICT (user_id) DO UPDATE SET last_seq = user_streams.last_seq + EXCLUDED.last_seq
            RETURNING user_id, last_seq
            """, logger: logger)
        var next: [UUID: Int64] = [:]
        for try await (user, last) in rows.decode((UUID, Int64).self) { next[user] = last - (counts[user] ?? 0) + 1 }
        return try items.map { item in
            guard let seq = next[item.draft.recipient] else { throw CorruptRecord(column: "user_streams.last_seq") }
            next[item.draft.recipient] = seq + 1
            let draft = item.draft
            let notification = StoredNotification(
                id: UUID(), userID: draft.recipient, seq: seq, eventID: item.eventID, kind: draft.kind, category: draft.category,
                title: item.title, body: item.body, data: draft.data, inInbox: draft.inbox, readTime: nil, createTime: now)
            return (item, notification)
        }
    }

    /// Inserts the notifications; returns the ids of those that were new.
    private func insert(_ numbered: [Numbered], now: Date, on connection: PostgresConnection, logger: Logger) async throws -> Set<UUID> {
        let notifications = numbered.map(\.notification)
        let data = try notifications.map { try StoredJSON.encode($0.data) }
        // PostgresNIO's array encoding cannot carry NULL: '' stands for "no collapse key".
        let collapseKeys = numbered.map { $0.item.draft.collapseKey ?? "" }
        let rows = try await connection.query(
            """
            INSERT INTO platform.notifications
                (id, user_id, seq, event_id, kind, category, title, body, data, in_inbox, create_time, collapse_key)
            SELECT n.id, n.user_id, n.seq, n.event_id, n.kind, n.category, n.title, n.body, n.data::jsonb, n.in_inbox,
                \(now.postgres), NULLIF(n.collapse_key, '')
            FROM unnest(\(notifications.map(\.id))::uuid[], \(notifications.map(\.userID))::uuid[], \(notifications.map(\.seq))::int8[],
                \(notifications.map(\.eventID))::uuid[], \(notifications.map(\.kind))::text[],
                \(notifications.map(\.category.rawValue))::text[], \(notifications.map(\.title))::text[],
                \(notifications.map(\.body))::text[], \(data)::text[], \(notifications.map(\.inInbox))::bool[], \(collapseKeys)::text[])
                AS n(id, user_id, seq, event_id, kind, category, title, body, data, in_inbox, collapse_key)
            ON CONFLICT (user_id, event_id, kind) DO NOTHING
            RETURNING id
            """, logger: logger)
        var inserted = Set<UUID>()
        for try await id in rows.decode(UUID.self) { inserted.insert(id) }
        return inserted
    }

    /// Removes what the new notifications with collapse keys replace.
    private func collapse(_ recorded: [Numbered], on connection: PostgresConnection, logger: Logger) async throws {
        let collapsing = recorded.compactMap { entry in entry.item.draft.collapseKey.map { (entry.notification, $0) } }
        guard !collapsing.isEmpty else { return }
        try await connection.query(
            """
            DELETE FROM platform.notifications n
            USING unnest(\(collapsing.map(\.0.userID))::uuid[], \(collapsing.map(\.1))::text[], \(collapsing.map(\.0.seq))::int8[])
                AS c(user_id, collapse_key, seq)
            WHERE n.user_id = c.user_id AND n.collapse_key = c.collapse_key AND n.seq < c.seq
            """, logger: logger)
    }

    /// A pending push per device for each pushed notification, dropped by FCM after its time to live.
    private func queuePushes(_ recorded: [Numbered], now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        var notificationIDs: [UUID] = []
        var deviceIDs: [UUID] = []
        var expireTimes: [Date] = []
        var expires: [Bool] = []
        for (item, notification) in recorded {
            guard let push = item.draft.push else { continue }
            let expire = push.timeToLive.map { now.addingTimeInterval(TimeInterval($0.components.seconds)) }
            for device in item.devices {
                notificationIDs.append(notification.id)
                deviceIDs.append(device.id)
                // NULL cannot travel in the array: a flag says whether the time counts.
                expireTimes.append(expire ?? now)
                expires.append(expire != nil)
            }
        }
        guard !notificationIDs.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO platform.push_deliveries (id, notification_id, device_id, state, next_attempt_time, expire_time, update_time)
            SELECT gen_random_uuid(), p.notification_id, p.device_id, 'PENDING', \(now.postgres),
                CASE WHEN p.expires THEN p.expire_time END, \(now.postgres)
            FROM unnest(\(notificationIDs)::uuid[], \(deviceIDs)::uuid[], \(expireTimes.map(\.postgres))::timestamptz[], \(expires)::bool[])
                AS p(notification_id, device_id, expire_time, expires)
            """, logger: logger)
    }
}
