import CurbsideCore
import Foundation
import Logging
import ServiceLifecycle

/// Batched matching (`dispatch.matching_mode = batched`): every window, the jobs waiting for a
/// driver are assigned together so that the total pickup ETA is minimal (``Assignment``), then
/// offered. Jobs are claimed with `SKIP LOCKED`, so instances split the work.
public struct BatchMatcher: Service {
    let database: Database
    let store: MatchingStore
    let matcher: Matcher
    let clock: DispatchClock
    let logger: Logger

    public func run() async throws {
        await PeriodicWork.run(
            every: .milliseconds(Int(matcher.policy.batchWindow * 1000)), failure: "batched matching failed; will retry", logger: logger
        ) {
            _ = try await runOnce()
            return false
        }
    }

    /// One batch; returns how many offers it made.
    @discardableResult
    public func runOnce() async throws -> Int {
        try await database.transaction(logger: logger) { connection in
            let now = clock.now()
            let policy = matcher.policy
            var jobs: [JobRecord] = []
            for trip in try await store.claimWaitingForBatch(limit: 1000, on: connection, logger: logger) {
                guard var job = try await store.job(trip, lock: true, on: connection, logger: logger) else { continue }
                let (maxOffers, deadline) = matcher.limits(of: job)
                if job.offersMade >= maxOffers || now >= deadline {
                    try await matcher.giveUp(&job, now: now, on: connection, logger: logger)
                } else {
                    jobs.append(job)
                }
            }
            guard !jobs.isEmpty else { return 0 }
            // Candidate lists per job; a driver may appear for several jobs (the solver picks one).
            var driverIndex: [UUID: Int] = [:]
            var costs: [[Double?]] = []
            var distances: [UUID: [Int: Double]] = [:]
            for (column, job) in jobs.enumerated() {
                let candidates = try await store.candidates(for: job, policy: policy, now: now, limit: 10, on: connection, logger: logger)
                for candidate in CandidateRanking.firstNonEmptyStep(candidates, steps: policy.radiusStepsMeters) {
                    let row =
                        driverIndex[candidate.driverID]
                        ?? {
                            driverIndex[candidate.driverID] = costs.count
                            costs.append([])
                            return costs.count - 1
                        }()
                    distances[candidate.driverID, default: [:]][column] = candidate.distanceMeters
                    while costs[row].count < jobs.count { costs[row].append(nil) }
                    costs[row][column] = Double(policy.pickupEtaSeconds(distanceMeters: candidate.distanceMeters))
                }
            }
            for row in costs.indices { while costs[row].count < jobs.count { costs[row].append(nil) } }
            let drivers = driverIndex.sorted { $0.value < $1.value }.map(\.key)
            var made = 0
            var offered = Set<Int>()
            for pair in Assignment.solve(costs) {
                var job = jobs[pair.column]
                let driver = drivers[pair.row]
                let distance = distances[driver]?[pair.column] ?? 0
                if try await matcher.offer(&job, to: driver, distanceMeters: distance, now: now, on: connection, logger: logger) != nil {
                    made += 1
                    offered.insert(pair.column)
                }
            }
            // Jobs left without a driver wait for the next window (no timer), up to their deadline.
            _ = offered
            return made
        }
    }
}
