import CurbsideTesting
import Foundation
import Testing

@testable import Users

/// The README's walk-through, step by step, through the real HTTP handler and database.
@Suite struct WalkthroughTests {
    @Test func aDriverSignsUpIsApprovedSignsInRefreshesAndReadsMe() async throws {
        try await TestPlatform.withAPI { api, module in
            let driver = try await api.signUp(role: "DRIVER")
            let admin = try await api.adminSession(module: module)

            let pending = try await api.call(.get, "/v1/drivers/\(driver.id)", token: admin.accessToken)
            #expect(pending.status == 200)
            #expect(pending.string("approvalState") == "PENDING_APPROVAL")

            let approved = try await api.call(
                .post, "/v1/drivers/\(driver.id):approve", token: admin.accessToken, json: #"{"reason":"documents checked"}"#)
            #expect(approved.status == 200)
            #expect(approved.string("approvalState") == "APPROVED")

            let session = try await api.signIn(driver)
            let refreshed = try await api.call(.post, "/v1/sessions:refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#)
            #expect(refreshed.status == 200)
            let newAccess = try #require(refreshed.string("accessToken"))
            #expect(refreshed.string("refreshToken") != session.refreshToken)

            let me = try await api.call(.get, "/v1/users/me", token: newAccess)
            #expect(me.status == 200)
            #expect(me.string("name") == "users/\(driver.id)")
            #expect(me.string("role") == "DRIVER")
            #expect(me.string("driver") == "drivers/\(driver.id)")
            #expect(me.json["password"] == nil)
        }
    }

    @Test func theApprovalIsPublishedThroughTheOutboxInTheSameTransaction() async throws {
        try await TestPlatform.withAPI { api, module in
            let driver = try await api.signUp(role: "DRIVER")
            let admin = try await api.adminSession(module: module)
            _ = try await api.call(.post, "/v1/drivers/\(driver.id):approve", token: admin.accessToken, json: "{}")
            let logger = TestPlatform.logger
            let events = try await module.databases.platform.readPrimary { client in
                var types: [String] = []
                let rows = try await client.query(
                    "SELECT type FROM platform.outbox WHERE aggregateid = \("drivers/\(driver.id)") ORDER BY occurred_at",
                    logger: logger)
                for try await type in rows.decode(String.self) { types.append(type) }
                return types
            }
            #expect(events == ["users.v1.DriverApproved"])
        }
    }
}
