import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import Users

@Suite struct DriverOnboardingAPITests {
    func plate() -> String { "T" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(7)) }

    @Test func aDriverBecomesEligibleOnlyWhenEveryConditionHolds() async throws {
        try await TestPlatform.withAPI { api, module in
            let driver = try await api.newSession(role: "DRIVER")
            let admin = try await api.adminSession(module: module)
            let service = try await api.serviceToken()
            let id = driver.account.id
            let plate = plate()

            let vehicle = try await api.call(
                .post, "/v1/drivers/me/vehicles?requestId=\(UUID())", token: driver.accessToken,
                json:
                    #"{"make":"Toyota","model":"Prius","year":2022,"licensePlate":"\#(plate)","color":"blue","seatCount":4,"vehicleClass":"COMFORT"}"#
            )
            #expect(vehicle.status == 200, "\(vehicle.text)")
            #expect(vehicle.string("state") == "PENDING_APPROVAL")
            let vehicleName = try #require(vehicle.string("name"))
            #expect(vehicleName.hasPrefix("drivers/\(id)/vehicles/"))

            let notYet = try await api.call(.get, "/v1/drivers/\(id):checkEligibility?vehicle=\(vehicleName)", token: service)
            #expect(notYet.status == 200)
            #expect(notYet["eligible"] as? Bool == false)
            #expect(
                Set(notYet["reasons"] as? [String] ?? []) == [
                    "DRIVER_NOT_APPROVED", "LICENSE_MISSING_OR_EXPIRED", "INSURANCE_MISSING_OR_EXPIRED", "VEHICLE_NOT_APPROVED",
                    "REGISTRATION_MISSING_OR_EXPIRED",
                ])

            let nextYear = ISO8601DateFormatter().string(from: Date().addingTimeInterval(365 * 86_400))
            for (type, vehiclePart) in [("DRIVERS_LICENSE", ""), ("INSURANCE", ""), ("VEHICLE_REGISTRATION", #","vehicle":"\#(vehicleName)""#)] {
                let document = try await api.call(
                    .post, "/v1/drivers/me/documents", token: driver.accessToken,
                    json: #"{"type":"\#(type)","documentNumber":"N-\#(type)","expireTime":"\#(nextYear)"\#(vehiclePart)}"#)
                #expect(document.status == 200, "\(type): \(document.text)")
            }
            #expect(try await api.call(.post, "/v1/drivers/\(id):approve", token: admin.accessToken, json: "{}").status == 200)
            #expect(try await api.call(.post, "/v1/\(vehicleName):approve", token: admin.accessToken, json: "{}").status == 200)

            let eligible = try await api.call(.get, "/v1/drivers/\(id):checkEligibility?vehicle=\(vehicleName)", token: service)
            #expect(eligible["eligible"] as? Bool == true)
            #expect(eligible.string("vehicleClass") == "COMFORT")
            #expect((eligible["reasons"] as? [String])?.isEmpty == true)

            let suspended = try await api.call(.post, "/v1/drivers/\(id):suspend", token: admin.accessToken, json: #"{"reason":"complaints"}"#)
            #expect(suspended.string("approvalState") == "SUSPENDED")
            let afterSuspension = try await api.call(.get, "/v1/drivers/me:checkEligibility?vehicle=\(vehicleName)", token: driver.accessToken)
            #expect(afterSuspension["reasons"] as? [String] == ["DRIVER_NOT_APPROVED"])
        }
    }

    @Test func illegalApprovalTransitionsAreFailedPreconditions() async throws {
        try await TestPlatform.withAPI { api, module in
            let driver = try await api.signUp(role: "DRIVER")
            let admin = try await api.adminSession(module: module)
            let suspend = try await api.call(.post, "/v1/drivers/\(driver.id):suspend", token: admin.accessToken, json: #"{"reason":"x"}"#)
            #expect(suspend.status == 400)
            #expect(suspend.errorStatus == "FAILED_PRECONDITION")
            let noReason = try await api.call(.post, "/v1/drivers/\(driver.id):reject", token: admin.accessToken, json: "{}")
            #expect(noReason.status == 400)
            #expect(noReason.errorReason == "REASON_REQUIRED")
            let stale = try await api.call(.post, "/v1/drivers/\(driver.id):approve", token: admin.accessToken, json: #"{"etag":"v99"}"#)
            #expect(stale.status == 409)
            let passenger = try await api.signUp()
            #expect(try await api.call(.post, "/v1/drivers/\(passenger.id):approve", token: admin.accessToken, json: "{}").status == 404)
            let rejected = try await api.call(
                .post, "/v1/drivers/\(driver.id):reject", token: admin.accessToken, json: #"{"reason":"licence unreadable"}"#)
            #expect(rejected.status == 200)
            #expect(rejected.string("approvalState") == "REJECTED")
            #expect(rejected.string("approvalReason") == "licence unreadable")
        }
    }

    @Test func vehiclesCanBeListedUpdatedRejectedAndRemovedAndPlatesAreUnique() async throws {
        try await TestPlatform.withAPI { api, module in
            let driver = try await api.newSession(role: "DRIVER")
            let other = try await api.newSession(role: "DRIVER")
            let plate = plate()
            let body = #"{"make":"Kia","model":"Niro","year":2021,"licensePlate":"\#(plate)","color":"grey","seatCount":4,"vehicleClass":"ECONOMY"}"#
            let created = try await api.call(.post, "/v1/drivers/me/vehicles", token: driver.accessToken, json: body)
            let name = try #require(created.string("name"))
            let duplicate = try await api.call(.post, "/v1/drivers/me/vehicles", token: other.accessToken, json: body)
            #expect(duplicate.status == 409)
            #expect(duplicate.errorReason == "LICENSE_PLATE_TAKEN")

            let listed = try await api.call(.get, "/v1/drivers/me/vehicles", token: driver.accessToken)
            #expect((listed["vehicles"] as? [[String: Any]])?.count == 1)

            let updated = try await api.call(
                .patch, "/v1/\(name)?updateMask=color", token: driver.accessToken, json: #"{"color":"red","seatCount":7}"#)
            #expect(updated.string("color") == "red")
            #expect(updated["seatCount"] as? Int == 4)

            let missingField = try await api.call(.post, "/v1/drivers/me/vehicles", token: driver.accessToken, json: #"{"make":"Kia"}"#)
            #expect(missingField.status == 400)
            #expect(missingField.errorReason == "FIELD_REQUIRED")

            let admin = try await api.adminSession(module: module)
            let rejected = try await api.call(.post, "/v1/\(name):reject", token: admin.accessToken, json: #"{"reason":"plate mismatch"}"#)
            #expect(rejected.string("state") == "REJECTED")
            #expect(rejected.string("stateReason") == "plate mismatch")
            #expect(try await api.call(.delete, "/v1/\(name)", token: driver.accessToken).status == 200)
            #expect(try await api.call(.delete, "/v1/\(name)", token: driver.accessToken).status == 404)
            #expect(try await api.call(.get, "/v1/\(name)", token: driver.accessToken).status == 404)
        }
    }

    @Test func documentsAreValidatedAndBelongToTheirDriver() async throws {
        try await TestPlatform.withAPI { api, _ in
            let driver = try await api.newSession(role: "DRIVER")
            let other = try await api.newSession(role: "DRIVER")
            let past = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-86_400))
            let expired = try await api.call(
                .post, "/v1/drivers/me/documents", token: driver.accessToken,
                json: #"{"type":"DRIVERS_LICENSE","documentNumber":"L1","expireTime":"\#(past)"}"#)
            #expect(expired.status == 400)
            #expect(expired.errorReason == "DOCUMENT_EXPIRED")
            let otherVehicle = try await api.call(
                .post, "/v1/drivers/me/vehicles", token: other.accessToken,
                json: #"{"make":"Kia","model":"Niro","year":2021,"licensePlate":"\#(plate())","color":"grey","seatCount":4,"vehicleClass":"ECONOMY"}"#
            )
            let foreign = try await api.call(
                .post, "/v1/drivers/me/documents", token: driver.accessToken,
                json:
                    #"{"type":"VEHICLE_REGISTRATION","documentNumber":"R1","expireTime":"2099-01-01T00:00:00.000Z","vehicle":"\#(otherVehicle.string("name") ?? "")"}"#
            )
            #expect(foreign.status == 400)
            let good = try await api.call(
                .post, "/v1/drivers/me/documents", token: driver.accessToken,
                json: #"{"type":"INSURANCE","documentNumber":"I-1","expireTime":"2099-01-01T00:00:00Z"}"#)
            #expect(good.status == 200)
            let name = try #require(good.string("name"))
            #expect(try await api.call(.get, "/v1/\(name)", token: driver.accessToken).status == 200)
            #expect(try await api.call(.get, "/v1/\(name)", token: other.accessToken).status == 403)
            #expect(try await api.call(.get, "/v1/drivers/me/documents?pageSize=1", token: driver.accessToken).status == 200)
            #expect(try await api.call(.delete, "/v1/\(name)", token: driver.accessToken).status == 200)
        }
    }
}
