import CurbsideCore
import CurbsideTesting
import DispatchClient
import Foundation
import IntegrationEvents
import Testing

@testable import Trips

/// The whole ride through HTTP: estimate, request, assignment (delivered as dispatch's event),
/// arrival, PIN start, completion with the trail, ratings, history.
@Suite struct TripFlowAPITests {
    @Test func aRideFromEstimateToRatings() async throws {
        try await TripsTestPlatform.withAPI { context in
            let api = context.api
            let city = try await context.makeCity()
            let passengerID = UUID()
            let driverID = UUID()
            let passenger = try await api.token(.passenger, userID: passengerID)
            let driver = try await api.token(.driver, userID: driverID)
            let admin = try await context.adminToken()
            context.dispatch.update { $0.surgeHundredths = 150 }

            let estimate = try await context.estimate(city, passenger: passenger)
            #expect(estimate.status == 200, "\(estimate.text)")
            #expect(estimate.string("city") == "cities/\(city.id)")
            #expect(estimate.value("surgeMultiplier") as? Double == 1.5)
            #expect(estimate.value("pickupEta") as? String == "180s")
            #expect(estimate.value("pricingRuleRevision") as? Int == 1)
            let total = try #require(estimate.cents("fare", "total"))
            let parts = ["baseFare", "distanceCharge", "timeCharge", "surgeCharge", "bookingFee", "minimumFareAdjustment"]
            #expect(parts.compactMap { estimate.cents("fare", $0) }.reduce(0, +) == total)
            let token = try #require(estimate.string("quoteToken"))

            let created = try await api.call(
                .post, "/v1/trips", token: passenger, json: #"{"quoteToken":"\#(token)","paymentMethod":"pm_visa"}"#)
            #expect(created.status == 200, "\(created.text)")
            #expect(created.string("state") == "DISPATCHING")
            #expect(created.string("passenger") == "users/\(passengerID.uuidString.lowercased())")
            #expect(created.string("paymentMethod") == "pm_visa")
            #expect(created.cents("quotedFare", "total") == total)
            let trip = try #require(created.string("uid"))
            let pin = try #require(created.string("pickupPin"))

            // The driver is not a party until dispatch assigns them.
            #expect(try await api.call(.get, "/v1/trips/\(trip)", token: driver).status == 403)
            try await context.assign(trip: trip, driver: driverID)
            let assigned = try await api.call(.get, "/v1/trips/\(trip)", token: driver)
            #expect(assigned.status == 200)
            #expect(assigned.string("state") == "DRIVER_ASSIGNED")
            #expect(assigned.value("vehicle", "make") as? String == "Toyota")
            #expect(assigned.string("pickupEta") == "240s")
            #expect(assigned.string("pickupPin") == nil)

            let arrived = try await api.call(
                .post, "/v1/trips/\(trip):arrive", token: driver, json: #"{"etag":"\#(assigned.string("etag") ?? "")"}"#)
            #expect(arrived.string("state") == "DRIVER_ARRIVED", "\(arrived.text)")

            context.placeDriver(driverID, at: city, northMeters: 50)
            let started = try await api.call(.post, "/v1/trips/\(trip):start", token: driver, json: #"{"pin":"\#(pin)"}"#)
            #expect(started.string("state") == "IN_PROGRESS", "\(started.text)")

            let estimatedSeconds = Int((created.value("quotedFare", "duration") as? String ?? "0s").dropLast()) ?? 0
            context.dispatch.update {
                $0.trails[UUID(uuidString: trip)!] = TripTrail(distanceMeters: 2900, durationSeconds: estimatedSeconds + 10, pointCount: 40)
            }
            let completed = try await api.call(.post, "/v1/trips/\(trip):complete", token: driver, json: "{}")
            #expect(completed.string("state") == "COMPLETED", "\(completed.text)")
            #expect(completed.value("receipt", "source") as? String == "TRAIL")
            #expect(completed.value("receipt", "fare", "distanceMeters") as? Int == 2900)
            #expect(completed.value("receipt", "fare", "surgeMultiplier") as? Double == 1.5)

            let rateDriver = try await api.call(
                .post, "/v1/trips/\(trip):rate", token: passenger, json: #"{"stars":5,"comment":"smooth ride"}"#)
            #expect(rateDriver.status == 200 && rateDriver.value("passengerRated") as? Bool == true, "\(rateDriver.text)")
            let ratePassenger = try await api.call(.post, "/v1/trips/\(trip):rate", token: driver, json: #"{"stars":4}"#)
            #expect(ratePassenger.status == 200, "\(ratePassenger.text)")
            let again = try await api.call(.post, "/v1/trips/\(trip):rate", token: passenger, json: #"{"stars":1}"#)
            #expect(try await api.call(.post, "/v1/trips/\(trip):rate", token: admin, json: #"{"stars":1}"#).status == 403)
            #expect(again.status == 400 && again.errorReason == "ALREADY_RATED")

            let driverRating = try await api.call(.get, "/v1/drivers/\(driverID.uuidString.lowercased())/rating", token: passenger)
            #expect(driverRating.value("averageStars") as? Double == 5 && driverRating.value("ratingCount") as? Int == 1)
            let passengerRating = try await api.call(.get, "/v1/passengers/me/rating", token: passenger)
            #expect(passengerRating.value("averageStars") as? Double == 4, "\(passengerRating.text)")

            for token in [passenger, driver, admin] {
                let list = try await api.call(.get, "/v1/trips?filter=state%20%3D%20%22COMPLETED%22", token: token)
                let names = (list["trips"] as? [[String: Any]] ?? []).compactMap { $0["uid"] as? String }
                #expect(names.contains(trip), "\(list.text)")
            }
        }
    }

    @Test func ratingsCloseAfterTheWindow() async throws {
        try await TripsTestPlatform.withAPI(settings: ["curbside.trips.rating_window_seconds": "3600"]) { context in
            let city = try await context.makeCity()
            let passenger = try await context.api.token(.passenger)
            let driverID = UUID()
            let driver = try await context.api.token(.driver, userID: driverID)
            let trip = try await context.requestTrip(city, passenger: passenger)
            let pin = try await context.pin(of: trip, passenger: passenger)
            try await context.assign(trip: trip, driver: driverID)
            context.placeDriver(driverID, at: city)
            _ = try await context.api.call(.post, "/v1/trips/\(trip):arrive", token: driver, json: "{}")
            _ = try await context.api.call(.post, "/v1/trips/\(trip):start", token: driver, json: #"{"pin":"\#(pin)"}"#)
            _ = try await context.api.call(.post, "/v1/trips/\(trip):complete", token: driver, json: "{}")
            context.clock.advance(3601)
            let late = try await context.api.call(.post, "/v1/trips/\(trip):rate", token: passenger, json: #"{"stars":5}"#)
            #expect(late.status == 400 && late.errorReason == "RATING_WINDOW_CLOSED", "\(late.text)")
        }
    }

    @Test func aCompletionWithoutATrailChargesTheEstimate() async throws {
        try await TripsTestPlatform.withAPI { context in
            let city = try await context.makeCity()
            let passenger = try await context.api.token(.passenger)
            let driverID = UUID()
            let driver = try await context.api.token(.driver, userID: driverID)
            let trip = try await context.requestTrip(city, passenger: passenger)
            let pin = try await context.pin(of: trip, passenger: passenger)
            try await context.assign(trip: trip, driver: driverID)
            context.placeDriver(driverID, at: city)
            _ = try await context.api.call(.post, "/v1/trips/\(trip):arrive", token: driver, json: "{}")
            _ = try await context.api.call(.post, "/v1/trips/\(trip):start", token: driver, json: #"{"pin":"\#(pin)"}"#)
            context.dispatch.update { $0.trailFails = true }
            let completed = try await context.api.call(.post, "/v1/trips/\(trip):complete", token: driver, json: "{}")
            #expect(completed.string("state") == "COMPLETED")
            #expect(completed.value("receipt", "source") as? String == "ESTIMATE")
            #expect(completed.cents("receipt", "fare", "total") == completed.cents("quotedFare", "total"))
        }
    }

    @Test func dispatchDownStillGivesAQuoteWithoutSurge() async throws {
        try await TripsTestPlatform.withAPI(settings: ["curbside.trips.dispatch_timeout_ms": "200"]) { context in
            let city = try await context.makeCity()
            let passenger = try await context.api.token(.passenger)
            context.dispatch.update {
                $0.surgeHundredths = 300
                $0.zoneDelay = .seconds(2)
            }
            let slow = try await context.estimate(city, passenger: passenger)
            #expect(slow.status == 200 && slow.value("surgeMultiplier") as? Double == 1.0)
            #expect(slow.string("pickupEta") == "300s")
            context.dispatch.update {
                $0.zoneDelay = nil
                $0.zoneFails = true
            }
            let failing = try await context.estimate(city, passenger: passenger)
            #expect(failing.status == 200 && failing.value("surgeMultiplier") as? Double == 1.0)
        }
    }
}
