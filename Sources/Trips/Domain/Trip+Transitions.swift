import Foundation

extension Trip {
    /// Who is asking for a transition.
    public struct Actor: Sendable, Equatable {
        public var party: Party
        public var userID: UUID?

        public init(party: Party, userID: UUID?) {
            self.party = party
            self.userID = userID
        }
    }

    /// Payment authorized: the trip goes to dispatch.
    public mutating func startDispatching(now: Date) throws(TripsError) -> [TripEvent] {
        try require([.requested], action: "start dispatching")
        move(to: .dispatching, now: now)
        return [.requested]
    }

    /// Dispatch found a driver who accepted.
    public mutating func assign(driver: UUID, vehicle: Vehicle?, pickupEtaSeconds: Int, now: Date) throws(TripsError) -> [TripEvent] {
        try require([.dispatching], action: "assign a driver")
        guard !excludedDrivers.contains(driver) else {
            throw .illegalTransition(trip: name, from: state, action: "assign a driver who cancelled it")
        }
        driverID = driver
        self.vehicle = vehicle
        self.pickupEtaSeconds = max(0, pickupEtaSeconds)
        assignTime = now
        pinAttempts = 0
        move(to: .driverAssigned, now: now)
        return [.driverAssigned]
    }

    /// Dispatch gave up.
    public mutating func noDriverFound(now: Date) throws(TripsError) -> [TripEvent] {
        try require([.dispatching], action: "end without a driver")
        endTime = now
        move(to: .noDriverFound, now: now)
        return [.noDriverFound]
    }

    /// The assigned driver is at the pickup.
    public mutating func arrive(driver: UUID, now: Date) throws(TripsError) -> [TripEvent] {
        try requireAssigned(driver)
        try require([.driverAssigned], action: "arrive")
        arriveTime = now
        move(to: .driverArrived, now: now)
        return [.driverArrived]
    }

    /// The assigned driver starts the ride with the passenger's PIN, near the pickup.
    ///
    /// A wrong PIN is not an exception to the trip: it is recorded (the attempt counts) and reported
    /// as `.pinRejected`, so the caller can commit the count before refusing the request.
    public mutating func start(
        driver: UUID, pinMatches: Bool, driverNearPickup: Bool, maxPINAttempts: Int, now: Date
    ) throws(TripsError) -> [TripEvent] {
        try requireAssigned(driver)
        try require([.driverArrived], action: "start")
        guard pinAttempts < maxPINAttempts else { throw .pinAttemptsExceeded }
        guard driverNearPickup else { throw .driverNotNearPickup(distanceMeters: nil) }
        guard pinMatches else {
            pinAttempts += 1
            updateTime = now
            version += 1
            return [.pinRejected(remainingAttempts: max(0, maxPINAttempts - pinAttempts))]
        }
        startTime = now
        move(to: .inProgress, now: now)
        return [.started]
    }

    /// The assigned driver ends the ride with its final fare.
    public mutating func complete(driver: UUID, receipt: Receipt, now: Date) throws(TripsError) -> [TripEvent] {
        try requireAssigned(driver)
        try require([.inProgress], action: "complete")
        self.receipt = receipt
        endTime = now
        move(to: .completed, now: now)
        return [.completed]
    }

    /// Cancels for `actor`:
    /// - the passenger, before the ride starts: free before assignment and within `gracePeriod` seconds
    ///   of it, afterwards the quote's cancellation fee;
    /// - the assigned driver, before the ride starts: the trip goes back to dispatch without them;
    /// - an admin, at any point before the end, free; the system (payment declined) before dispatch.
    public mutating func cancel(by actor: Actor, reason: String?, gracePeriod: TimeInterval, now: Date) throws(TripsError) -> [TripEvent] {
        switch actor.party {
        case .passenger:
            guard actor.userID == passengerID else { throw .notTripParty }
            try require([.requested, .dispatching, .driverAssigned, .driverArrived], action: "be cancelled by the passenger")
            var fee: Int64?
            if let assignTime, state.hasDriver, now.timeIntervalSince(assignTime) > gracePeriod, quote.cancellationFee > 0 {
                fee = quote.cancellationFee
            }
            end(Cancellation(by: .passenger, reason: reason, fee: fee), now: now)
            return [.cancelled]
        case .driver:
            guard let driver = actor.userID, driver == driverID, state.hasDriver else { throw .notTripParty }
            try require([.driverAssigned, .driverArrived], action: "be cancelled by the driver")
            excludedDrivers.append(driver)
            driverID = nil
            vehicle = nil
            pickupEtaSeconds = nil
            assignTime = nil
            arriveTime = nil
            pinAttempts = 0
            move(to: .dispatching, now: now)
            return [.redispatched(previousDriver: driver, reason: reason)]
        case .admin:
            try require([.requested, .dispatching, .driverAssigned, .driverArrived, .inProgress], action: "be cancelled")
            end(Cancellation(by: .admin, reason: reason, fee: nil), now: now)
            return [.cancelled]
        case .system:
            try require([.requested, .dispatching], action: "be cancelled by the system")
            end(Cancellation(by: .system, reason: reason, fee: nil), now: now)
            return [.cancelled]
        }
    }

    /// One side of a completed trip rates the other, once, within `window` seconds of completion.
    public mutating func rate(by party: Party, stars: Int, comment: String?, window: TimeInterval, now: Date) throws(TripsError)
        -> [TripEvent]
    {
        try require([.completed], action: "be rated")
        guard (1...5).contains(stars) else {
            throw .invalidField(field: "stars", message: "stars must be between 1 and 5", reason: "INVALID_STARS")
        }
        guard let endTime, now.timeIntervalSince(endTime) <= window else { throw .ratingWindowClosed }
        switch party {
        case .passenger:
            guard passengerRateTime == nil else { throw .alreadyRated }
            passengerRateTime = now
        case .driver:
            guard driverRateTime == nil else { throw .alreadyRated }
            driverRateTime = now
        case .admin, .system:
            throw .notTripParty
        }
        updateTime = now
        version += 1
        return [.rated(by: party, stars: stars, comment: comment)]
    }

    private func require(_ states: [State], action: String) throws(TripsError) {
        guard states.contains(state) else { throw .illegalTransition(trip: name, from: state, action: action) }
    }

    private func requireAssigned(_ driver: UUID) throws(TripsError) {
        guard driverID == driver else { throw .notTripParty }
    }

    private mutating func end(_ cancellation: Cancellation, now: Date) {
        self.cancellation = cancellation
        endTime = now
        move(to: .cancelled, now: now)
    }

    private mutating func move(to next: State, now: Date) {
        state = next
        updateTime = now
        version += 1
    }
}
