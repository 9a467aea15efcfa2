import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import DispatchService

@Suite struct AvailabilityAPITests {
    @Test func anEligibleDriverGoesOnlineAndOffline() async throws {
        try await DispatchTestPlatform.withModule { api, _ in
            let driver = UUID()
            let online = try await api.goOnline(driver, at: DispatchTestPlatform.randomArea())
            #expect(online.status == 200, "\(online.text)")
            #expect(online.string("state") == "ONLINE")
            #expect(online.string("vehicleClass") == "ECONOMY")
            let token = try await api.driverToken(driver)
            let id = driver.uuidString.lowercased()
            #expect(try await api.call(.get, "/v1/drivers/\(id)/availability", token: token).string("state") == "ONLINE")
            let offline = try await api.call(.post, "/v1/drivers/me:goOffline", token: token, json: "{}")
            #expect(offline.status == 200)
            #expect(offline.string("state") == "OFFLINE")
        }
    }

    @Test func anIneligibleDriverIsRefusedWithTheReasons() async throws {
        let driver = UUID()
        try await DispatchTestPlatform.withModule(directory: FakeDirectory(ineligible: [driver])) { api, _ in
            let reply = try await api.goOnline(driver, at: DispatchTestPlatform.randomArea())
            #expect(reply.status == 400)
            #expect(reply.errorReason == "DRIVER_NOT_ELIGIBLE")
            #expect(reply.text.contains("DRIVER_NOT_APPROVED"))
        }
    }

    @Test func aDriverCannotActForAnotherDriver() async throws {
        try await DispatchTestPlatform.withModule { api, _ in
            let other = UUID().uuidString.lowercased()
            let token = try await api.driverToken(UUID())
            let reply = try await api.call(
                .post, "/v1/drivers/\(other):goOnline", token: token,
                json: #"{"vehicle":"drivers/\#(other)/vehicles/\#(UUID())","location":{"latitude":1,"longitude":1}}"#)
            #expect(reply.status == 403)
            #expect(try await api.call(.get, "/v1/drivers/\(other)/availability", token: token).status == 403)
            let passenger = try await api.token(.passenger)
            #expect(try await api.call(.get, "/v1/drivers/\(other)/availability", token: passenger).status == 403)
        }
    }

    @Test func silentDriversBecomeStaleAndAFreshReportBringsThemBack() async throws {
        try await DispatchTestPlatform.withModule(settings: ["curbside.dispatch.stale_after_seconds": "1"]) { api, _ in
            let driver = UUID()
            let area = DispatchTestPlatform.randomArea()
            try await api.goOnline(driver, at: area)
            try await Task.sleep(for: .milliseconds(1300))
            let token = try await api.driverToken(driver)
            #expect(try await api.call(.get, "/v1/drivers/me/availability", token: token).string("state") == "STALE")
            #expect(try await api.report(driver, at: area.north(10)).status == 200)
            #expect(try await api.call(.get, "/v1/drivers/me/availability", token: token).string("state") == "ONLINE")
        }
    }
}
