import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Testing

@testable import DispatchService

@Suite struct DriverEventTests {
    @Test func aSuspendedDriverGoesOfflineAndTheirOfferMovesOn() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let area = DispatchTestPlatform.randomArea()
            let suspended = UUID()
            let other = UUID()
            try await api.goOnline(suspended, at: area.north(100))
            try await api.goOnline(other, at: area.north(700))
            try await module.deliver(TripEvents.requested(at: area))
            #expect(try await api.openOffers(suspended).count == 1)
            try await module.deliver(
                UsersV1.DriverSuspended(driver: "drivers/\(suspended.uuidString.lowercased())", reason: "test", suspendTime: Date()))
            #expect(try await api.openOffers(suspended).isEmpty)
            #expect(try await api.openOffers(other).count == 1)
            let state = try await api.call(.get, "/v1/drivers/me/availability", token: try await api.driverToken(suspended)).string("state")
            #expect(state == "OFFLINE")
        }
    }

    @Test func aRedispatchedTripFreesTheDriverAndSkipsTheExcluded() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let area = DispatchTestPlatform.randomArea()
            let first = UUID()
            let second = UUID()
            try await api.goOnline(first, at: area.north(100))
            try await api.goOnline(second, at: area.north(1500))
            let event = TripEvents.requested(at: area)
            try await module.deliver(event)
            let offer = try #require(try await api.openOffers(first).first)
            #expect(try await api.answer(offer, "accept", as: first).status == 200)
            let firstName = "drivers/\(first.uuidString.lowercased())"
            try await module.deliver(
                TripsV1.TripRedispatched(
                    trip: event.trip, passenger: event.passenger, vehicleClass: "ECONOMY", pickup: event.pickup, dropoff: event.dropoff,
                    previousDriver: firstName, excludedDrivers: [firstName], reason: "car trouble", redispatchTime: Date()))
            let state = try await api.call(.get, "/v1/drivers/me/availability", token: try await api.driverToken(first)).string("state")
            #expect(state == "ONLINE")
            #expect(try await api.openOffers(first).isEmpty)
            let next = try #require(try await api.openOffers(second).first)
            #expect(try await api.answer(next, "accept", as: second).status == 200)
        }
    }
}
