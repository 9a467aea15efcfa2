import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import Payments

/// Receipts as passengers list them, and commission rates as admins set them.
@Suite struct ReceiptAndCommissionAPITests {
    @Test func aPassengerListsTheirReceiptsNewestFirstWithEveryLine() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard()
            let first = try await context.complete(try await context.authorize(passenger: passenger.id, amount: 1_000), driver: UUID(), fare: 1_000)
            let caller = Principal(userID: passenger.id, role: .passenger, sessionID: nil)
            _ = try await context.module.payments.tip(
                first.id, amount: 150, currencyCode: "USD", requestID: nil, caller: caller, logger: context.logger)
            _ = try await context.module.payments.refund(
                first.id, amount: 250, currencyCode: "USD", reason: "late pickup", requestID: nil,
                caller: Principal(userID: UUID(), role: .admin, sessionID: nil), logger: context.logger)
            let second = try await context.cancel(try await context.authorize(passenger: passenger.id), fee: 500, driver: UUID())

            let listed = try await context.api.call(.get, "/v1/payments?pageSize=1", token: passenger.token)
            let page = (listed["payments"] as? [[String: Any]]) ?? []
            #expect(page.map { $0["name"] as? String } == [second.name], "\(listed.text)")
            let token = try #require(listed.string("nextPageToken"))
            let next = try await context.api.call(.get, "/v1/payments?pageSize=1&pageToken=\(token)", token: passenger.token)
            let receipt = try #require(((next["payments"] as? [[String: Any]])?.first)?["receipt"] as? [String: Any], "\(next.text)")
            let lines = (receipt["lineItems"] as? [[String: Any]]) ?? []
            #expect(lines.map { $0["kind"] as? String } == ["FARE", "TIP", "REFUND"])
            #expect((receipt["total"] as? [String: Any])?["units"] as? String == "9")  // 10 + 1.50 − 2.50
            #expect(receipt["paidWith"] as? String == "visa •••• 4242")
            let cancelReceipt = try #require(page.first?["receipt"] as? [String: Any])
            #expect(((cancelReceipt["lineItems"] as? [[String: Any]]) ?? []).map { $0["kind"] as? String } == ["CANCELLATION_FEE"])

            let other = try await context.api.call(.get, "/v1/payments", token: try await context.api.token(.passenger))
            #expect(((other["payments"] as? [[String: Any]]) ?? []).isEmpty)
            #expect(try await context.api.call(.get, "/v1/payments", token: try await context.api.token(.driver)).status == 403)
            let foreignToken = try await context.api.call(
                .get, "/v1/payments?pageToken=\(token)", token: try await context.api.token(.passenger))
            #expect(foreignToken.status == 400)
        }
    }

    @Test func anAdminSetsTheCommissionOfACityAndClassAndTripsThatEndAfterwardsUseIt() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let admin = try await context.api.token(.admin)
            let city = "c\(UUID().uuidString.prefix(8).lowercased())"
            let initial = try await context.api.call(.get, "/v1/cities/\(city)/commissionRates/ECONOMY", token: admin)
            #expect(initial["basisPoints"] as? Int == 2000, "\(initial.text)")
            let set = try await context.api.call(
                .patch, "/v1/cities/\(city)/commissionRates/ECONOMY", token: admin, json: #"{"basisPoints":1500}"#)
            #expect(set["basisPoints"] as? Int == 1500 && set["updateTime"] != nil, "\(set.text)")
            #expect(
                try await context.api.call(
                    .patch, "/v1/cities/\(city)/commissionRates/ECONOMY", token: admin, json: #"{"basisPoints":10001}"#
                ).status == 400)
            #expect(
                try await context.api.call(
                    .patch, "/v1/cities/\(city)/commissionRates/ECONOMY", token: try await context.api.token(.driver),
                    json: #"{"basisPoints":0}"#
                ).status == 403)
            #expect(try await context.api.call(.get, "/v1/cities/\(city)/commissionRates/SPACESHIP", token: admin).status == 400)

            let passenger = try await context.passengerWithCard()
            let driver = UUID()
            let payment = try await context.module.payments.authorize(
                .init(
                    tripID: UUID(), passengerID: passenger.id, paymentMethod: nil, amount: 2_000, currencyCode: "USD", cityID: city,
                    vehicleClass: "ECONOMY"),
                logger: context.logger)
            _ = try await context.complete(payment, driver: driver, fare: 2_000)
            let balance = try await context.module.earnings.balances(
                driver: driver, caller: Principal(userID: driver, role: .driver, sessionID: nil), logger: context.logger)
            #expect(balance.first?.earnings == 1_700)  // 15 % of 2,000 to the platform
        }
    }
}
