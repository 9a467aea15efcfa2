import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO
import Testing

@testable import Trips

/// The repositories and the schema's own guarantees, against the real PostgreSQL.
@Suite struct RepositoryTests {
    let logger = TripsTestPlatform.logger

    func withModule(_ body: @Sendable (TripsModule) async throws -> Void) async throws {
        let platform = try await TestEnvironment.platform()
        try await TripsTestPlatform.migrate(platform: platform)
        let module = try TripsModule(platform: platform, dispatch: FakeDispatch())
        try await withRunningClients(module.databases.clients) { try await body(module) }
    }

    func newTrip(passenger: UUID = UUID(), now: Date = TripsClock().now()) throws -> Trip {
        let quote = try TripDomainTests.quote()
        let own = Quote(
            id: UUID(), passengerID: passenger, cityID: quote.cityID, vehicleClass: quote.vehicleClass, pickup: quote.pickup,
            dropoff: quote.dropoff, ruleRevision: quote.ruleRevision, fare: quote.fare, cancellationFee: quote.cancellationFee,
            pickupEtaSeconds: quote.pickupEtaSeconds, expireTime: quote.expireTime)
        return Trip(id: UUID(), quote: own, paymentMethod: "pm_x", now: now)
    }

    @Test func aTripReadsBackExactlyAfterEveryKindOfChange() async throws {
        try await withModule { module in
            let repository = module.trips.trips
            let database = module.databases.platform
            let trip = try newTrip()
            let driver = UUID()
            #expect(try await repository.insert(trip, requestID: nil, requestHash: "h", on: database, logger: logger) == trip.id)
            let now = TripsClock().now()
            let vehicle = Trip.Vehicle(
                name: "drivers/x/vehicles/y", vehicleClass: "ECONOMY", make: "Kia", model: "Niro", color: "Blue", licensePlate: "K1")
            let changed = try await repository.update(trip.id, on: database, writer: nil, idempotency: nil, logger: logger) { trip in
                var events = try trip.startDispatching(now: now)
                events += try trip.assign(driver: driver, vehicle: vehicle, pickupEtaSeconds: 99, now: now)
                events += try trip.cancel(by: .init(party: .driver, userID: driver), reason: "r", gracePeriod: 0, now: now)
                events += try trip.cancel(by: .init(party: .passenger, userID: trip.passengerID), reason: "p", gracePeriod: 0, now: now)
                return events
            }.trip
            let stored = try #require(try await repository.trip(trip.id, on: database, reader: nil, logger: logger))
            // PostgreSQL keeps microseconds: the instants survive to the millisecond the clock produced.
            #expect(Self.normalized(stored) == Self.normalized(changed))
            #expect(stored.excludedDrivers == [driver] && stored.cancellation?.reason == "p" && stored.quote == trip.quote)
            let types = try await TripsTestDatabase.eventTypes(of: trip.id.uuidString.lowercased(), module: module)
            #expect(
                types == [
                    TripsV1.TripRequested.eventType, TripsV1.TripDriverAssigned.eventType, TripsV1.TripRedispatched.eventType,
                    TripsV1.TripCancelled.eventType,
                ])
        }
    }

    static func normalized(_ trip: Trip) -> Trip {
        let ms = { (date: Date?) in date.map(Timestamp.roundedToMilliseconds) }
        return Trip(
            id: trip.id, passengerID: trip.passengerID, quote: trip.quote, paymentMethod: trip.paymentMethod, state: trip.state,
            driverID: trip.driverID, vehicle: trip.vehicle, pickupEtaSeconds: trip.pickupEtaSeconds, excludedDrivers: trip.excludedDrivers,
            pinAttempts: trip.pinAttempts, cancellation: trip.cancellation, receipt: trip.receipt,
            createTime: Timestamp.roundedToMilliseconds(trip.createTime), updateTime: Timestamp.roundedToMilliseconds(trip.updateTime),
            assignTime: ms(trip.assignTime), arriveTime: ms(trip.arriveTime), startTime: ms(trip.startTime), endTime: ms(trip.endTime),
            passengerRateTime: ms(trip.passengerRateTime), driverRateTime: ms(trip.driverRateTime), version: trip.version)
    }

    @Test func theDatabaseEnforcesOneActiveTripPerPassengerAndOneTripPerQuote() async throws {
        try await withModule { module in
            let repository = module.trips.trips
            let database = module.databases.passenger
            let passenger = UUID()
            let first = try newTrip(passenger: passenger)
            _ = try await repository.insert(first, requestID: nil, requestHash: "h", on: database, logger: logger)
            await #expect(throws: TripsError.activeTripExists(nil)) {
                try await repository.insert(try newTrip(passenger: passenger), requestID: nil, requestHash: "h", on: database, logger: logger)
            }
            var reused = try newTrip()
            reused = Trip(id: UUID(), quote: first.quote, paymentMethod: nil, now: Date())
            await #expect(throws: TripsError.self) {
                try await repository.insert(reused, requestID: nil, requestHash: "h", on: database, logger: logger)
            }
            // A finished trip frees the passenger.
            _ = try await repository.update(first.id, on: database, writer: nil, idempotency: nil, logger: logger) { trip in
                try trip.cancel(by: .init(party: .passenger, userID: passenger), reason: nil, gracePeriod: 0, now: Date())
            }
            let next = try newTrip(passenger: passenger)
            #expect(try await repository.insert(next, requestID: nil, requestHash: "h", on: database, logger: logger) == next.id)
        }
    }

    @Test func eachAudienceRoleReachesOnlyItsOwnRatings() async throws {
        try await withModule { module in
            let driverRole = module.databases.driver.primary
            let passengerRole = module.databases.passenger.primary
            await #expect(throws: PSQLError.self) {
                try await driverRole.query("SELECT count(*) FROM passenger.ratings", logger: logger)
            }
            await #expect(throws: PSQLError.self) {
                try await passengerRole.query("SELECT count(*) FROM driver.ratings", logger: logger)
            }
            await #expect(throws: PSQLError.self) {
                try await module.databases.platform.primary.query("SELECT count(*) FROM passenger.ratings", logger: logger)
            }
            try await driverRole.query("SELECT count(*) FROM driver.ratings", logger: logger)
            try await passengerRole.query("SELECT count(*) FROM platform.trips", logger: logger)
        }
    }

    @Test func listsShowOnlyTheirScope() async throws {
        try await withModule { module in
            let repository = module.trips.trips
            let database = module.databases.platform
            let mine = try newTrip()
            let theirs = try newTrip()
            for trip in [mine, theirs] { _ = try await repository.insert(trip, requestID: nil, requestHash: "h", on: database, logger: logger) }
            let order = try OrderBy(nil, allowed: ["createTime"], defaultField: "createTime")
            let page = try await repository.list(
                scope: .passenger(mine.passengerID), filter: try Filter(nil), order: order, after: nil, limit: 10, on: database, reader: nil,
                logger: logger)
            #expect(page.map(\.id) == [mine.id])
            let none = try await repository.list(
                scope: .driver(UUID()), filter: try Filter(nil), order: order, after: nil, limit: 10, on: database, reader: nil, logger: logger)
            #expect(none.isEmpty)
        }
    }

    @Test func maintenanceCancelsAbandonedRequestsOnly() async throws {
        try await withModule { module in
            let repository = module.trips.trips
            let database = module.databases.platform
            let old = try newTrip(now: TripsClock().now().addingTimeInterval(-3600))
            let fresh = try newTrip()
            for trip in [old, fresh] { _ = try await repository.insert(trip, requestID: nil, requestHash: "h", on: database, logger: logger) }
            let maintenance = TripsMaintenance(
                trips: repository, databases: module.databases, abandonAfter: 300, interval: .seconds(60), clock: TripsClock(), logger: logger)
            #expect(try await maintenance.runOnce() >= 1)
            let stored = try #require(try await repository.trip(old.id, on: database, reader: nil, logger: logger))
            #expect(stored.state == .cancelled && stored.cancellation == .init(by: .system, reason: "REQUEST_ABANDONED", fee: nil))
            #expect(try await repository.trip(fresh.id, on: database, reader: nil, logger: logger)?.state == .requested)
        }
    }

    /// The trip row's version in PostgreSQL: a new one for every write, even of the same values.
    func rowVersion(_ id: UUID, on database: Database) async throws -> String {
        for try await version in try await database.primary.query(
            "SELECT xmin::text FROM platform.trips WHERE id = \(id)", logger: logger
        ).decode(String.self) { return version }
        throw TripsError.notFound("trips/\(id)")
    }

    /// A trip stored and moved on to DISPATCHING, as the request's own path leaves it.
    func dispatchingTrip(_ module: TripsModule, now: Date) async throws -> Trip {
        let trip = try newTrip()
        _ = try await module.trips.trips.insert(trip, requestID: nil, requestHash: "h", on: module.databases.platform, logger: logger)
        return try await module.trips.trips.update(trip.id, on: module.databases.platform, writer: nil, idempotency: nil, logger: logger) {
            try $0.startDispatching(now: now)
        }.trip
    }

    /// Payments' authorization as trips' receiver applies it: dispatching a trip still REQUESTED,
    /// nothing for one the request's own path has dispatched. Returns whether the event was new.
    func receivePaymentAuthorized(
        _ trip: Trip, module: TripsModule, lockOnlyToChange: Bool, now: Date
    ) async throws -> Bool {
        try await module.trips.trips.receive(
            eventID: UUID(), consumer: "test", trip: trip.id, on: module.databases.platform, lockOnlyToChange: lockOnlyToChange,
            logger: logger
        ) { $0.state == .requested ? try $0.startDispatching(now: now) : [] }
    }

    @Test func aChangeThatChangesNothingWritesNothing() async throws {
        try await withModule { module in
            let repository = module.trips.trips
            let database = module.databases.platform
            let now = TripsClock().now()
            let trip = try await dispatchingTrip(module, now: now)
            let dispatching = try await rowVersion(trip.id, on: database)
            // A retry of the same step, and an event whose work was done: both find nothing to do.
            _ = try await repository.update(trip.id, on: database, writer: nil, idempotency: nil, logger: logger) {
                $0.state == .requested ? try $0.startDispatching(now: now) : []
            }
            for lockOnlyToChange in [false, true] {
                #expect(try await receivePaymentAuthorized(trip, module: module, lockOnlyToChange: lockOnlyToChange, now: now))
            }
            #expect(try await rowVersion(trip.id, on: database) == dispatching)
        }
    }

    /// Payments' outcome usually arrives after the request's own path applied it; it must not queue
    /// behind whoever holds the trip (here: a transaction that keeps it locked until told to stop).
    @Test func anEventWithNothingToChangeDoesNotWaitForTheTripsLock() async throws {
        try await withModule { module in
            let database = module.databases.platform
            let now = TripsClock().now()
            let trip = try await dispatchingTrip(module, now: now)
            let (locked, lockedSignal) = AsyncStream<Void>.makeStream()
            let (stop, stopSignal) = AsyncStream<Void>.makeStream()
            let released = ReleaseFlag()
            let logger = logger
            let holder = Task {
                try await database.primary.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    try await connection.query("SELECT 1 FROM platform.trips WHERE id = \(trip.id) FOR UPDATE", logger: logger)
                    lockedSignal.yield()
                    // Until the test is done, or long enough that an event waiting for the lock is plain to see.
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { for await _ in stop { return } }
                        group.addTask { try? await Task.sleep(for: .seconds(10)) }
                        await group.next()
                        group.cancelAll()
                    }
                    await released.set()
                    try await connection.query("ROLLBACK", logger: logger)
                }
            }
            for await _ in locked { break }
            #expect(try await receivePaymentAuthorized(trip, module: module, lockOnlyToChange: true, now: now))
            #expect(!(await released.isSet), "the event waited for the lock on a trip it had nothing to change on")
            stopSignal.yield()
            try await holder.value
        }
    }
}

/// Whether a lock holder has let go.
private actor ReleaseFlag {
    private(set) var isSet = false
    func set() { isSet = true }
}
