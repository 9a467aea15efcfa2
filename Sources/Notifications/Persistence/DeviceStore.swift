import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Device registrations in `platform.devices`.
struct DeviceStore: Sendable {
    static let columns = "id, user_id, device_key, platform, fcm_token, app_version, locale, create_time, update_time"

    /// Creates or refreshes the user's registration for `key`. A token another registration held
    /// (the phone changed hands, the app was reinstalled) moves to this one.
    func register(
        user: UUID, key: String, platform: Device.Platform, fcmToken: String, appVersion: String?, locale: String, now: Date,
        on database: Database, logger: Logger
    ) async throws -> Device {
        try await database.transaction(writer: user, logger: logger) { connection in
            // Registrations of one token queue up here: the last one wins instead of the second
            // failing on the token's unique index.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtextextended(\("fcm/" + fcmToken), 0))", logger: logger)
            try await connection.query(
                "DELETE FROM platform.devices WHERE fcm_token = \(fcmToken) AND NOT (user_id = \(user) AND device_key = \(key))",
                logger: logger)
            let rows = try await connection.query(
                """
                INSERT INTO platform.devices (id, user_id, device_key, platform, fcm_token, app_version, locale, create_time, update_time)
                VALUES (\(UUID()), \(user), \(key), \(platform.rawValue), \(fcmToken), \(appVersion), \(locale), \(now.postgres), \(now.postgres))
                ON CONFLICT (user_id, device_key) DO UPDATE SET platform = EXCLUDED.platform, fcm_token = EXCLUDED.fcm_token,
                    app_version = EXCLUDED.app_version, locale = EXCLUDED.locale, update_time = EXCLUDED.update_time
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            guard let device = try await Self.devices(rows).first else { throw CorruptRecord(column: "devices") }
            return device
        }
    }

    func devices(of user: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [Device] {
        try await Self.devices(
            connection.query(
                "SELECT \(unescaped: Self.columns) FROM platform.devices WHERE user_id = \(user) ORDER BY create_time, id",
                logger: logger))
    }

    /// The devices of each of `users` (users without any are absent).
    func devices(of users: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: [Device]] {
        let found = try await Self.devices(
            connection.query(
                "SELECT \(unescaped: Self.columns) FROM platform.devices WHERE user_id = ANY(\(users)::uuid[]) ORDER BY create_time, id",
                logger: logger))
        return Dictionary(grouping: found, by: \.userID)
    }

    func list(user: UUID, on database: Database, logger: Logger) async throws -> [Device] {
        // Another user's registration can take this user's token away: read the primary.
        try await database.readPrimary { client in
            try await client.withConnection { connection in try await devices(of: user, on: connection, logger: logger) }
        }
    }

    /// Removes a registration (sign-out); false when there was none.
    func remove(user: UUID, key: String, on database: Database, logger: Logger) async throws -> Bool {
        try await database.transaction(writer: user, logger: logger) { connection in
            let rows = try await connection.query(
                "DELETE FROM platform.devices WHERE user_id = \(user) AND device_key = \(key) RETURNING 1", logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    /// FCM said the token is gone: forget the registration (its pending pushes go with it).
    func removeToken(_ token: String, on database: Database, logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            try await connection.query("DELETE FROM platform.devices WHERE fcm_token = \(token)", logger: logger)
        }
    }

    static func devices(_ rows: PostgresRowSequence) async throws -> [Device] {
        var devices: [Device] = []
        for try await (id, user, key, platform, token, version, locale, created, updated) in rows.decode(
            (UUID, UUID, String, String, String, String?, String, Date, Date).self)
        {
            devices.append(
                Device(
                    id: id, userID: user, key: key, platform: Device.Platform(rawValue: platform) ?? .android, fcmToken: token,
                    appVersion: version, locale: locale, createTime: created, updateTime: updated))
        }
        return devices
    }
}
