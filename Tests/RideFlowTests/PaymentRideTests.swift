import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

/// How the ride reacts to payments, on a live server: no trip is dispatched without a hold, a
/// decline is a clear refusal, a hold the gateway has not answered keeps the trip REQUESTED until
/// payments learns the answer, and a cancelled trip's hold is released.
@Suite(.serialized) struct PaymentRideTests {
    static let settings = ["curbside.payments.reconcile_interval_ms": "200", "curbside.payments.retry_base_ms": "100"]

    /// A passenger with the given test card, and a quote in a fresh city.
    func passengerWithQuote(_ scenario: RideScenario, card number: String?) async throws -> (RideScenario.Actor, String) {
        let admin = try await scenario.adminToken()
        _ = try await scenario.setUpCity(admin: admin)
        let passenger = try await scenario.signedIn(role: "PASSENGER")
        if let number {
            let card = try await LiveHTTP.call(
                .post, scenario.payments + "/v1/sandbox/cardTokens", token: passenger.token,
                json: #"{"number":"\#(number)","expMonth":12,"expYear":2099,"cvc":"123"}"#)
            let token = try #require(card.string("token"), "\(card.text)")
            let added = try await LiveHTTP.call(
                .post, scenario.payments + "/v1/users/me/paymentMethods", token: passenger.token, json: #"{"card":{"token":"\#(token)"}}"#)
            #expect(added.status == 200, "\(added.text)")
        }
        let estimate = try await LiveHTTP.poll(
            .post, scenario.trips + "/v1/trips:estimateFare", token: passenger.token,
            json:
                #"{"pickup":\#(scenario.latLng(scenario.point(north: 0))),"dropoff":\#(scenario.latLng(scenario.point(north: 2_000))),"vehicleClass":"ECONOMY"}"#
        ) { $0.status == 200 }  // the city and its prices reach the replica a moment after they are made
        return (passenger, try #require(estimate.string("quoteToken"), "\(estimate.text)"))
    }

    @Test func declinedAndMissingPaymentsRefuseTheTripAndDispatchNothing() async throws {
        try await AllInOneServer.run(extraSettings: Self.settings) { server in
            let scenario = RideScenario(
                users: server.baseURL, trips: server.baseURL, dispatch: server.baseURL, payments: server.baseURL, notifications: server.baseURL)
            let (passenger, quote) = try await passengerWithQuote(scenario, card: "4000000000009995")
            let refused = try await LiveHTTP.call(
                .post, server.baseURL + "/v1/trips?requestId=\(UUID())", token: passenger.token, json: #"{"quoteToken":"\#(quote)"}"#)
            #expect(refused.status == 400 && refused.errorReason == "PAYMENT_DECLINED", "\(refused.text)")
            #expect(refused.text.contains("INSUFFICIENT_FUNDS"))
            let trips = try await LiveHTTP.call(.get, server.baseURL + "/v1/trips", token: passenger.token)
            let trip = try #require((trips["trips"] as? [[String: Any]])?.first, "\(trips.text)")
            #expect(trip["state"] as? String == "CANCELLED")

            let (cardless, otherQuote) = try await passengerWithQuote(scenario, card: nil)
            let requestID = UUID()
            let noMethod = try await LiveHTTP.call(
                .post, server.baseURL + "/v1/trips?requestId=\(requestID)", token: cardless.token, json: #"{"quoteToken":"\#(otherQuote)"}"#)
            #expect(noMethod.status == 400 && noMethod.errorReason == "NO_PAYMENT_METHOD", "\(noMethod.text)")
            // A retry of the same request (say, after a timeout) gets the same refusal, not the cancelled trip.
            let retried = try await LiveHTTP.call(
                .post, server.baseURL + "/v1/trips?requestId=\(requestID)", token: cardless.token, json: #"{"quoteToken":"\#(otherQuote)"}"#)
            #expect(retried.status == 400 && retried.errorReason == "NO_PAYMENT_METHOD", "\(retried.text)")
        }
    }

    @Test func aHoldTheGatewayDidNotAnswerKeepsTheTripRequestedUntilItIsKnown() async throws {
        try await AllInOneServer.run(extraSettings: Self.settings) { server in
            let scenario = RideScenario(
                users: server.baseURL, trips: server.baseURL, dispatch: server.baseURL, payments: server.baseURL, notifications: server.baseURL)
            let (passenger, quote) = try await passengerWithQuote(scenario, card: "4000000000001000")
            let created = try await LiveHTTP.call(
                .post, server.baseURL + "/v1/trips?requestId=\(UUID())", token: passenger.token, json: #"{"quoteToken":"\#(quote)"}"#)
            #expect(created.status == 200 && created.string("state") == "REQUESTED", "\(created.text)")
            let tripID = try #require(created.string("name")).dropFirst("trips/".count)
            let pending = try await LiveHTTP.call(.get, server.baseURL + "/v1/payments/\(tripID)", token: passenger.token)
            #expect(pending.string("state") == "PENDING_AUTHORIZATION", "\(pending.text)")
            // The reconciler asks again, payments publishes PaymentAuthorized, trips dispatches.
            let dispatched = try await LiveHTTP.poll(.get, server.baseURL + "/v1/trips/\(tripID)", token: passenger.token) {
                $0.string("state") != "REQUESTED"
            }
            #expect(dispatched.string("state") == "DISPATCHING" || dispatched.string("state") == "NO_DRIVER_FOUND", "\(dispatched.text)")
            // The passenger cancels before any driver: the hold is released.
            let cancelled = try await LiveHTTP.call(.post, server.baseURL + "/v1/trips/\(tripID):cancel", token: passenger.token, json: "{}")
            #expect(cancelled.status == 200 || dispatched.string("state") == "NO_DRIVER_FOUND", "\(cancelled.text)")
            let released = try await LiveHTTP.poll(.get, server.baseURL + "/v1/payments/\(tripID)", token: passenger.token) {
                $0.string("state") == "VOIDED" && $0["holdActive"] as? Bool == false
            }
            #expect((released["owed"] as? [String: Any])?["units"] as? String == "0")
        }
    }

    @Test func aLateCancellationCapturesTheFeeFromTheHoldAndCreditsTheDriver() async throws {
        // No grace period: any cancellation after assignment costs the city's fee (5.00).
        try await AllInOneServer.run(extraSettings: Self.settings.merging(["curbside.trips.cancellation_grace_seconds": "0"]) { $1 }) {
            server in
            let scenario = RideScenario(
                users: server.baseURL, trips: server.baseURL, dispatch: server.baseURL, payments: server.baseURL, notifications: server.baseURL)
            let admin = try await scenario.adminToken()
            let driver = try await scenario.approvedDriver(admin: admin)
            let (passenger, quote) = try await passengerWithQuote(scenario, card: "4242424242424242")
            let online = try await LiveHTTP.call(
                .post, server.baseURL + "/v1/drivers/me:goOnline", token: driver.token,
                json: #"{"vehicle":"\#(driver.vehicle)","location":\#(scenario.latLng(scenario.point(north: -200)))}"#)
            #expect(online.status == 200, "\(online.text)")
            let created = try await LiveHTTP.call(
                .post, server.baseURL + "/v1/trips?requestId=\(UUID())", token: passenger.token, json: #"{"quoteToken":"\#(quote)"}"#)
            let tripName = try #require(created.string("name"), "\(created.text)")
            let offers = try await LiveHTTP.poll(.get, server.baseURL + "/v1/drivers/me/offers", token: driver.token) {
                (($0["offers"] as? [[String: Any]]) ?? []).contains { $0["trip"] as? String == tripName }
            }
            let offer = try #require(((offers["offers"] as? [[String: Any]]) ?? []).first { $0["trip"] as? String == tripName })
            let offerName = try #require(offer["name"] as? String)
            #expect(try await LiveHTTP.call(.post, server.baseURL + "/v1/\(offerName):accept", token: driver.token, json: "{}").status == 200)
            _ = try await LiveHTTP.poll(.get, server.baseURL + "/v1/\(tripName)", token: passenger.token) {
                $0.string("state") == "DRIVER_ASSIGNED"
            }
            let cancelled = try await LiveHTTP.call(.post, server.baseURL + "/v1/\(tripName):cancel", token: passenger.token, json: "{}")
            #expect(cancelled.string("state") == "CANCELLED", "\(cancelled.text)")
            let paymentName = "payments/" + tripName.dropFirst("trips/".count)
            let charged = try await LiveHTTP.poll(.get, server.baseURL + "/v1/\(paymentName)", token: passenger.token) {
                $0.string("state") == "SETTLED"
            }
            #expect(charged.string("charge") == "CANCELLATION_FEE", "\(charged.text)")
            #expect((charged["collected"] as? [String: Any])?["units"] as? String == "5")
            let balance = try await LiveHTTP.call(.get, server.baseURL + "/v1/drivers/me/balance", token: driver.token)
            let earnings = try #require(((balance["balances"] as? [[String: Any]])?.first)?["earnings"] as? [String: Any], "\(balance.text)")
            #expect(earnings["units"] as? String == "4", "\(balance.text)")  // 5.00 less 20 %
        }
    }
}
