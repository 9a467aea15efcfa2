import CurbsideCore
import Foundation
import Logging
import ServiceLifecycle

/// The durable timers of matching. Offer expiries and retries live in the database (`jobs.wake_time`,
/// `offers.expire_time`); every instance runs this sweeper, which claims due jobs with
/// `FOR UPDATE SKIP LOCKED`, expires their offers and runs the next round, so a timeout fires even
/// when the instance that made the offer is gone.
public struct OfferSweeper: Service {
    let database: Database
    let store: MatchingStore
    let matcher: Matcher
    let clock: DispatchClock
    let interval: Duration
    let logger: Logger

    public func run() async throws {
        // Keep going while there is a backlog; pause only when a pass found nothing.
        await PeriodicWork.run(every: interval, failure: "offer sweep failed; will retry", logger: logger) {
            try await runOnce() > 0
        }
    }

    /// One pass over up to 50 due jobs; returns how many it handled.
    @discardableResult
    public func runOnce() async throws -> Int {
        try await database.transaction(logger: logger) { connection in
            let now = clock.now()
            let due = try await store.claimDue(now: now, limit: 50, on: connection, logger: logger)
            for trip in due {
                guard let job = try await store.job(trip, lock: true, on: connection, logger: logger) else { continue }
                try await matcher.expireDue(job, now: now, on: connection, logger: logger)
                // Re-read: expiring changed nothing on the job row, but the round needs its current counters.
                try await matcher.round(job, now: now, on: connection, logger: logger)
            }
            return due.count
        }
    }
}
