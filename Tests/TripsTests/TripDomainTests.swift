import Foundation
import Testing

@testable import Trips

/// Every legal and illegal transition of the trip aggregate.
@Suite struct TripDomainTests {
    static let passenger = UUID()
    static let driver = UUID()
    static let otherDriver = UUID()
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func quote(cancellationFee: Int64 = 500) throws -> Quote {
        let rule = PricingRule(
            cityID: "nyc", vehicleClass: .economy, revision: 1, currencyCode: "USD",
            amounts: try .init(
                baseFare: 250, perKilometer: 120, perMinute: 30, bookingFee: 150, minimumFare: 700, cancellationFee: cancellationFee,
                surgeCapHundredths: 200),
            createTime: start)
        return Quote(
            id: UUID(), passengerID: passenger, cityID: "nyc", vehicleClass: .economy,
            pickup: try Coordinate(latitude: 40.7, longitude: -74, field: "pickup"),
            dropoff: try Coordinate(latitude: 40.72, longitude: -74, field: "dropoff"), ruleRevision: 1,
            fare: FareCalculator.fare(rule: rule, distanceMeters: 3000, durationSeconds: 600, surgeHundredths: 100),
            cancellationFee: cancellationFee, pickupEtaSeconds: 180, expireTime: start.addingTimeInterval(120))
    }

    /// A trip brought to `state` along the happy path.
    static func trip(in state: Trip.State) throws -> Trip {
        var trip = Trip(id: UUID(), quote: try quote(), paymentMethod: nil, now: start)
        let receipt = Trip.Receipt(fare: trip.quote.fare, source: .estimate)
        let path: [Trip.State] = [.dispatching, .driverAssigned, .driverArrived, .inProgress, .completed]
        switch state {
        case .requested: return trip
        case .cancelled:
            _ = try trip.cancel(by: .init(party: .passenger, userID: passenger), reason: nil, gracePeriod: 120, now: start)
            return trip
        case .noDriverFound:
            _ = try trip.startDispatching(now: start)
            _ = try trip.noDriverFound(now: start)
            return trip
        default: break
        }
        for step in path {
            switch step {
            case .dispatching: _ = try trip.startDispatching(now: start)
            case .driverAssigned: _ = try trip.assign(driver: driver, vehicle: nil, pickupEtaSeconds: 60, now: start)
            case .driverArrived: _ = try trip.arrive(driver: driver, now: start)
            case .inProgress:
                _ = try trip.start(driver: driver, pinMatches: true, driverNearPickup: true, maxPINAttempts: 5, now: start)
            case .completed: _ = try trip.complete(driver: driver, receipt: receipt, now: start)
            default: break
            }
            if step == state { return trip }
        }
        return trip
    }

    /// Each command and the states it is legal in.
    enum Command: String, CaseIterable, Sendable {
        case dispatch, assign, noDriver, arrive, start, complete, passengerCancel, driverCancel, adminCancel, systemCancel, rate

        var legalFrom: Set<Trip.State> {
            switch self {
            case .dispatch: [.requested]
            case .assign, .noDriver: [.dispatching]
            case .arrive: [.driverAssigned]
            case .start: [.driverArrived]
            case .complete: [.inProgress]
            case .passengerCancel: [.requested, .dispatching, .driverAssigned, .driverArrived]
            case .driverCancel: [.driverAssigned, .driverArrived]
            case .adminCancel: [.requested, .dispatching, .driverAssigned, .driverArrived, .inProgress]
            case .systemCancel: [.requested, .dispatching]
            case .rate: [.completed]
            }
        }

        func run(on trip: inout Trip) throws(TripsError) -> [TripEvent] {
            let now = TripDomainTests.start
            let driver = TripDomainTests.driver
            switch self {
            case .dispatch: return try trip.startDispatching(now: now)
            case .assign: return try trip.assign(driver: driver, vehicle: nil, pickupEtaSeconds: 60, now: now)
            case .noDriver: return try trip.noDriverFound(now: now)
            case .arrive: return try trip.arrive(driver: driver, now: now)
            case .start: return try trip.start(driver: driver, pinMatches: true, driverNearPickup: true, maxPINAttempts: 5, now: now)
            case .complete: return try trip.complete(driver: driver, receipt: .init(fare: trip.quote.fare, source: .estimate), now: now)
            case .passengerCancel:
                return try trip.cancel(by: .init(party: .passenger, userID: TripDomainTests.passenger), reason: nil, gracePeriod: 120, now: now)
            case .driverCancel: return try trip.cancel(by: .init(party: .driver, userID: driver), reason: nil, gracePeriod: 120, now: now)
            case .adminCancel: return try trip.cancel(by: .init(party: .admin, userID: UUID()), reason: nil, gracePeriod: 120, now: now)
            case .systemCancel: return try trip.cancel(by: .init(party: .system, userID: nil), reason: "X", gracePeriod: 120, now: now)
            case .rate: return try trip.rate(by: .passenger, stars: 5, comment: nil, window: 3600, now: now)
            }
        }
    }

    @Test(arguments: Command.allCases, Trip.State.allCases)
    func everyCommandIsLegalExactlyInItsStates(command: Command, state: Trip.State) throws {
        var trip = try Self.trip(in: state)
        #expect(trip.state == state)
        let before = trip
        if command.legalFrom.contains(state) {
            let events = try command.run(on: &trip)
            #expect(!events.isEmpty)
            #expect(trip.version == before.version + 1)
        } else {
            #expect(throws: TripsError.self) { try command.run(on: &trip) }
            // A refused command leaves the trip exactly as it was.
            #expect(trip == before)
        }
    }

    @Test func theHappyPathEmitsOneEventPerStep() throws {
        var trip = Trip(id: UUID(), quote: try Self.quote(), paymentMethod: "pm_1", now: Self.start)
        #expect(try trip.startDispatching(now: Self.start) == [.requested])
        #expect(try trip.assign(driver: Self.driver, vehicle: nil, pickupEtaSeconds: 90, now: Self.start) == [.driverAssigned])
        #expect(try trip.arrive(driver: Self.driver, now: Self.start) == [.driverArrived])
        #expect(try trip.start(driver: Self.driver, pinMatches: true, driverNearPickup: true, maxPINAttempts: 5, now: Self.start) == [.started])
        #expect(try trip.complete(driver: Self.driver, receipt: .init(fare: trip.quote.fare, source: .trail), now: Self.start) == [.completed])
        #expect(trip.state == .completed && trip.endTime == Self.start && trip.receipt?.source == .trail)
    }

    @Test func onlyTheAssignedDriverMovesTheTrip() throws {
        var trip = try Self.trip(in: .driverAssigned)
        #expect(throws: TripsError.notTripParty) { try trip.arrive(driver: Self.otherDriver, now: Self.start) }
        #expect(throws: TripsError.notTripParty) {
            try trip.cancel(by: .init(party: .driver, userID: Self.otherDriver), reason: nil, gracePeriod: 0, now: Self.start)
        }
        #expect(throws: TripsError.notTripParty) {
            try trip.cancel(by: .init(party: .passenger, userID: UUID()), reason: nil, gracePeriod: 0, now: Self.start)
        }
    }

    @Test func cancellingIsFreeBeforeAssignmentAndWithinTheGracePeriod() throws {
        let passenger = Trip.Actor(party: .passenger, userID: Self.passenger)
        var dispatching = try Self.trip(in: .dispatching)
        _ = try dispatching.cancel(by: passenger, reason: nil, gracePeriod: 0, now: Self.start.addingTimeInterval(3600))
        #expect(dispatching.cancellation == .init(by: .passenger, reason: nil, fee: nil))

        var early = try Self.trip(in: .driverAssigned)
        _ = try early.cancel(by: passenger, reason: nil, gracePeriod: 120, now: Self.start.addingTimeInterval(120))
        #expect(early.cancellation?.fee == nil)

        var late = try Self.trip(in: .driverArrived)
        _ = try late.cancel(by: passenger, reason: "changed plans", gracePeriod: 120, now: Self.start.addingTimeInterval(121))
        #expect(late.cancellation == .init(by: .passenger, reason: "changed plans", fee: 500))
        #expect(late.state == .cancelled && late.driverID == Self.driver)
    }

    @Test func aDriverCancelSendsTheTripBackToDispatchWithoutThatDriver() throws {
        var trip = try Self.trip(in: .driverArrived)
        let events = try trip.cancel(by: .init(party: .driver, userID: Self.driver), reason: "flat tyre", gracePeriod: 0, now: Self.start)
        #expect(events == [.redispatched(previousDriver: Self.driver, reason: "flat tyre")])
        #expect(trip.state == .dispatching && trip.driverID == nil && trip.excludedDrivers == [Self.driver])
        #expect(throws: TripsError.self) { try trip.assign(driver: Self.driver, vehicle: nil, pickupEtaSeconds: 1, now: Self.start) }
        #expect(try trip.assign(driver: Self.otherDriver, vehicle: nil, pickupEtaSeconds: 1, now: Self.start) == [.driverAssigned])
    }

    @Test func wrongPINsAreCountedAndThenRefusedForGood() throws {
        var trip = try Self.trip(in: .driverArrived)
        for remaining in [2, 1, 0] {
            let events = try trip.start(driver: Self.driver, pinMatches: false, driverNearPickup: true, maxPINAttempts: 3, now: Self.start)
            #expect(events == [.pinRejected(remainingAttempts: remaining)])
            #expect(trip.state == .driverArrived)
        }
        #expect(throws: TripsError.pinAttemptsExceeded) {
            try trip.start(driver: Self.driver, pinMatches: true, driverNearPickup: true, maxPINAttempts: 3, now: Self.start)
        }
    }

    @Test func aDriverFarFromThePickupCannotStartAndTheAttemptDoesNotCount() throws {
        var trip = try Self.trip(in: .driverArrived)
        #expect(throws: TripsError.driverNotNearPickup(distanceMeters: nil)) {
            try trip.start(driver: Self.driver, pinMatches: true, driverNearPickup: false, maxPINAttempts: 3, now: Self.start)
        }
        #expect(trip.pinAttempts == 0)
    }

    @Test func ratingsAreOncePerSideWithinTheWindowAndInRange() throws {
        var trip = try Self.trip(in: .completed)
        #expect(throws: TripsError.self) { try trip.rate(by: .passenger, stars: 0, comment: nil, window: 60, now: Self.start) }
        #expect(throws: TripsError.self) { try trip.rate(by: .passenger, stars: 6, comment: nil, window: 60, now: Self.start) }
        #expect(throws: TripsError.ratingWindowClosed) {
            try trip.rate(by: .passenger, stars: 5, comment: nil, window: 60, now: Self.start.addingTimeInterval(61))
        }
        #expect(
            try trip.rate(by: .passenger, stars: 4, comment: "ok", window: 60, now: Self.start) == [.rated(by: .passenger, stars: 4, comment: "ok")])
        #expect(throws: TripsError.alreadyRated) { try trip.rate(by: .passenger, stars: 5, comment: nil, window: 60, now: Self.start) }
        #expect(try trip.rate(by: .driver, stars: 5, comment: nil, window: 60, now: Self.start).count == 1)
        #expect(throws: TripsError.notTripParty) { try trip.rate(by: .admin, stars: 5, comment: nil, window: 60, now: Self.start) }
    }

    @Test func coordinatesOutOfRangeAreRefused() {
        for (lat, lng) in [(90.0001, 0.0), (-91, 0), (0, 180.5), (0, -181), (.nan, 0), (0, .infinity)] {
            #expect(throws: TripsError.self) { try Coordinate(latitude: lat, longitude: lng, field: "pickup") }
        }
        #expect(throws: Never.self) { try Coordinate(latitude: -90, longitude: 180, field: "pickup") }
    }

    @Test func commentsAreLengthLimited() throws {
        #expect(try RatingComment.validated("  ") == nil)
        #expect(try RatingComment.validated(String(repeating: "é", count: 500))?.count == 500)
        #expect(throws: TripsError.self) { try RatingComment.validated(String(repeating: "a", count: 501)) }
        #expect(throws: TripsError.self) { try RatingComment.validated("bad\u{0}byte") }
    }
}
