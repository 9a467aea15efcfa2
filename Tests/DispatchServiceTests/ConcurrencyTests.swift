import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Testing

@testable import DispatchService

@Suite struct ConcurrencyTests {
    @Test func manyConcurrentAcceptsOfOneOfferAssignOnce() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let area = DispatchTestPlatform.randomArea()
            let driver = UUID()
            try await api.goOnline(driver, at: area.north(100))
            let event = TripEvents.requested(at: area)
            try await module.deliver(event)
            let offer = try #require(try await api.openOffers(driver).first)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<12 { group.addTask { try await api.answer(offer, "accept", as: driver).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(
                try await module.count(
                    "SELECT count(*)::int8 FROM platform.outbox WHERE type = 'dispatch.v1.DriverAssigned' AND aggregateid = '\(event.trip)'")
                    == 1)
        }
    }

    @Test func aCancellationRacingAnAcceptLeavesOneConsistentOutcome() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            for _ in 0..<5 {
                let area = DispatchTestPlatform.randomArea()
                let driver = UUID()
                try await api.goOnline(driver, at: area.north(100))
                let event = TripEvents.requested(at: area)
                try await module.deliver(event)
                let offer = try #require(try await api.openOffers(driver).first)
                async let accepted = api.answer(offer, "accept", as: driver)
                async let cancelled: Void = module.deliver(TripEvents.cancelled(event.trip, passenger: event.passenger))
                let reply = try await accepted
                try await cancelled
                #expect(reply.status == 200 || reply.errorReason == "TRIP_CANCELLED")
                // Whatever won, the trip ends cancelled and the driver is free.
                let state = try await api.call(.get, "/v1/drivers/me/availability", token: try await api.driverToken(driver)).string("state")
                #expect(state == "ONLINE")
                let trip = try #require(event.trip.split(separator: "/").last)
                #expect(try await module.count("SELECT count(*)::int8 FROM platform.jobs WHERE trip_id = '\(trip)' AND state = 'CANCELLED'") == 1)
                #expect(try await module.count("SELECT count(*)::int8 FROM platform.offers WHERE trip_id = '\(trip)' AND state = 'OPEN'") == 0)
            }
        }
    }
}
