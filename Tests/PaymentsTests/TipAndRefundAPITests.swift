import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import Payments

/// Tips (passengers) and refunds (admins) through the API.
@Suite struct TipAndRefundAPITests {
    func usd(_ units: Int, nanos: Int = 0) -> String { #"{"currencyCode":"USD","units":"\#(units)","nanos":\#(nanos)}"# }

    @Test func aRetriedTipIsOneTipAndASecondTipIsRefused() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard()
            let driver = UUID()
            let payment = try await context.complete(try await context.authorize(passenger: passenger.id, amount: 2_000), driver: driver, fare: 2_000)
            let requestID = UUID()
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await context.api.call(
                            .post, "/v1/payments/\(payment.id):tip?requestId=\(requestID)", token: passenger.token,
                            json: #"{"amount":\#(usd(3, nanos: 500_000_000))}"#)
                    }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            // Concurrent duplicates either get the tip or are told to retry; none tips twice.
            #expect(replies.allSatisfy { $0.status == 200 || $0.errorReason == "REQUEST_IN_PROGRESS" }, "\(replies.map(\.text))")
            let retried = try await context.api.call(
                .post, "/v1/payments/\(payment.id):tip?requestId=\(requestID)", token: passenger.token,
                json: #"{"amount":\#(usd(3, nanos: 500_000_000))}"#)
            #expect(retried.status == 200, "\(retried.text)")
            #expect((retried["tip"] as? [String: Any])?["units"] as? String == "3")
            let tipped = try await context.reload(payment)
            #expect(tipped.tip == 350 && tipped.operations.filter { $0.kind == .tip }.count == 1)
            let again = try await context.api.call(
                .post, "/v1/payments/\(payment.id):tip?requestId=\(UUID())", token: passenger.token, json: #"{"amount":\#(usd(1))}"#)
            #expect(again.status == 400 && again.errorReason == "ALREADY_TIPPED", "\(again.text)")
            // All of the tip is the driver's: 1,600 of the fare after commission, plus 350.
            let balance = try await context.module.earnings.balances(
                driver: driver, caller: Principal(userID: driver, role: .driver, sessionID: nil), logger: context.logger)
            #expect(balance.first?.earnings == 1_950)
            try await context.expectLedgerSound()
        }
    }

    @Test func tipsAreRefusedBeforeCompletionAfterTheWindowAndFromOthers() async throws {
        try await PaymentsTestPlatform.withModule(settings: ["curbside.payments.tip_window_seconds": "60"]) { context in
            let passenger = try await context.passengerWithCard()
            let held = try await context.authorize(passenger: passenger.id)
            let early = try await context.api.call(.post, "/v1/payments/\(held.id):tip", token: passenger.token, json: #"{"amount":\#(usd(1))}"#)
            #expect(early.status == 400 && early.errorReason == "TRIP_NOT_COMPLETED")
            let done = try await context.complete(held, driver: UUID(), fare: 1_000)
            let stranger = try await context.api.call(
                .post, "/v1/payments/\(done.id):tip", token: try await context.api.token(.passenger), json: #"{"amount":\#(usd(1))}"#)
            #expect(stranger.status == 403)
            let wrongCurrency = try await context.api.call(
                .post, "/v1/payments/\(done.id):tip", token: passenger.token, json: #"{"amount":{"currencyCode":"EUR","units":"1"}}"#)
            #expect(wrongCurrency.status == 400)
            let tooMuch = try await context.api.call(.post, "/v1/payments/\(done.id):tip", token: passenger.token, json: #"{"amount":\#(usd(500))}"#)
            #expect(tooMuch.status == 400)
            let fraction = try await context.api.call(
                .post, "/v1/payments/\(done.id):tip", token: passenger.token, json: #"{"amount":\#(usd(1, nanos: 1))}"#)
            #expect(fraction.status == 400)
            context.clock.advance(120)
            let late = try await context.api.call(.post, "/v1/payments/\(done.id):tip", token: passenger.token, json: #"{"amount":\#(usd(1))}"#)
            #expect(late.status == 400 && late.errorReason == "TIP_WINDOW_CLOSED")
        }
    }

    @Test func refundsArePartialOrFullAndNeverMoreThanWasPaid() async throws {
        try await PaymentsTestPlatform.withModule { context in
            let passenger = try await context.passengerWithCard()
            // 1,500 paid as a capture of 1,200 and a charge of 300: a refund may span both.
            let payment = try await context.complete(try await context.authorize(passenger: passenger.id, amount: 1_000), driver: UUID(), fare: 1_500)
            let admin = try await context.api.token(.admin)
            let tooMuch = try await context.api.call(
                .post, "/v1/payments/\(payment.id)/refunds", token: admin, json: #"{"amount":\#(usd(15, nanos: 10_000_000)),"reason":"x"}"#)
            #expect(tooMuch.status == 400 && tooMuch.errorReason == "REFUND_EXCEEDS_CAPTURED", "\(tooMuch.text)")
            let noReason = try await context.api.call(
                .post, "/v1/payments/\(payment.id)/refunds", token: admin, json: #"{"amount":\#(usd(1)),"reason":"  "}"#)
            #expect(noReason.status == 400)
            let requestID = UUID()
            let partial = try await context.api.call(
                .post, "/v1/payments/\(payment.id)/refunds?requestId=\(requestID)", token: admin,
                json: #"{"amount":\#(usd(13)),"reason":"driver took a detour"}"#)
            #expect(partial.status == 200 && (partial["refunded"] as? [String: Any])?["units"] as? String == "13", "\(partial.text)")
            let retried = try await context.api.call(
                .post, "/v1/payments/\(payment.id)/refunds?requestId=\(requestID)", token: admin,
                json: #"{"amount":\#(usd(13)),"reason":"driver took a detour"}"#)
            #expect((retried["refunded"] as? [String: Any])?["units"] as? String == "13")
            let refundName = try #require(partial.string("name"))
            #expect(retried.string("name") == refundName && partial.string("state") == "SUCCEEDED")
            #expect(partial.string("reason") == "driver took a detour")
            let fetched = try await context.api.call(.get, "/v1/\(refundName)", token: passenger.token)
            #expect(fetched.status == 200 && fetched.string("state") == "SUCCEEDED", "\(fetched.text)")
            let stranger = try await context.api.token(.passenger)
            #expect(try await context.api.call(.get, "/v1/\(refundName)", token: stranger).status == 403)
            #expect(try await context.api.call(.get, "/v1/payments/\(payment.id)/refunds/\(UUID())", token: passenger.token).status == 404)
            let rest = try await context.api.call(
                .post, "/v1/payments/\(payment.id)/refunds", token: admin, json: #"{"amount":\#(usd(2)),"reason":"goodwill"}"#)
            #expect(rest.status == 200, "\(rest.text)")
            let nothingLeft = try await context.api.call(
                .post, "/v1/payments/\(payment.id)/refunds", token: admin, json: #"{"amount":{"currencyCode":"USD","nanos":10000000},"reason":"x"}"#)
            #expect(nothingLeft.status == 400 && nothingLeft.errorReason == "REFUND_EXCEEDS_CAPTURED")
            let refunded = try await context.reload(payment)
            #expect(refunded.refunded == 1_500)
            let listed = try await context.api.call(.get, "/v1/payments/\(payment.id)/refunds", token: passenger.token)
            #expect(((listed["refunds"] as? [[String: Any]]) ?? []).map { $0["reason"] as? String } == ["driver took a detour", "goodwill"])
            #expect(refunded.operations.filter { $0.kind == .refund }.map(\.amount).reduce(0, +) == 1_500)
            #expect(
                try await context.api.call(
                    .post, "/v1/payments/\(payment.id)/refunds", token: passenger.token, json: #"{"amount":\#(usd(1)),"reason":"x"}"#
                ).status == 403)
            try await context.expectLedgerSound()
        }
    }
}
