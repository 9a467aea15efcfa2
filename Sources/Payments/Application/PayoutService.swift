import CurbsideCore
import Foundation
import Logging
import ServiceLifecycle

/// Payout runs: started daily by ``PayoutScheduler`` or on demand by an admin, each an AIP-151
/// operation that pays every driver whose payable balance reached the threshold.
///
/// A run is worked under a lease it renews; if its process dies, any instance's scheduler takes it
/// over once the lease ran out, and drivers already paid by it are not paid again.
public struct PayoutService: Sendable {
    let store: PayoutStore
    let database: Database
    let settings: PaymentsSettings
    let clock: PaymentsClock
    let logger: Logger

    /// Starts a run for an admin (one per request id) and works it in the background.
    public func requestRun(requestID: UUID?, caller: Principal) async throws -> PayoutRun {
        guard caller.role == .admin else { throw PaymentsError.notYours }
        let key = "request/\((requestID ?? UUID()).uuidString.lowercased())"
        let run = try await store.start(
            key: key, threshold: settings.payoutThreshold, requestedBy: caller.userID, now: clock.now(), lease: settings.operationLease,
            on: database, logger: logger)
        if run.state == .running {
            Task { await execute(run.id) }
        }
        return run
    }

    /// The run behind `operations/{id}`.
    public func operation(_ id: UUID, caller: Principal) async throws -> PayoutRun {
        guard caller.role == .admin else { throw PaymentsError.notYours }
        guard let run = try await store.run(id, on: database, logger: logger) else {
            throw PaymentsError.notFound("operations/\(id.uuidString.lowercased())")
        }
        return run
    }

    /// Today's scheduled run (UTC date), started once whichever instance gets there first.
    func startDaily(now: Date) async throws -> PayoutRun {
        try await store.start(
            key: "daily/\(Timestamp.format(now).prefix(10))", threshold: settings.payoutThreshold, requestedBy: nil, now: now,
            lease: settings.operationLease, on: database, logger: logger)
    }

    /// Pays every driver due in the run, then marks it done. Safe to run twice at once.
    func execute(_ id: UUID) async {
        var logger = logger
        logger[metadataKey: "payout.run"] = "\(id)"
        do {
            guard let run = try await store.run(id, on: database, logger: logger), run.state == .running else { return }
            var cursor: (UUID, String)?
            var paid = 0
            while true {
                let due = try await store.candidates(threshold: run.threshold, after: cursor, limit: 200, on: database, logger: logger)
                guard let last = due.last else { break }
                for (driver, currency) in due
                where try await store.pay(
                    driver: driver, currency: currency, run: run, now: clock.now(), on: database, logger: logger) != nil
                {
                    paid += 1
                }
                cursor = (last.driver, last.currency)
                try await store.renew(run, until: clock.now().addingTimeInterval(settings.operationLease), on: database, logger: logger)
            }
            try await store.finish(run, error: nil, now: clock.now(), on: database, logger: logger)
            logger.info("payout run finished", metadata: ["payouts": "\(paid)"])
        } catch {
            // Left RUNNING: another pass takes it over when the lease runs out.
            logger.warning("payout run interrupted", metadata: ["error.message": "\(String(reflecting: error))"])
        }
    }
}

/// Starts the daily payout run after `payments.payout_hour_utc` and resumes runs whose worker died.
public struct PayoutScheduler: Service {
    let payouts: PayoutService
    let settings: PaymentsSettings
    let clock: PaymentsClock
    let logger: Logger

    public func run() async throws {
        await PeriodicWork.run(every: .seconds(30), failure: "payout scheduling failed", logger: logger) {
            try await pass()
            return false
        }
    }

    func pass() async throws {
        let now = clock.now()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        if settings.dailyPayouts, calendar.component(.hour, from: now) >= settings.payoutHourUTC {
            let run = try await payouts.startDaily(now: now)
            if run.state == .running { await payouts.execute(run.id) }
        }
        while let abandoned = try await payouts.store.claimAbandoned(
            now: now, lease: settings.operationLease, on: payouts.database, logger: logger)
        {
            await payouts.execute(abandoned)
        }
    }
}
