import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// What the trips service's events do to dispatch, each inside the transaction that records the
/// event in the inbox.
struct TripJobs: Sendable {
    let store: MatchingStore
    let drivers: DriverStore
    let matcher: Matcher
    let grid: ZoneGrid

    /// A new job and, in sequential mode, its first offer, in the same transaction.
    func requested(_ event: TripsV1.TripRequested, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        guard let trip = Names.id(event.trip, collection: "trips"), let passenger = Names.id(event.passenger, collection: "users") else {
            logger.warning("TripRequested with malformed names ignored", metadata: ["trip": "\(event.trip)"])
            return
        }
        var job = JobRecord(
            tripID: trip, passengerID: passenger, vehicleClass: event.vehicleClass,
            pickup: Coordinate(latitude: event.pickup.latitude, longitude: event.pickup.longitude),
            dropoff: Coordinate(latitude: event.dropoff.latitude, longitude: event.dropoff.longitude), excludedDrivers: [],
            matchStartTime: now)
        matcher.startMatching(&job, now: now)
        let wake: Date? = matcher.policy.mode == .batched ? nil : now
        guard try await store.insert(job, zone: grid.zoneID(job.pickup), wakeTime: wake, now: now, on: connection, logger: logger),
            let locked = try await store.job(trip, lock: true, on: connection, logger: logger)
        else { return }
        try await matcher.round(locked, now: now, on: connection, logger: logger)
    }

    /// The assigned driver cancelled: free them and match again without the excluded drivers.
    func redispatched(_ event: TripsV1.TripRedispatched, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        guard let trip = Names.id(event.trip, collection: "trips"), let passenger = Names.id(event.passenger, collection: "users") else {
            return
        }
        let excluded = (event.excludedDrivers + [event.previousDriver]).compactMap { Names.id($0, collection: "drivers") }
        var job: JobRecord
        if let existing = try await store.job(trip, lock: true, on: connection, logger: logger) {
            job = existing
        } else {
            job = JobRecord(
                tripID: trip, passengerID: passenger, vehicleClass: event.vehicleClass,
                pickup: Coordinate(latitude: event.pickup.latitude, longitude: event.pickup.longitude),
                dropoff: Coordinate(latitude: event.dropoff.latitude, longitude: event.dropoff.longitude), excludedDrivers: [],
                matchStartTime: now)
            _ = try await store.insert(job, zone: grid.zoneID(job.pickup), wakeTime: now, now: now, on: connection, logger: logger)
        }
        try await free(trip: trip, now: now, on: connection, logger: logger)
        for offer in try await store.openOffers(trip: trip, on: connection, logger: logger) {
            try await matcher.close(offer, outcome: "WITHDRAWN", now: now, on: connection, logger: logger)
        }
        job.state = "OPEN"
        job.assignedDriver = nil
        job.excludedDrivers = Array(Set(job.excludedDrivers + excluded))
        matcher.startMatching(&job, now: now)
        let wake: Date? = matcher.policy.mode == .batched ? nil : now
        try await store.save(job, wakeTime: wake, now: now, on: connection, logger: logger)
        try await matcher.round(job, now: now, on: connection, logger: logger)
    }

    /// Closes the job, withdraws its open offers and frees its driver.
    func cancelled(_ event: TripsV1.TripCancelled, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        guard let trip = Names.id(event.trip, collection: "trips") else { return }
        try await end(trip: trip, state: "CANCELLED", now: now, on: connection, logger: logger)
    }

    /// The driver is available again; their trail for this trip ends with `current_trip`.
    func completed(_ event: TripsV1.TripCompleted, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        guard let trip = Names.id(event.trip, collection: "trips") else { return }
        try await end(trip: trip, state: "COMPLETED", now: now, on: connection, logger: logger)
    }

    private func end(trip: UUID, state: String, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        if var job = try await store.job(trip, lock: true, on: connection, logger: logger) {
            for offer in try await store.openOffers(trip: trip, on: connection, logger: logger) {
                try await matcher.close(offer, outcome: "WITHDRAWN", now: now, on: connection, logger: logger)
            }
            job.state = state
            try await store.save(job, wakeTime: nil, now: now, on: connection, logger: logger)
        }
        try await free(trip: trip, now: now, on: connection, logger: logger)
    }

    private func free(trip: UUID, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        for driver in try await store.release(trip: trip, now: now, on: connection, logger: logger) {
            try await matcher.availabilityChanged(driver, to: "ONLINE", vehicle: nil, now: now, on: connection, logger: logger)
        }
    }
}
