import CurbsideCore
import Foundation
import Logging
import ServiceLifecycle

/// The trips service's periodic clean-up:
/// - a trip left in REQUESTED (the process died between storing it and sending it to dispatch, and
///   the client never retried with its request id) is cancelled by the SYSTEM with reason
///   `REQUEST_ABANDONED` after `abandonAfter`, so the passenger is not blocked by the one-active-trip
///   rule and payments learns (from `trips.v1.TripCancelled`) to release any hold;
/// - request ids older than a day are forgotten.
/// Every step is idempotent, so several instances may run it at once.
public struct TripsMaintenance: Service {
    let trips: TripRepository
    let databases: ServiceDatabases
    let abandonAfter: TimeInterval
    let interval: Duration
    let clock: TripsClock
    let logger: Logger

    public func run() async throws {
        await PeriodicWork.run(every: interval, failure: "trips maintenance failed; will retry", logger: logger) {
            _ = try await runOnce()
            return false
        }
    }

    /// One pass; returns how many abandoned requests it cancelled.
    @discardableResult
    public func runOnce() async throws -> Int {
        let now = clock.now()
        let database = databases.platform
        var cancelled = 0
        for id in try await trips.requested(before: now.addingTimeInterval(-abandonAfter), on: database, logger: logger) {
            let outcome = try await trips.update(id, on: database, writer: nil, idempotency: nil, logger: logger) { trip in
                // Re-checked under the row lock: the request may have finished meanwhile.
                trip.state == .requested
                    ? try trip.cancel(by: .init(party: .system, userID: nil), reason: "REQUEST_ABANDONED", gracePeriod: 0, now: now) : []
            }
            if outcome.trip.state == .cancelled { cancelled += 1 }
        }
        try await IdempotencyKeys.purge(olderThan: .seconds(86_400), on: database.primary, logger: logger)
        if cancelled > 0 { logger.info("abandoned trip requests cancelled", metadata: ["trips.cancelled": "\(cancelled)"]) }
        return cancelled
    }
}
