import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Counts failed sign-ins per key (an account, a client address) in the database, so the limit
/// holds across every instance of the service. After `maxFailures` within `window`, the key is
/// locked for `lockout`.
public struct SignInThrottle: Sendable {
    let database: Database
    let maxFailures: Int
    let window: Duration
    let lockout: Duration

    public init(databases: ServiceDatabases, maxFailures: Int, window: Duration, lockout: Duration) {
        database = databases.platform
        self.maxFailures = maxFailures
        self.window = window
        self.lockout = lockout
    }

    /// Seconds until the first locked key unlocks, or nil when none is locked.
    public func retryAfter(keys: [String], now: Date, logger: Logger) async throws -> Int? {
        try await database.readPrimary { client in
            let rows = try await client.query(
                "SELECT max(locked_until) FROM platform.sign_in_throttle WHERE key = ANY(\(keys)) AND locked_until > \(now.postgres)",
                logger: logger)
            for try await lockedUntil in rows.decode(Date?.self) {
                // Stored times are rounded to microseconds; a sub-millisecond excess is not another second.
                if let lockedUntil { return max(1, Int((lockedUntil.timeIntervalSince(now) - 0.000_5).rounded(.up))) }
            }
            return nil
        }
    }

    /// Records a failure against every key; a key reaching the limit is locked.
    public func recordFailure(keys: [String], now: Date, logger: Logger) async throws {
        let windowSeconds = window.inSeconds
        let windowStartCutoff = now.addingTimeInterval(-windowSeconds)
        let lockedUntil = now.addingTimeInterval(lockout.inSeconds)
        try await database.transaction(logger: logger) { connection in
            for key in keys {
                try await connection.query(
                    """
                    INSERT INTO platform.sign_in_throttle AS t (key, failures, window_start)
                    VALUES (\(key), 1, \(now.postgres))
                    ON CONFLICT (key) DO UPDATE SET
                        failures = CASE WHEN t.window_start < \(windowStartCutoff.postgres) THEN 1 ELSE t.failures + 1 END,
                        window_start = CASE WHEN t.window_start < \(windowStartCutoff.postgres) THEN \(now.postgres) ELSE t.window_start END
                    """, logger: logger)
                try await connection.query(
                    """
                    UPDATE platform.sign_in_throttle SET locked_until = \(lockedUntil.postgres), failures = 0, window_start = \(now.postgres)
                    WHERE key = \(key) AND failures >= \(maxFailures)
                    """, logger: logger)
            }
        }
    }

    /// Forgets the failures of `key` (after a successful sign-in).
    public func reset(key: String, logger: Logger) async throws {
        _ = try await database.transaction(logger: logger) { connection in
            try await connection.query(
                "DELETE FROM platform.sign_in_throttle WHERE key = \(key) AND (locked_until IS NULL OR locked_until < now())",
                logger: logger)
        }
    }
}
