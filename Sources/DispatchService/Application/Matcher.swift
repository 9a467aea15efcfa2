import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// Matching rounds, offer outcomes and their events. Every method runs inside the caller's
/// transaction with the job row locked, so one trip's rounds never interleave.
struct Matcher: Sendable {
    let store: MatchingStore
    let outbox: OutboxWriter
    let policy: MatchingPolicy

    /// Makes offers for a locked OPEN job until it holds `batchSize` open offers, or gives up when the
    /// limits are reached, and sets the job's timer. In batched mode, a job without open offers is
    /// left for the batched matcher instead.
    func round(_ job: JobRecord, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        var job = job
        guard job.state == "OPEN" else { return }
        let open = try await store.openOffers(trip: job.tripID, on: connection, logger: logger)
        let (maxOffers, deadline) = limits(of: job)
        if open.isEmpty, job.offersMade >= maxOffers || now >= deadline {
            try await giveUp(&job, now: now, on: connection, logger: logger)
            return
        }
        if policy.mode == .batched {
            try await store.setWake(job.tripID, open.map(\.expireTime).min(), on: connection, logger: logger)
            return
        }
        let slots = min(policy.batchSize - open.count, maxOffers - job.offersMade)
        var expiries = open.map(\.expireTime)
        if slots > 0 {
            let candidates = try await store.candidates(for: job, policy: policy, now: now, limit: 20, on: connection, logger: logger)
            for candidate in CandidateRanking.rank(candidates, policy: policy).prefix(slots) {
                if let expiry = try await offer(
                    &job, to: candidate.driverID, distanceMeters: candidate.distanceMeters, now: now, on: connection, logger: logger)
                {
                    expiries.append(expiry)
                }
            }
        }
        // The timer: the first open offer's expiry, or (nobody near) a retry, never past the deadline.
        let wake = expiries.min() ?? min(now.addingTimeInterval(policy.retryInterval), deadline)
        try await store.save(job, wakeTime: wake, now: now, on: connection, logger: logger)
    }

    /// The job's own limits (set when matching started), or this instance's for rows without them.
    func limits(of job: JobRecord) -> (maxOffers: Int, deadline: Date) {
        (job.maxOffers ?? policy.maxOffers, job.giveUpTime ?? job.matchStartTime.addingTimeInterval(policy.maxMatchingTime))
    }

    /// Starts (or restarts) matching at `now` with this instance's limits, recorded on the job.
    func startMatching(_ job: inout JobRecord, now: Date) {
        job.offersMade = 0
        job.matchStartTime = now
        job.maxOffers = policy.maxOffers
        job.giveUpTime = now.addingTimeInterval(policy.maxMatchingTime)
    }

    /// Offers the locked job to a (locked) driver; returns the offer's expiry, or `nil` when the
    /// driver already holds an offer.
    func offer(_ job: inout JobRecord, to driver: UUID, distanceMeters: Double, now: Date, on connection: PostgresConnection, logger: Logger)
        async throws -> Date?
    {
        let expiry = now.addingTimeInterval(policy.offerTimeout)
        let offer = OfferRecord(
            (
                UUID(), job.tripID, driver, "OPEN", policy.pickupEtaSeconds(distanceMeters: distanceMeters), now, expiry, nil,
                job.pickup.latitude, job.pickup.longitude, job.dropoff.latitude, job.dropoff.longitude
            ))
        guard try await store.insertOffer(offer, on: connection, logger: logger) else { return nil }
        job.offersMade += 1
        try await store.save(job, wakeTime: expiry, now: now, on: connection, logger: logger)
        try await outbox.append(
            DispatchV1.OfferCreated(
                offer: Names.offer(offer.id), trip: Names.trip(job.tripID), driver: Names.driver(driver),
                pickup: GeoPoint(latitude: job.pickup.latitude, longitude: job.pickup.longitude),
                dropoff: GeoPoint(latitude: job.dropoff.latitude, longitude: job.dropoff.longitude),
                pickupEtaSeconds: offer.pickupEtaSeconds, expireTime: expiry, createTime: now),
            occurredAt: now, on: connection, logger: logger)
        return expiry
    }

    /// Closes an open offer with `outcome` and publishes it.
    func close(_ offer: OfferRecord, outcome: String, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await store.close(offer.id, state: outcome, now: now, on: connection, logger: logger)
        try await outbox.append(
            DispatchV1.OfferClosed(
                offer: Names.offer(offer.id), trip: Names.trip(offer.tripID), driver: Names.driver(offer.driverID), outcome: outcome,
                closeTime: now),
            occurredAt: now, on: connection, logger: logger)
    }

    /// Expires the locked job's offers whose time is up; returns how many.
    @discardableResult
    func expireDue(_ job: JobRecord, now: Date, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        var expired = 0
        for offer in try await store.openOffers(trip: job.tripID, on: connection, logger: logger) where offer.expireTime <= now {
            try await close(offer, outcome: "EXPIRED", now: now, on: connection, logger: logger)
            expired += 1
        }
        return expired
    }

    func giveUp(_ job: inout JobRecord, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        job.state = "NO_DRIVER_FOUND"
        try await store.save(job, wakeTime: nil, now: now, on: connection, logger: logger)
        try await outbox.append(
            DispatchV1.NoDriverFound(trip: Names.trip(job.tripID), offersMade: job.offersMade, giveUpTime: now),
            occurredAt: now, on: connection, logger: logger)
        logger.info("no driver found", metadata: ["trip": "\(job.tripID)", "offers": "\(job.offersMade)"])
    }

    /// Tells subscribers a driver's availability changed (the driver row is locked by the caller).
    func availabilityChanged(_ driver: UUID, to availability: String, vehicle: String?, now: Date, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await outbox.append(
            DispatchV1.DriverAvailabilityChanged(driver: Names.driver(driver), availability: availability, vehicle: vehicle, changeTime: now),
            occurredAt: now, on: connection, logger: logger)
    }
}
