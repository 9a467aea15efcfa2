import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// A driver's answers to offers. Accept is where the invariants bite: the job row serializes every
/// accept, decline, expiry and cancellation of one trip; the partial unique index on
/// `drivers.current_trip` refuses a second holder even if code elsewhere were wrong.
struct OfferService: Sendable {
    let database: Database
    let store: MatchingStore
    let drivers: DriverStore
    let matcher: Matcher
    let clock: DispatchClock

    /// The driver's open offers (the driver themself or an admin).
    func openOffers(driver: UUID, caller: Principal, logger: Logger) async throws -> [OfferRecord] {
        guard caller.isSelfOrAdmin(driver) else { throw DispatchError.notYourResource }
        return try await database.readPrimary { client in try await store.openOffers(driver: driver, logger: logger, on: client) }
    }

    /// Every offer made for `trip`, oldest first (admins: the ops console's trip timeline).
    func offers(trip: UUID, caller: Principal, logger: Logger) async throws -> [OfferRecord] {
        guard caller.role == .admin else { throw DispatchError.notYourResource }
        // A look back for a person: a replica's lag of a moment does not matter.
        return try await database.read(logger: logger) { [store] client in
            try await store.offers(trip: trip, limit: Self.tripOffersLimit, logger: logger, on: client)
        }
    }

    /// A trip gets at most `dispatch.max_offers` offers per matching; redispatches start again.
    static let tripOffersLimit = 200

    func accept(_ offerID: UUID, caller: Principal, logger: Logger) async throws -> OfferRecord {
        try await answer(offerID, caller: caller, logger: logger) { offer, job, now, connection in
            if offer.state == "ACCEPTED" { return offer }
            try Self.refuseClosed(offer, job: job, now: now)
            guard job.state == "OPEN" else {
                throw DispatchError.offerRefused(job.state == "CANCELLED" ? .tripCancelled : .tripAlreadyAssigned)
            }
            guard let driver = try await drivers.driver(offer.driverID, lock: true, on: connection, logger: logger) else {
                throw DispatchError.offerRefused(.driverOffline)
            }
            guard driver.currentTrip == nil else { throw DispatchError.offerRefused(.driverBusy) }
            guard driver.availability == "ONLINE" else { throw DispatchError.offerRefused(.driverOffline) }
            var job = job
            try await matcher.close(offer, outcome: "ACCEPTED", now: now, on: connection, logger: logger)
            for other in try await store.openOffers(trip: job.tripID, on: connection, logger: logger) {
                try await matcher.close(other, outcome: "WITHDRAWN", now: now, on: connection, logger: logger)
            }
            try await store.assign(driver: offer.driverID, trip: job.tripID, now: now, on: connection, logger: logger)
            job.state = "ASSIGNED"
            job.assignedDriver = offer.driverID
            try await store.save(job, wakeTime: nil, now: now, on: connection, logger: logger)
            let vehicle = driver.vehicleID.map { vehicleID in
                VehicleSnapshot(
                    vehicle: Names.vehicle(driver: driver.driverID, vehicle: vehicleID), vehicleClass: driver.vehicleClass ?? "",
                    make: driver.make ?? "", model: driver.model ?? "", color: driver.color ?? "", licensePlate: driver.licensePlate ?? "")
            }
            try await matcher.outbox.append(
                DispatchV1.DriverAssigned(
                    trip: Names.trip(job.tripID), offer: Names.offer(offer.id), driver: Names.driver(offer.driverID), vehicle: vehicle,
                    pickupEtaSeconds: offer.pickupEtaSeconds, assignTime: now),
                occurredAt: now, on: connection, logger: logger)
            try await matcher.availabilityChanged(
                offer.driverID, to: "ON_TRIP", vehicle: vehicle?.vehicle, now: now, on: connection, logger: logger)
            var accepted = offer
            accepted.state = "ACCEPTED"
            accepted.closeTime = now
            return accepted
        }
    }

    func decline(_ offerID: UUID, caller: Principal, logger: Logger) async throws -> OfferRecord {
        try await answer(offerID, caller: caller, logger: logger) { offer, job, now, connection in
            if offer.state == "DECLINED" { return offer }
            try Self.refuseClosed(offer, job: job, now: now)
            try await matcher.close(offer, outcome: "DECLINED", now: now, on: connection, logger: logger)
            try await matcher.round(job, now: now, on: connection, logger: logger)
            var declined = offer
            declined.state = "DECLINED"
            declined.closeTime = now
            return declined
        }
    }

    /// Loads the offer, checks it is the caller's, locks its job then the offer, and runs `decide`.
    private func answer(
        _ offerID: UUID, caller: Principal, logger: Logger,
        _ decide: @Sendable (OfferRecord, JobRecord, Date, PostgresConnection) async throws -> OfferRecord
    ) async throws -> OfferRecord {
        try await database.transaction(logger: logger) { connection in
            guard let unlocked = try await store.offer(offerID, on: connection, logger: logger) else {
                throw DispatchError.notFound(Names.offer(offerID))
            }
            guard unlocked.driverID == caller.userID else { throw DispatchError.notYourResource }
            guard let job = try await store.job(unlocked.tripID, lock: true, on: connection, logger: logger),
                let offer = try await store.offer(offerID, lock: true, on: connection, logger: logger)
            else { throw DispatchError.notFound(Names.offer(offerID)) }
            // Time is read after the locks: an accept that waited behind another is judged when it runs.
            return try await decide(offer, job, clock.now(), connection)
        }
    }

    /// Refuses an offer that is no longer open (or whose time is up) with the reason why.
    static func refuseClosed(_ offer: OfferRecord, job: JobRecord, now: Date) throws {
        switch offer.state {
        case "OPEN":
            if offer.expireTime <= now { throw DispatchError.offerRefused(.expired) }
        case "EXPIRED": throw DispatchError.offerRefused(.expired)
        case "DECLINED": throw DispatchError.offerRefused(.declined)
        case "ACCEPTED": throw DispatchError.offerRefused(.alreadyAccepted)
        default:
            switch job.state {
            case "CANCELLED": throw DispatchError.offerRefused(.tripCancelled)
            case "ASSIGNED", "COMPLETED": throw DispatchError.offerRefused(.tripAlreadyAssigned)
            default: throw DispatchError.offerRefused(.withdrawn)
            }
        }
    }
}
