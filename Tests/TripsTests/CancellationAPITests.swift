import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import PaymentsClient
import Synchronization
import Testing

@testable import Trips

/// Cancellation rules through HTTP: free, fee after the grace period, driver re-dispatch, admins.
@Suite struct CancellationAPITests {
    @Test func aPassengerCancelIsFreeUntilTheGracePeriodAfterAssignmentEnds() async throws {
        try await TripsTestPlatform.withAPI { context in
            let api = context.api
            let city = try await context.makeCity(cancellationFee: 500)
            let passenger = try await api.token(.passenger)

            let unassigned = try await context.requestTrip(city, passenger: passenger)
            let free = try await api.call(.post, "/v1/trips/\(unassigned):cancel", token: passenger, json: #"{"reason":"changed plans"}"#)
            #expect(free.string("state") == "CANCELLED" && free.value("cancellation", "cancelledBy") as? String == "PASSENGER")
            #expect(free.value("cancellation", "cancellationFee") == nil)

            let withinGrace = try await context.requestTrip(city, passenger: passenger)
            try await context.assign(trip: withinGrace, driver: UUID())
            context.clock.advance(100)
            let graceful = try await api.call(.post, "/v1/trips/\(withinGrace):cancel", token: passenger, json: "{}")
            #expect(graceful.string("state") == "CANCELLED" && graceful.value("cancellation", "cancellationFee") == nil)

            let late = try await context.requestTrip(city, passenger: passenger)
            try await context.assign(trip: late, driver: UUID())
            context.clock.advance(121)
            let charged = try await api.call(.post, "/v1/trips/\(late):cancel", token: passenger, json: "{}")
            #expect(charged.string("state") == "CANCELLED")
            #expect(charged.cents("cancellation", "cancellationFee") == 500, "\(charged.text)")
            #expect(charged.value("cancellation", "cancellationFee", "currencyCode") as? String == "USD")

            let again = try await api.call(.post, "/v1/trips/\(late):cancel", token: passenger, json: "{}")
            #expect(again.status == 400 && again.errorReason == "ILLEGAL_STATE_TRANSITION")
        }
    }

    @Test func aDriverCancelRedispatchesAndExcludesThatDriver() async throws {
        try await TripsTestPlatform.withAPI { context in
            let api = context.api
            let city = try await context.makeCity()
            let passenger = try await api.token(.passenger)
            let firstID = UUID()
            let first = try await api.token(.driver, userID: firstID)
            let trip = try await context.requestTrip(city, passenger: passenger)
            try await context.assign(trip: trip, driver: firstID)
            let cancelled = try await api.call(.post, "/v1/trips/\(trip):cancel", token: first, json: #"{"reason":"flat tyre"}"#)
            #expect(cancelled.status == 200 && cancelled.string("state") == "DISPATCHING", "\(cancelled.text)")
            #expect(cancelled.string("driver") == nil)
            // Once unassigned, the driver is no longer a party to the trip.
            #expect(try await api.call(.get, "/v1/trips/\(trip)", token: first).status == 403)
            // The same driver assigned again (a stale offer) is ignored; another driver is taken.
            try await context.assign(trip: trip, driver: firstID)
            #expect(try await context.state(of: trip, token: passenger) == "DISPATCHING")
            let secondID = UUID()
            try await context.assign(trip: trip, driver: secondID)
            let reassigned = try await api.call(.get, "/v1/trips/\(trip)", token: passenger)
            #expect(reassigned.string("state") == "DRIVER_ASSIGNED")
            #expect(reassigned.string("driver") == "drivers/\(secondID.uuidString.lowercased())")
            let events = try await TripsTestDatabase.eventTypes(of: trip, module: context.module)
            #expect(events.contains(TripsV1.TripRedispatched.eventType))
        }
    }

    @Test func anAdminCancelsAnyUnfinishedTripFreeOfCharge() async throws {
        try await TripsTestPlatform.withAPI { context in
            let api = context.api
            let city = try await context.makeCity()
            let passenger = try await api.token(.passenger)
            let driverID = UUID()
            let driver = try await api.token(.driver, userID: driverID)
            let trip = try await context.requestTrip(city, passenger: passenger)
            let pin = try await context.pin(of: trip, passenger: passenger)
            try await context.assign(trip: trip, driver: driverID)
            context.placeDriver(driverID, at: city)
            _ = try await api.call(.post, "/v1/trips/\(trip):arrive", token: driver, json: "{}")
            _ = try await api.call(.post, "/v1/trips/\(trip):start", token: driver, json: #"{"pin":"\#(pin)"}"#)
            context.clock.advance(3600)
            let byPassenger = try await api.call(.post, "/v1/trips/\(trip):cancel", token: passenger, json: "{}")
            #expect(byPassenger.status == 400 && byPassenger.errorReason == "ILLEGAL_STATE_TRANSITION")
            let byAdmin = try await api.call(
                .post, "/v1/trips/\(trip):cancel", token: try await context.adminToken(), json: #"{"reason":"safety"}"#)
            #expect(byAdmin.string("state") == "CANCELLED" && byAdmin.value("cancellation", "cancelledBy") as? String == "ADMIN")
            #expect(byAdmin.value("cancellation", "cancellationFee") == nil)
        }
    }

    @Test func unreachablePaymentsIs503AndTheSameRequestAgainGoesThrough() async throws {
        let payments = UnreachableThenApprovingAuthorizer(failures: 1)
        try await TripsTestPlatform.withAPI(payments: payments) { context in
            let city = try await context.makeCity()
            let passenger = try await context.api.token(.passenger, userID: UUID())
            let token = try await context.quoteToken(city, passenger: passenger)
            let path = "/v1/trips?requestId=\(UUID().uuidString.lowercased())"
            let first = try await context.api.call(.post, path, token: passenger, json: #"{"quoteToken":"\#(token)"}"#)
            #expect(first.status == 503 && first.errorReason == "PAYMENT_UNAVAILABLE", "\(first.text)")
            // The retry the 503 asks for: the same request, which now goes through, as one trip.
            let second = try await context.api.call(.post, path, token: passenger, json: #"{"quoteToken":"\#(token)"}"#)
            #expect(second.status == 200 && second.string("state") == "DISPATCHING", "\(second.text)")
            let list = try await context.api.call(.get, "/v1/trips", token: passenger)
            #expect((list["trips"] as? [[String: Any]])?.count == 1)
            #expect(payments.calls.withLock { $0 } == 2)
        }
    }

    @Test func aDeclinedPaymentCancelsTheTripAndFailsTheRequest() async throws {
        try await TripsTestPlatform.withAPI(payments: DecliningAuthorizer()) { context in
            let city = try await context.makeCity()
            let passengerID = UUID()
            let passenger = try await context.api.token(.passenger, userID: passengerID)
            let token = try await context.quoteToken(city, passenger: passenger)
            let reply = try await context.api.call(.post, "/v1/trips", token: passenger, json: #"{"quoteToken":"\#(token)"}"#)
            #expect(reply.status == 400 && reply.errorReason == "PAYMENT_DECLINED", "\(reply.text)")
            let list = try await context.api.call(.get, "/v1/trips", token: passenger)
            let trips = list["trips"] as? [[String: Any]] ?? []
            #expect(trips.count == 1)
            #expect(trips.first?["state"] as? String == "CANCELLED")
            #expect((trips.first?["cancellation"] as? [String: Any])?["reason"] as? String == "PAYMENT_DECLINED")
            // The passenger is free to try again: the declined trip is not active.
            let retry = try await context.quoteToken(city, passenger: passenger)
            let second = try await context.api.call(.post, "/v1/trips", token: passenger, json: #"{"quoteToken":"\#(retry)"}"#)
            #expect(second.errorReason == "PAYMENT_DECLINED")
        }
    }
}

/// Payments that does not answer the first `failures` calls (a restart, a network cut), then approves.
final class UnreachableThenApprovingAuthorizer: PaymentAuthorizer {
    let failuresLeft: Mutex<Int>
    let calls = Mutex(0)

    init(failures: Int) { failuresLeft = Mutex(failures) }

    func authorize(_ request: PaymentAuthorizationRequest) async throws -> PaymentAuthorization {
        calls.withLock { $0 += 1 }
        let fail = failuresLeft.withLock { left in
            defer { left -= 1 }
            return left > 0
        }
        if fail { throw URLError(.cannotConnectToHost) }
        return .approved
    }
}

struct DecliningAuthorizer: PaymentAuthorizer {
    func authorize(_ request: PaymentAuthorizationRequest) async throws -> PaymentAuthorization { .declined(reason: "INSUFFICIENT_FUNDS") }
}
