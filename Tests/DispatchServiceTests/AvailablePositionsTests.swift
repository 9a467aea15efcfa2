import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import DispatchService

/// `driver_positions.available`, the copy of "online and not on a trip" that nearby search and
/// matching read through a partial index: kept by triggers in the transaction that changes `drivers`.
@Suite struct AvailablePositionsTests {
    @Test func thePositionRowFollowsTheDriverThroughOnlineTripAndOffline() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let area = DispatchTestPlatform.randomArea()
            let driver = UUID()
            let id = driver.uuidString.lowercased()
            @Sendable func available() async throws -> Int {
                try await module.count("SELECT count(*)::int8 FROM platform.driver_positions WHERE driver_id = '\(id)' AND available")
            }
            @Sendable func nearbyCount() async throws -> Int? {
                let reply = try await api.call(
                    .get, "/v1/nearbyDrivers?latitude=\(area.latitude)&longitude=\(area.longitude)&radiusMeters=1000",
                    token: try await api.token(.passenger))
                return reply["count"] as? Int
            }

            try await api.goOnline(driver, at: area.north(100))
            #expect(try await available() == 1)
            #expect(try await nearbyCount() == 1)

            try await module.deliver(TripEvents.requested(at: area))
            let offer = try #require(try await api.openOffers(driver).first)
            #expect(try await api.answer(offer, "accept", as: driver).status == 200)
            #expect(try await available() == 0)
            #expect(try await nearbyCount() == 0)

            // The trip ends (as TripCompleted does it): available again.
            #expect(
                try await module.count(
                    "WITH freed AS (UPDATE platform.drivers SET current_trip = NULL WHERE driver_id = '\(id)' RETURNING 1) SELECT count(*)::int8 FROM freed"
                ) == 1)
            #expect(try await available() == 1)

            let token = try await api.driverToken(driver)
            #expect(try await api.call(.post, "/v1/drivers/me:goOffline", token: token, json: "{}").status == 200)
            #expect(try await available() == 0)
            #expect(try await nearbyCount() == 0)

            // Back online: the existing position row is updated, not re-inserted.
            try await api.goOnline(driver, at: area.north(50))
            #expect(try await available() == 1)
        }
    }
}
