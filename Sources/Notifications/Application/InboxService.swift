import CurbsideCore
import Foundation
import Logging

/// A user's in-app inbox and notification preferences.
public struct InboxService: Sendable {
    let notifications: NotificationStore
    let preferences: PreferenceStore
    let database: Database
    let pageTokens: PageTokenCodec
    let clock: NotificationsClock

    /// One page of the inbox, newest first, and how many are unread in all.
    public func list(user: UUID, unreadOnly: Bool, pageSize: Int32?, pageToken: String?, caller: Principal, logger: Logger)
        async throws -> (notifications: [StoredNotification], nextPageToken: String?, unreadCount: Int)
    {
        try DeviceService.requireSelf(user, caller: caller, adminMayRead: true)
        let paging = try PageRequest(
            pageSize: pageSize, pageToken: pageToken, query: "inbox|\(user.uuidString)|\(unreadOnly)", codec: pageTokens)
        let cursor: (Date, UUID)? = try paging.cursor.map { cursor in
            guard let time = Timestamp.parse(cursor.sortKey), let id = UUID(uuidString: cursor.id) else {
                throw AIPError.invalidArgument("pageToken is not valid", field: "pageToken", reason: "INVALID_PAGE_TOKEN")
            }
            return (time, id)
        }
        let rows = try await notifications.inbox(
            user: user, unreadOnly: unreadOnly, before: cursor, limit: paging.limit + 1, on: database, logger: logger)
        let page = paging.page(rows) { PageTokenCodec.Cursor(sortKey: Timestamp.format($0.createTime), id: $0.id.uuidString) }
        let unread = try await notifications.unreadCount(user: user, on: database, logger: logger)
        return (page.items, page.nextPageToken, unread)
    }

    public func markRead(_ id: UUID, user: UUID, caller: Principal, logger: Logger) async throws -> StoredNotification {
        try DeviceService.requireSelf(user, caller: caller)
        guard let marked = try await notifications.markRead(id, user: user, now: clock.now(), on: database, logger: logger) else {
            throw NotificationsError.notFound("users/\(user.uuidString.lowercased())/notifications/\(id.uuidString.lowercased())")
        }
        return marked
    }

    public func markAllRead(user: UUID, caller: Principal, logger: Logger) async throws -> Int {
        try DeviceService.requireSelf(user, caller: caller)
        return try await notifications.markAllRead(user: user, now: clock.now(), on: database, logger: logger)
    }

    public func preferences(user: UUID, caller: Principal, logger: Logger) async throws -> [NotificationCategory: Bool] {
        try DeviceService.requireSelf(user, caller: caller, adminMayRead: true)
        return try await preferences.all(user: user, on: database, logger: logger)
    }

    /// Sets optional categories; transactional ones cannot be turned off (400).
    public func setPreferences(_ changes: [NotificationCategory: Bool], user: UUID, caller: Principal, logger: Logger) async throws
        -> [NotificationCategory: Bool]
    {
        try DeviceService.requireSelf(user, caller: caller)
        for (category, enabled) in changes where category.isTransactional && !enabled {
            throw NotificationsError.invalidField(
                field: "categories", message: "\(category.rawValue) messages are about your rides and payments and are always sent")
        }
        let now = clock.now()
        for (category, enabled) in changes where !category.isTransactional {
            try await preferences.set(category, enabled: enabled, user: user, now: now, on: database, logger: logger)
        }
        return try await preferences.all(user: user, on: database, logger: logger)
    }
}
