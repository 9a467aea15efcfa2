import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import Payments

/// Payment methods through the API, as the passenger app uses it.
@Suite struct PaymentMethodAPITests {
    @Test func aPassengerAddsCardsAndCashListsThemAndMovesTheDefault() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let token = try await context.api.token(.passenger)
            let visa = try await context.addCard("4242424242424242", token: token)
            let mastercard = try await context.addCard("5555555555554444", token: token)
            let cash = try await context.api.call(.post, "/v1/users/me/paymentMethods", token: token, json: #"{"cash":{}}"#)
            #expect(cash.status == 200, "\(cash.text)")
            let listed = try await context.api.call(.get, "/v1/users/me/paymentMethods", token: token)
            let methods = (listed["paymentMethods"] as? [[String: Any]]) ?? []
            #expect(methods.map { $0["name"] as? String } == [visa, mastercard, cash.string("name")])
            #expect(methods.map { $0["isDefault"] as? Bool } == [true, false, false])
            let card = try #require(methods[1]["card"] as? [String: Any])
            #expect(card["brand"] as? String == "mastercard" && card["last4"] as? String == "4444")
            // The API never echoes a card number or the gateway token.
            #expect(!listed.text.contains("5555555555554444") && !listed.text.contains("tok_"))

            let madeDefault = try await context.api.call(.post, "/v1/\(mastercard):setDefault", token: token, json: "{}")
            #expect(madeDefault["isDefault"] as? Bool == true)
            let removed = try await context.api.call(.delete, "/v1/\(mastercard)", token: token)
            #expect(removed.status == 200)
            // The newest remaining method becomes the default.
            let after = try await context.api.call(.get, "/v1/users/me/paymentMethods", token: token)
            let remaining = (after["paymentMethods"] as? [[String: Any]]) ?? []
            #expect(remaining.map { $0["name"] as? String } == [visa, cash.string("name")])
            #expect(remaining.map { $0["isDefault"] as? Bool } == [false, true])
            #expect(try await context.api.call(.get, "/v1/\(mastercard)", token: token).status == 404)
        }
    }

    @Test func badCardsAndSecondCashAreRefusedWithClearReasons() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let token = try await context.api.token(.passenger)
            let unknownNumber = try await context.api.call(
                .post, "/v1/sandbox/cardTokens", token: token, json: #"{"number":"1234123412341234","expMonth":1,"expYear":2099,"cvc":"1"}"#)
            #expect(unknownNumber.status == 400 && unknownNumber.errorReason == "INVALID_ARGUMENT")
            let expired = try await context.api.call(
                .post, "/v1/sandbox/cardTokens", token: token, json: #"{"number":"4242424242424242","expMonth":1,"expYear":2020,"cvc":"123"}"#)
            #expect(expired.status == 400)
            let unknownToken = try await context.api.call(
                .post, "/v1/users/me/paymentMethods", token: token, json: #"{"card":{"token":"tok_nothing"}}"#)
            #expect(unknownToken.status == 400, "\(unknownToken.text)")
            let both = try await context.api.call(
                .post, "/v1/users/me/paymentMethods", token: token, json: #"{"card":{"token":"x"},"cash":{}}"#)
            #expect(both.status == 400)
            let neither = try await context.api.call(.post, "/v1/users/me/paymentMethods", token: token, json: "{}")
            #expect(neither.status == 400)
            #expect(try await context.api.call(.post, "/v1/users/me/paymentMethods", token: token, json: #"{"cash":{}}"#).status == 200)
            let again = try await context.api.call(.post, "/v1/users/me/paymentMethods", token: token, json: #"{"cash":{}}"#)
            #expect(again.status == 400 && again.errorReason == "CASH_ALREADY_ADDED", "\(again.text)")
        }
    }

    @Test func aRetriedAddIsOneMethod() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let token = try await context.api.token(.passenger)
            let requestID = UUID()
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await context.api.call(.post, "/v1/users/me/paymentMethods?requestId=\(requestID)", token: token, json: #"{"cash":{}}"#)
                    }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(Set(replies.compactMap { $0.string("name") }).count == 1, "\(replies.map(\.text))")
            let listed = try await context.api.call(.get, "/v1/users/me/paymentMethods", token: token)
            #expect(((listed["paymentMethods"] as? [[String: Any]]) ?? []).count == 1)
        }
    }

    @Test func aPassengerSeesOnlyTheirOwnMethodsAndPayments() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let owner = try await context.passengerWithCard()
            let other = try await context.api.token(.passenger)
            let driver = try await context.api.token(.driver)
            let admin = try await context.api.token(.admin)
            #expect(try await context.api.call(.get, "/v1/users/\(owner.id)/paymentMethods", token: other).status == 403)
            #expect(try await context.api.call(.get, "/v1/\(owner.method)", token: other).status == 403)
            #expect(try await context.api.call(.delete, "/v1/\(owner.method)", token: other).status == 403)
            #expect(try await context.api.call(.get, "/v1/users/\(owner.id)/paymentMethods", token: driver).status == 403)
            #expect(try await context.api.call(.get, "/v1/users/\(owner.id)/paymentMethods", token: admin).status == 200)
            // Admins read but do not change a passenger's methods.
            #expect(try await context.api.call(.delete, "/v1/\(owner.method)", token: admin).status == 403)

            let payment = try await context.authorize(passenger: owner.id)
            #expect(try await context.api.call(.get, "/v1/payments/\(payment.id)", token: owner.token).status == 200)
            let foreign = try await context.api.call(.get, "/v1/payments/\(payment.id)", token: other)
            #expect(foreign.status == 403 && foreign.errorReason == "NOT_RESOURCE_OWNER")
            #expect(try await context.api.call(.get, "/v1/payments/\(UUID())", token: other).status == 403)
            #expect(try await context.api.call(.get, "/v1/payments/\(payment.id)", token: driver).status == 403)
            #expect(try await context.api.call(.get, "/v1/payments/\(payment.id)", token: admin).status == 200)
            #expect(try await context.api.call(.get, "/v1/payments/\(UUID())", token: admin).status == 404)
        }
    }

    @Test func aDriverSeesOnlyTheirOwnEarnings() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard()
            let driverID = UUID()
            let payment = try await context.complete(
                try await context.authorize(passenger: passenger.id, amount: 2_000), driver: driverID, fare: 2_000)
            let driver = try await context.api.token(.driver, userID: driverID)
            let balance = try await context.api.call(.get, "/v1/drivers/me/balance", token: driver)
            let first = try #require((balance["balances"] as? [[String: Any]])?.first, "\(balance.text)")
            #expect((first["earnings"] as? [String: Any])?["units"] as? String == "16")
            let lines = try await context.api.call(.get, "/v1/drivers/me/statementLines", token: driver)
            let statement = (lines["lines"] as? [[String: Any]]) ?? []
            #expect(statement.map { $0["kind"] as? String } == ["TRIP_FARE"], "\(lines.text)")
            #expect(statement.first?["direction"] as? String == "CREDIT")
            #expect(statement.first?["subject"] as? String == payment.name)
            let stranger = try await context.api.token(.driver)
            #expect(try await context.api.call(.get, "/v1/drivers/\(driverID)/balance", token: stranger).status == 403)
            #expect(try await context.api.call(.get, "/v1/drivers/\(driverID)/statementLines", token: stranger).status == 403)
            #expect(try await context.api.call(.get, "/v1/drivers/\(driverID)/balance", token: passenger.token).status == 403)
            #expect(try await context.api.call(.get, "/v1/drivers/\(driverID)/balance", token: try await context.api.token(.admin)).status == 200)
        }
    }
}
