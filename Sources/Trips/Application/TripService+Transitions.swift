import CurbsideCore
import DispatchClient
import Foundation
import Logging

extension TripService {
    /// What every transition request carries: the etag to check and the request id to dedupe.
    public struct Guard: Sendable {
        public var etag: String?
        public var requestID: UUID?

        public init(etag: String?, requestID: UUID?) {
            self.etag = etag
            self.requestID = requestID
        }
    }

    /// Cancels as the caller: the passenger (fee after the grace period), the assigned driver (back
    /// to dispatch) or an admin.
    public func cancel(_ id: UUID, reason: String?, guard check: Guard, caller: Principal, logger: Logger) async throws -> Trip {
        if let reason, reason.count > 200 {
            throw TripsError.invalidField(field: "reason", message: "reason must be at most 200 characters", reason: "INVALID_REASON")
        }
        let actor = Trip.Actor(party: try TripAccess.party(of: caller), userID: caller.userID)
        let now = clock.now()
        let grace = settings.cancellationGracePeriod
        return try await transition(id, verb: "cancel", body: [reason ?? ""], guard: check, caller: caller, logger: logger) { trip in
            guard TripAccess.canSee(trip, caller: caller) else { throw TripsError.notTripParty }
            return try trip.cancel(by: actor, reason: reason, gracePeriod: grace, now: now)
        }.trip
    }

    /// The assigned driver is at the pickup.
    public func arrive(_ id: UUID, guard check: Guard, caller: Principal, logger: Logger) async throws -> Trip {
        let now = clock.now()
        return try await transition(id, verb: "arrive", body: [], guard: check, caller: caller, logger: logger) { trip in
            try trip.arrive(driver: caller.userID, now: now)
        }.trip
    }

    /// The assigned driver starts the ride with the passenger's PIN, when dispatch places them near
    /// the pickup. A wrong PIN counts as an attempt and is refused with the attempts left.
    public func start(_ id: UUID, pin: String, guard check: Guard, caller: Principal, logger: Logger) async throws -> Trip {
        guard pin.count <= 16 else {
            throw TripsError.invalidField(field: "pin", message: "pin must be 4 digits", reason: "INVALID_PIN_FORMAT")
        }
        let trip = try await get(id, caller: caller, logger: logger)
        guard trip.driverID == caller.userID else { throw TripsError.notTripParty }
        let distance = await driverDistance(to: trip.quote.pickup, driver: caller.userID, logger: logger)
        let near = distance.map { $0 <= settings.pickupRadiusMeters } ?? false
        let matches = pins.matches(pin, trip: id)
        let now = clock.now()
        let attempts = settings.maxPINAttempts
        do {
            let outcome = try await transition(id, verb: "start", body: [pin], guard: check, caller: caller, logger: logger) { trip in
                try trip.start(driver: caller.userID, pinMatches: matches, driverNearPickup: near, maxPINAttempts: attempts, now: now)
            }
            if let remaining = outcome.pinRejected { throw TripsError.invalidPIN(remainingAttempts: remaining) }
            return outcome.trip
        } catch TripsError.driverNotNearPickup {
            throw TripsError.driverNotNearPickup(distanceMeters: distance.map { Int($0.rounded()) })
        }
    }

    /// The assigned driver ends the ride: the final fare is computed from the quoted rule revision and
    /// the driver's trail (bounded by the estimate, see ``FinalFarePolicy``).
    public func complete(_ id: UUID, guard check: Guard, caller: Principal, logger: Logger) async throws -> Trip {
        let trip = try await get(id, caller: caller, logger: logger)
        guard trip.driverID == caller.userID else { throw TripsError.notTripParty }
        guard trip.state == .inProgress, let startTime = trip.startTime else {
            throw TripsError.illegalTransition(trip: trip.name, from: trip.state, action: "complete")
        }
        let receipt = try await finalFare(trip, since: startTime, logger: logger)
        let now = clock.now()
        return try await transition(id, verb: "complete", body: [], guard: check, caller: caller, logger: logger) { trip in
            try trip.complete(driver: caller.userID, receipt: receipt, now: now)
        }.trip
    }

    /// One side of a completed trip rates the other.
    public func rate(_ id: UUID, stars: Int, comment: String?, guard check: Guard, caller: Principal, logger: Logger) async throws
        -> Trip
    {
        let comment = try RatingComment.validated(comment)
        let party = try TripAccess.party(of: caller)
        guard party == .passenger || party == .driver else { throw TripsError.notTripParty }
        let now = clock.now()
        let window = settings.ratingWindow
        return try await transition(
            id, verb: "rate", body: ["\(stars)", comment ?? ""], guard: check, caller: caller, logger: logger
        ) { trip in
            guard TripAccess.canSee(trip, caller: caller) else { throw TripsError.notTripParty }
            return try trip.rate(by: party, stars: stars, comment: comment, window: window, now: now)
        }.trip
    }

    /// Runs one transition in one transaction: party check, etag, request id, then `change`.
    private func transition(
        _ id: UUID, verb: String, body: [String], guard check: Guard, caller: Principal, logger: Logger,
        _ change: @escaping @Sendable (inout Trip) throws -> [TripEvent]
    ) async throws -> TripRepository.Outcome {
        let idempotency = check.requestID.map { requestID in
            TripRepository.Idempotency(
                scope: "trips.\(verb)/\(id.uuidString.lowercased())/\(caller.userID.uuidString.lowercased())", requestID: requestID,
                requestHash: Self.hash(body + [check.etag ?? ""]))
        }
        let etag = check.etag
        do {
            return try await trips.update(
                id, on: Database.serving(caller, in: databases), writer: caller.userID, idempotency: idempotency, logger: logger
            ) { trip in
                guard TripAccess.canSee(trip, caller: caller) else { throw TripsError.notTripParty }
                try ETag.check(etag, version: trip.version, resource: trip.name)
                return try change(&trip)
            }
        } catch TripsError.notFound {
            throw TripAccess.missing(id, caller: caller)
        }
    }

    /// How far the driver's last reported position is from `point`, or `nil` when dispatch does not
    /// know, does not answer in time, or knows only an old position (which refuses the start: the PIN
    /// rule needs a current position).
    private func driverDistance(to point: Coordinate, driver: UUID, logger: Logger) async -> Double? {
        let dispatch = self.dispatch
        do {
            let position = try await withTimeout(settings.dispatchTimeout) { try await dispatch.driverLocation(driverID: driver) }
            guard let position, let here = try? Coordinate(latitude: position.latitude, longitude: position.longitude, field: "location")
            else { return nil }
            // A position from long ago says nothing about where the driver is now.
            guard clock.now().timeIntervalSince(position.recordTime) <= settings.driverLocationMaxAge else {
                logger.info("driver location too old for the pickup check", metadata: ["driver": "\(driver)"])
                return nil
            }
            return here.distance(to: point)
        } catch {
            logger.warning("driver location unavailable", metadata: ["error.message": "\(String(reflecting: error))"])
            return nil
        }
    }

    private func finalFare(_ trip: Trip, since startTime: Date, logger: Logger) async throws -> Trip.Receipt {
        let dispatch = self.dispatch
        var trail: TripTrail?
        do {
            trail = try await withTimeout(settings.dispatchTimeout) { try await dispatch.tripTrail(tripID: trip.id, since: startTime) }
        } catch {
            logger.warning(
                "trip trail unavailable, charging the estimate",
                metadata: ["trip": "\(trip.name)", "error.message": "\(String(reflecting: error))"])
        }
        if let found = trail, found.pointCount < 2 { trail = nil }
        let quote = trip.quote
        let measures = FinalFarePolicy.measures(
            estimatedMeters: quote.fare.distanceMeters, estimatedSeconds: quote.fare.durationSeconds,
            trailMeters: trail?.distanceMeters, trailSeconds: trail?.durationSeconds)
        guard
            let rule = try await cities.rule(
                city: quote.cityID, vehicleClass: quote.vehicleClass, revision: quote.ruleRevision, logger: logger)
        else {
            // Rules are never deleted; without one, the quoted price is the only honest answer.
            logger.error("quoted pricing rule missing", metadata: ["trip": "\(trip.name)"])
            return Trip.Receipt(fare: quote.fare, source: .estimate)
        }
        let fare = FareCalculator.fare(
            rule: rule, distanceMeters: measures.meters, durationSeconds: measures.seconds,
            surgeHundredths: quote.fare.surgeMultiplierHundredths)
        return Trip.Receipt(fare: fare, source: measures.source)
    }
}
