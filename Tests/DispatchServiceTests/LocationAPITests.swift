import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import DispatchService

@Suite struct LocationAPITests {
    @Test func reportsAreValidatedAndOutOfOrderOnesIgnored() async throws {
        try await DispatchTestPlatform.withModule { api, _ in
            let driver = UUID()
            let area = DispatchTestPlatform.randomArea()
            #expect(try await api.report(driver, at: area).errorReason == "DRIVER_NOT_ONLINE")
            try await api.goOnline(driver, at: area)
            let now = Date()
            let kept = try await api.report(driver, at: area.north(50), time: now, extra: #","headingDegrees":90,"speedMetersPerSecond":4"#)
            #expect(kept.status == 200)
            #expect(kept["accepted"] as? Bool == true)
            let older = try await api.report(driver, at: area.north(900), time: now.addingTimeInterval(-5))
            #expect(older.status == 200)
            #expect(older["accepted"] as? Bool == false)
            #expect(try await api.report(driver, at: area, time: now.addingTimeInterval(60)).errorReason == "RECORD_TIME_IN_FUTURE")
            #expect(try await api.report(driver, at: area, time: now.addingTimeInterval(-600)).errorReason == "RECORD_TIME_TOO_OLD")
            #expect(try await api.report(driver, at: area, extra: #","headingDegrees":400"#).status == 400)
            #expect(try await api.report(driver, at: Coordinate(latitude: 95, longitude: 0)).errorReason == "INVALID_COORDINATES")

            let location = try await api.call(
                .get, "/v1/drivers/\(driver.uuidString.lowercased())/location", token: try await api.driverToken(driver))
            #expect(location.status == 200)
            let latitude = try #require((location["location"] as? [String: Any])?["latitude"] as? Double)
            #expect(abs(latitude - area.north(50).latitude) < 1e-9)
            #expect(location["headingDegrees"] as? Double == 90)
            let service = try await api.serviceToken()
            #expect(try await api.call(.get, "/v1/drivers/\(driver.uuidString.lowercased())/location", token: service).status == 200)
            let someoneElse = try await api.driverToken(UUID())
            #expect(try await api.call(.get, "/v1/drivers/\(driver.uuidString.lowercased())/location", token: someoneElse).status == 403)
        }
    }

    @Test func passengersSeeHowManyDriversAreNearButNotWho() async throws {
        try await DispatchTestPlatform.withModule { api, _ in
            let area = DispatchTestPlatform.randomArea()
            let drivers = [UUID(), UUID(), UUID()]
            for (index, driver) in drivers.enumerated() { try await api.goOnline(driver, at: area.north(Double(index) * 300 + 123)) }
            try await api.goOnline(UUID(), at: area.north(20_000))
            let query = "/v1/nearbyDrivers?latitude=\(area.latitude)&longitude=\(area.longitude)&radiusMeters=2000&vehicleClass=ECONOMY"
            let passenger = try await api.call(.get, query, token: try await api.token(.passenger))
            #expect(passenger.status == 200, "\(passenger.text)")
            #expect(passenger["count"] as? Int == 3)
            let seen = try #require(passenger["drivers"] as? [[String: Any]])
            #expect(seen.count == 3)
            #expect(seen.allSatisfy { $0["driver"] == nil })
            #expect(!passenger.text.contains(drivers[0].uuidString.lowercased()))
            let admin = try await api.call(.get, query, token: try await api.token(.admin))
            let names = Set(((admin["drivers"] as? [[String: Any]]) ?? []).compactMap { $0["driver"] as? String })
            #expect(names == Set(drivers.map { "drivers/\($0.uuidString.lowercased())" }))
            #expect(try await api.call(.get, query, token: try await api.driverToken(UUID())).status == 403)
            #expect(
                try await api.call(.get, "/v1/nearbyDrivers?latitude=1&longitude=1&radiusMeters=999999", token: try await api.token(.admin)).status
                    == 400)
        }
    }

    @Test func zoneLookupReportsSupplyAndPickupETA() async throws {
        try await DispatchTestPlatform.withModule { api, _ in
            let area = DispatchTestPlatform.randomArea()
            try await api.goOnline(UUID(), at: area.north(833))
            let reply = try await api.call(
                .get, "/v1/zones:lookup?latitude=\(area.latitude)&longitude=\(area.longitude)&vehicleClass=ECONOMY",
                token: try await api.serviceToken())
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply["availableDrivers"] as? Int == 1)
            #expect(reply["surgeMultiplier"] as? Int == 100)
            // 833 m straight line × 1.3 road factor at 8.33 m/s ≈ 130 s (PostGIS measures on the spheroid).
            let eta = try #require(reply.string("pickupEta").flatMap { Int($0.dropLast()) })
            #expect((125...135).contains(eta))
            #expect(reply.string("zone")?.hasPrefix("zones/") == true)
        }
    }
}
