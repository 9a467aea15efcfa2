import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO
import UsersClient

/// Drivers going online and offline. Eligibility comes from the users service, asked before any
/// transaction is opened (never call another service while holding one).
struct AvailabilityService: Sendable {
    let database: Database
    let drivers: DriverStore
    let store: MatchingStore
    let matcher: Matcher
    let directory: any DriverDirectory
    let clock: DispatchClock

    /// What a caller sees: the driver's row with staleness and trips folded into one state.
    struct View: Sendable, Equatable {
        var driver: DriverRecord?
        var driverID: UUID
        /// `ONLINE`, `OFFLINE`, `ON_TRIP` or `STALE`.
        var state: String
    }

    func view(_ record: DriverRecord?, driverID: UUID, now: Date) -> View {
        guard let record else { return View(driver: nil, driverID: driverID, state: "OFFLINE") }
        let state: String
        if record.currentTrip != nil {
            state = "ON_TRIP"
        } else if record.availability == "ONLINE",
            (record.lastLocationTime.map { now.timeIntervalSince($0) > matcher.policy.staleAfter } ?? true)
        {
            state = "STALE"
        } else {
            state = record.availability
        }
        return View(driver: record, driverID: driverID, state: state)
    }

    func get(_ driverID: UUID, caller: Principal, logger: Logger) async throws -> View {
        guard caller.isSelfOrAdmin(driverID) || caller.role == .service else { throw DispatchError.notYourResource }
        // Location reports skip read-your-writes bookkeeping (an extra round trip on the hottest
        // path), so a driver asking about themself, or a service acting on it, reads the primary.
        let record = try await Database.withPrimaryReads { try await drivers.driver(driverID, logger: logger) }
        return view(record, driverID: driverID, now: clock.now())
    }

    func goOnline(_ driverID: UUID, vehicleID: UUID, location: Coordinate, caller: Principal, logger: Logger) async throws -> View {
        guard caller.userID == driverID else { throw DispatchError.notYourResource }
        let eligibility = try await directory.eligibility(driverID: driverID, vehicleID: vehicleID)
        guard eligibility.eligible else { throw DispatchError.driverNotEligible(reasons: eligibility.reasons) }
        guard let details = try await directory.vehicle(driverID: driverID, vehicleID: vehicleID) else {
            throw DispatchError.driverNotEligible(reasons: ["VEHICLE_NOT_FOUND"])
        }
        let displayName = try await directory.displayName(driverID: driverID)
        let snapshot = VehicleSnapshotFields(
            vehicleClass: eligibility.vehicleClass ?? details.vehicleClass, make: details.make, model: details.model, color: details.color,
            licensePlate: details.licensePlate)
        let record = try await database.transaction(logger: logger) { connection in
            let now = clock.now()
            try await drivers.goOnline(
                driverID, vehicleID: vehicleID, vehicle: snapshot, displayName: displayName, location: location, now: now,
                on: connection, logger: logger)
            let record = try await drivers.driver(driverID, lock: true, on: connection, logger: logger)
            try await matcher.availabilityChanged(
                driverID, to: "ONLINE", vehicle: Names.vehicle(driver: driverID, vehicle: vehicleID), now: now, on: connection,
                logger: logger)
            return record
        }
        return view(record, driverID: driverID, now: clock.now())
    }

    func goOffline(_ driverID: UUID, caller: Principal, logger: Logger) async throws -> View {
        guard caller.isSelfOrAdmin(driverID) else { throw DispatchError.notYourResource }
        let record = try await database.transaction(logger: logger) { connection in
            try await takeOffline(driverID, refuseOnTrip: true, now: clock.now(), on: connection, logger: logger)
        }
        return view(record, driverID: driverID, now: clock.now())
    }

    /// Marks the driver OFFLINE and withdraws their open offer (the trip moves on to the next driver).
    /// A suspension (`refuseOnTrip: false`) applies even during a trip; the trip itself is trips' business.
    @discardableResult
    func takeOffline(_ driverID: UUID, refuseOnTrip: Bool, now: Date, on connection: PostgresConnection, logger: Logger)
        async throws -> DriverRecord?
    {
        // Lock order: the job of the driver's open offer first, then the driver.
        let pending = try await store.openOffer(driver: driverID, on: connection, logger: logger)
        let job = try await pending.asyncMap { try await store.job($0.tripID, lock: true, on: connection, logger: logger) } ?? nil
        guard var record = try await drivers.driver(driverID, lock: true, on: connection, logger: logger) else {
            if refuseOnTrip { throw DispatchError.driverNotOnline }
            return nil
        }
        if refuseOnTrip, record.currentTrip != nil { throw DispatchError.driverOnTrip }
        try await drivers.setAvailability(driverID, "OFFLINE", now: now, on: connection, logger: logger)
        record.availability = "OFFLINE"
        record.updateTime = now
        if let job {
            for offer in try await store.openOffers(trip: job.tripID, on: connection, logger: logger) where offer.driverID == driverID {
                try await matcher.close(offer, outcome: "WITHDRAWN", now: now, on: connection, logger: logger)
            }
            try await matcher.round(job, now: now, on: connection, logger: logger)
        }
        try await matcher.availabilityChanged(driverID, to: "OFFLINE", vehicle: nil, now: now, on: connection, logger: logger)
        return record
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
