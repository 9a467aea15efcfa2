import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Testing

@testable import DispatchService

@Suite struct MatchingFlowTests {
    @Test func aRequestedTripIsOfferedToTheNearestDriverOnceEvenIfRedelivered() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let area = DispatchTestPlatform.randomArea()
            let near = UUID()
            let far = UUID()
            try await api.goOnline(near, at: area.north(200))
            try await api.goOnline(far, at: area.north(1800))
            let event = TripEvents.requested(at: area)
            let envelope = try TripEvents.envelope(event)
            try await module.receiver.receive(envelope)
            try await module.receiver.receive(envelope)
            #expect(try await api.openOffers(near).count == 1)
            #expect(try await api.openOffers(far).isEmpty)
            let trip = try #require(event.trip.split(separator: "/").last)
            #expect(try await module.count("SELECT count(*)::int8 FROM platform.offers WHERE trip_id = '\(trip)'") == 1)
            #expect(try await module.count("SELECT count(*)::int8 FROM platform.jobs WHERE trip_id = '\(trip)'") == 1)
        }
    }

    @Test func onlyTheOfferedDriverMayAnswerAndDeclineMovesToTheNext() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let area = DispatchTestPlatform.randomArea()
            let first = UUID()
            let second = UUID()
            try await api.goOnline(first, at: area.north(100))
            try await api.goOnline(second, at: area.north(1500))
            try await module.deliver(TripEvents.requested(at: area))
            let offer = try #require(try await api.openOffers(first).first)
            #expect(try await api.answer(offer, "accept", as: second).status == 403)
            #expect(try await api.answer(offer, "decline", as: second).status == 403)
            let passenger = try await api.call(.post, "/v1/\(offer):accept", token: try await api.token(.passenger), json: "{}")
            #expect(passenger.status == 403)
            let declined = try await api.answer(offer, "decline", as: first)
            #expect(declined.status == 200)
            #expect(declined.string("state") == "DECLINED")
            let next = try #require(try await api.openOffers(second).first)
            let accepted = try await api.answer(next, "accept", as: second)
            #expect(accepted.status == 200, "\(accepted.text)")
            #expect(accepted.string("state") == "ACCEPTED")
            #expect(try await api.answer(next, "accept", as: second).status == 200)
            let token = try await api.driverToken(second)
            #expect(try await api.call(.get, "/v1/drivers/me/availability", token: token).string("state") == "ON_TRIP")
            #expect(try await api.call(.post, "/v1/drivers/me:goOffline", token: token, json: "{}").errorReason == "DRIVER_ON_TRIP")
            #expect(try await api.answer(offer, "accept", as: first).errorReason == "OFFER_DECLINED")
        }
    }

    @Test func thePassengerOfTheTripSeesTheDriverAndOthersDoNot() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let area = DispatchTestPlatform.randomArea()
            let driver = UUID()
            let passenger = UUID()
            try await api.goOnline(driver, at: area.north(300))
            let event = TripEvents.requested(passenger: passenger, at: area)
            try await module.deliver(event)
            let path = "/v1/\(event.trip)/driverLocation"
            #expect(try await api.call(.get, path, token: try await api.token(.passenger, userID: passenger)).status == 404)
            let offer = try #require(try await api.openOffers(driver).first)
            #expect(try await api.answer(offer, "accept", as: driver).status == 200)
            let seen = try await api.call(.get, path, token: try await api.token(.passenger, userID: passenger))
            #expect(seen.status == 200, "\(seen.text)")
            #expect(seen.string("driver") == "drivers/\(driver.uuidString.lowercased())")
            #expect(try await api.call(.get, path, token: try await api.token(.passenger)).status == 403)
            #expect(try await api.call(.get, path, token: try await api.token(.admin)).status == 200)

            // On the trip, reports make a trail; completion frees the driver.
            let start = Date()
            for step in 1...4 {
                try await api.report(driver, at: area.north(Double(step) * 100), time: start.addingTimeInterval(Double(step) * 0.01))
            }
            let trail = try await api.call(
                .get, "/v1/\(event.trip)/trail?startTime=\(Timestamp.format(start.addingTimeInterval(-1)))", token: try await api.serviceToken())
            #expect(trail.status == 200, "\(trail.text)")
            #expect(trail["pointCount"] as? Int ?? 0 >= 1)
            try await module.deliver(
                TripsV1.TripCompleted(
                    trip: event.trip, passenger: event.passenger, driver: "drivers/\(driver.uuidString.lowercased())", city: "cities/test",
                    vehicleClass: "ECONOMY", fare: MoneyAmount(currencyCode: "USD", minorUnits: 1000), distanceMeters: 400,
                    durationSeconds: 60, completeTime: Date()))
            let state = try await api.call(.get, "/v1/drivers/me/availability", token: try await api.driverToken(driver)).string("state")
            #expect(state == "ONLINE")
        }
    }

    @Test func aCancelledTripWithdrawsItsOfferAndAcceptIsRefusedWithTheReason() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let area = DispatchTestPlatform.randomArea()
            let driver = UUID()
            try await api.goOnline(driver, at: area.north(100))
            let event = TripEvents.requested(at: area)
            try await module.deliver(event)
            let offer = try #require(try await api.openOffers(driver).first)
            try await module.deliver(TripEvents.cancelled(event.trip, passenger: event.passenger))
            #expect(try await api.openOffers(driver).isEmpty)
            #expect(try await api.answer(offer, "accept", as: driver).errorReason == "TRIP_CANCELLED")
        }
    }

    @Test func anAcceptAfterExpiryIsRefused() async throws {
        try await DispatchTestPlatform.withModule(settings: ["curbside.dispatch.offer_timeout_seconds": "1"]) { api, module in
            let area = DispatchTestPlatform.randomArea()
            let driver = UUID()
            try await api.goOnline(driver, at: area.north(100))
            try await module.deliver(TripEvents.requested(at: area))
            let offer = try #require(try await api.openOffers(driver).first)
            try await Task.sleep(for: .milliseconds(1100))
            let reply = try await api.answer(offer, "accept", as: driver)
            #expect(reply.status == 400)
            #expect(reply.errorReason == "OFFER_EXPIRED")
        }
    }
}
