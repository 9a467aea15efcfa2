import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import Trips

/// The pickup PIN: the passenger's secret, checked near the pickup, with limited attempts.
@Suite struct PickupPINAPITests {
    /// A trip whose driver has arrived; returns the trip id, driver token and PIN.
    func arrivedTrip(_ context: TripsTestPlatform.Context, city: TripsTestPlatform.Context.TestCity, driverID: UUID) async throws
        -> (trip: String, driver: String, pin: String)
    {
        let passenger = try await context.api.token(.passenger)
        let driver = try await context.api.token(.driver, userID: driverID)
        let trip = try await context.requestTrip(city, passenger: passenger)
        let pin = try await context.pin(of: trip, passenger: passenger)
        try await context.assign(trip: trip, driver: driverID)
        let arrived = try await context.api.call(.post, "/v1/trips/\(trip):arrive", token: driver, json: "{}")
        guard arrived.string("state") == "DRIVER_ARRIVED" else { throw TestFailure("arrive: \(arrived.text)") }
        return (trip, driver, pin)
    }

    @Test func wrongPINsCountDownThenTheTripCannotStart() async throws {
        try await TripsTestPlatform.withAPI(settings: ["curbside.trips.pin_max_attempts": "3"]) { context in
            let city = try await context.makeCity()
            let driverID = UUID()
            let ride = try await arrivedTrip(context, city: city, driverID: driverID)
            context.placeDriver(driverID, at: city, northMeters: 100)
            let wrong = ride.pin == "0000" ? "0001" : "0000"
            for remaining in [2, 1, 0] {
                let reply = try await context.api.call(.post, "/v1/trips/\(ride.trip):start", token: ride.driver, json: #"{"pin":"\#(wrong)"}"#)
                #expect(reply.status == 400 && reply.errorReason == "INVALID_PIN")
                #expect(reply.value("error", "details") != nil)
                let metadata = ((reply.value("error", "details") as? [[String: Any]])?.first?["metadata"] as? [String: String])
                #expect(metadata?["remainingAttempts"] == "\(remaining)")
            }
            let right = try await context.api.call(.post, "/v1/trips/\(ride.trip):start", token: ride.driver, json: #"{"pin":"\#(ride.pin)"}"#)
            #expect(right.status == 400 && right.errorReason == "PIN_ATTEMPTS_EXCEEDED")
        }
    }

    @Test func theDriverMustBeNearThePickup() async throws {
        try await TripsTestPlatform.withAPI { context in
            let city = try await context.makeCity()
            let driverID = UUID()
            let ride = try await arrivedTrip(context, city: city, driverID: driverID)
            let unknown = try await context.api.call(.post, "/v1/trips/\(ride.trip):start", token: ride.driver, json: #"{"pin":"\#(ride.pin)"}"#)
            #expect(unknown.status == 400 && unknown.errorReason == "DRIVER_NOT_NEAR_PICKUP")
            context.placeDriver(driverID, at: city, northMeters: 450)
            let far = try await context.api.call(.post, "/v1/trips/\(ride.trip):start", token: ride.driver, json: #"{"pin":"\#(ride.pin)"}"#)
            #expect(far.status == 400 && far.errorReason == "DRIVER_NOT_NEAR_PICKUP")
            context.placeDriver(driverID, at: city, northMeters: 150)
            context.clock.advance(180)
            let stale = try await context.api.call(.post, "/v1/trips/\(ride.trip):start", token: ride.driver, json: #"{"pin":"\#(ride.pin)"}"#)
            #expect(stale.status == 400 && stale.errorReason == "DRIVER_NOT_NEAR_PICKUP", "an old position does not count")
            context.clock.advance(-180)
            let near = try await context.api.call(.post, "/v1/trips/\(ride.trip):start", token: ride.driver, json: #"{"pin":"\#(ride.pin)"}"#)
            #expect(near.string("state") == "IN_PROGRESS", "\(near.text)")
        }
    }

    @Test func aRetriedStartWithTheSameRequestIDHasOneEffect() async throws {
        try await TripsTestPlatform.withAPI { context in
            let city = try await context.makeCity()
            let driverID = UUID()
            let ride = try await arrivedTrip(context, city: city, driverID: driverID)
            context.placeDriver(driverID, at: city)
            let requestID = UUID().uuidString
            let wrong = ride.pin == "0000" ? "0001" : "0000"
            for _ in 0..<3 {
                let reply = try await context.api.call(
                    .post, "/v1/trips/\(ride.trip):start", token: ride.driver, json: #"{"pin":"\#(wrong)","requestId":"\#(requestID)"}"#)
                #expect(reply.errorReason == "INVALID_PIN")
            }
            // One attempt was used, not three.
            let trip = try #require(
                try await context.module.trips.trips.trip(
                    UUID(uuidString: ride.trip)!, on: context.module.databases.platform, reader: nil, logger: TripsTestPlatform.logger))
            #expect(trip.pinAttempts == 1)
        }
    }
}
