import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Which optional categories each user wants (`platform.notification_preferences`); absent means yes.
struct PreferenceStore: Sendable {
    func enabled(_ category: NotificationCategory, user: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        guard !category.isTransactional else { return true }
        let rows = try await connection.query(
            "SELECT enabled FROM platform.notification_preferences WHERE user_id = \(user) AND category = \(category.rawValue)",
            logger: logger)
        for try await enabled in rows.decode(Bool.self) { return enabled }
        return true
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
