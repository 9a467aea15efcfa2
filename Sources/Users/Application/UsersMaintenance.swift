import CurbsideCore
import Foundation
import Logging
import ServiceLifecycle

/// The users service's periodic clean-up: purges accounts whose deletion grace period ended,
/// deletes sessions that ended a week ago, and forgets request ids older than a day.
/// Every step is a plain idempotent delete, so several instances may run it at once.
public struct UsersMaintenance: Service {
    let users: UserRepository
    let sessions: SessionRepository
    let databases: ServiceDatabases
    let interval: Duration
    let clock: UsersClock
    let logger: Logger

    public func run() async throws {
        await PeriodicWork.run(every: interval, failure: "users maintenance failed; will retry", logger: logger) {
            _ = try await runOnce()
            return false
        }
    }

    /// One pass; returns what it removed (for tests and logs).
    @discardableResult
    public func runOnce() async throws -> (purgedUsers: Int, deletedSessions: Int) {
        let now = clock.now()
        let purged = try await users.purgeDeleted(now: now, logger: logger)
        let ended = try await sessions.deleteEnded(before: now.addingTimeInterval(-7 * 86_400), logger: logger)
        try await IdempotencyKeys.purge(olderThan: .seconds(86_400), on: databases.platform.primary, logger: logger)
        if purged + ended > 0 {
            logger.info("users maintenance", metadata: ["users.purged": "\(purged)", "sessions.deleted": "\(ended)"])
        }
        return (purged, ended)
    }
}
