import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Which optional categories each user wants (`platform.notification_preferences`); absent means yes.
struct PreferenceStore: Sendable {
    /// Which of `users` turned `category` off (none for transactional categories).
    func optedOut(of category: NotificationCategory, users: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> Set<UUID> {
        guard !category.isTransactional, !users.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT user_id FROM platform.notification_preferences
            WHERE category = \(category.rawValue) AND NOT enabled AND user_id = ANY(\(users)::uuid[])
            """, logger: logger)
        var found = Set<UUID>()
        for try await user in rows.decode(UUID.self) { found.insert(user) }
        return found
    }

    func all(user: UUID, on database: Database, logger: Logger) async throws -> [NotificationCategory: Bool] {
        try await database.readPrimary { client in
            let rows = try await client.query(
                "SELECT category, enabled FROM platform.notification_preferences WHERE user_id = \(user)", logger: logger)
            var stored: [NotificationCategory: Bool] = [:]
            for try await (category, enabled) in rows.decode((String, Bool).self) {
                if let category = NotificationCategory(rawValue: category) { stored[category] = enabled }
            }
            return Dictionary(uniqueKeysWithValues: NotificationCategory.allCases.map { ($0, $0.isTransactional || stored[$0] ?? true) })
        }
    }

    func set(_ category: NotificationCategory, enabled: Bool, user: UUID, now: Date, on database: Database, logger: Logger) async throws {
        try await database.transaction(writer: user, logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO platform.notification_preferences (user_id, category, enabled, update_time)
                VALUES (\(user), \(category.rawValue), \(enabled), \(now.postgres))
                ON CONFLICT (user_id, category) DO UPDATE SET enabled = EXCLUDED.enabled, update_time = EXCLUDED.update_time
                """, logger: logger)
        }
    }
}
