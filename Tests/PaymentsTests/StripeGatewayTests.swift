import Foundation
import Hummingbird
import Testing

@testable import Payments

/// The Stripe adapter against a stand-in speaking Stripe's API on a real socket.
@Suite struct StripeGatewayTests {
    func gateway(_ url: URL, key: String = StripeStandIn.defaultKey, timeout: Duration = .seconds(5)) -> StripeGateway {
        StripeGateway(secretKey: key, baseURL: url, timeout: timeout)
    }

    func chargeRequest(
        _ card: String = "pm_card_visa", amount: Int64 = 2_000, key: String = UUID().uuidString,
        description: String = "trips/t-1"
    ) -> GatewayChargeRequest {
        GatewayChargeRequest(cardToken: card, amount: amount, currencyCode: "EUR", idempotencyKey: key, description: description)
    }

    /// What `operation` throws; nil, and a recorded issue, when it succeeds instead.
    func failure<T>(
        _ operation: () async throws -> T, sourceLocation: SourceLocation = #_sourceLocation
    ) async -> GatewayError? {
        do {
            _ = try await operation()
            Issue.record("expected a GatewayError", sourceLocation: sourceLocation)
        } catch let error as GatewayError {
            return error
        } catch {
            Issue.record("expected a GatewayError, not \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    func isUnknownOutcome(_ error: GatewayError?) -> Bool {
        if case .unknownOutcome? = error { true } else { false }
    }

    func isRejected(_ error: GatewayError?) -> Bool {
        if case .rejected? = error { true } else { false }
    }

    @Test func formEncodingEscapesAllButUnreservedCharacters() {
        var form = StripeForm()
        form.add("metadata[trip]", "trips/t 1&2=ü+~")
        form.add("amount", Int64(1_234))
        form.add("confirm", true)
        #expect(form.encoded == "metadata%5Btrip%5D=trips%2Ft%201%262%3D%C3%BC%2B~&amount=1234&confirm=true")
        #expect(StripeStandIn.fields(form.encoded) == ["metadata[trip]": "trips/t 1&2=ü+~", "amount": "1234", "confirm": "true"])
    }

    @Test func cardDetailsComeFromThePaymentMethod() async throws {
        let standIn = StripeStandIn()
        try await standIn.serve { url in
            let card = try await gateway(url).card(token: "pm_card_visa")
            #expect(card == CardDetails(brand: "visa", last4: "4242", expMonth: 12, expYear: 2034))
            let unknown = await failure { try await gateway(url).card(token: "pm_unknown") }
            #expect(unknown == .rejected("No such PaymentMethod: 'pm_unknown'"))
        }
        let read = try #require(standIn.received.first)
        #expect(read.method == .get)
        #expect(read.path == "/v1/payment_methods/pm_card_visa")
        #expect(read.headers[.authorization] == "Bearer \(StripeStandIn.defaultKey)")
        #expect(read.headers[StripeStandIn.stripeVersion] == "2024-06-20")
    }

    @Test func savingACardMakesACustomerAndAttachesTheCardToIt() async throws {
        let standIn = StripeStandIn()
        let saved = try await standIn.serve { url in
            try await gateway(url).saveCard(token: "pm_card_visa", idempotencyKey: "card-1")
        }
        let customer = try #require(standIn.customer(of: "pm_card_visa"))
        #expect(customer.hasPrefix("cus_"))
        #expect(
            saved
                == SavedCard(
                    reference: "\(customer)/pm_card_visa", card: CardDetails(brand: "visa", last4: "4242", expMonth: 12, expYear: 2034)))
        let sent = standIn.received
        #expect(
            sent.map { "\($0.method.rawValue) \($0.path)" } == [
                "GET /v1/payment_methods/pm_card_visa", "POST /v1/customers", "POST /v1/payment_methods/pm_card_visa/attach",
            ])
        guard sent.count == 3 else { return }
        #expect(sent[1].headers[StripeStandIn.idempotencyKey] == "card-1-customer")
        #expect(sent[1].fields == ["metadata[curbside_save_key]": "card-1"])
        #expect(sent[2].headers[StripeStandIn.idempotencyKey] == "card-1-attach")
        #expect(sent[2].fields == ["customer": customer])
    }

    @Test func aSavedCardPaysAgainAndAgainThroughItsReference() async throws {
        let standIn = StripeStandIn()
        try await standIn.serve { url in
            let gateway = gateway(url)
            let saved = try await gateway.saveCard(token: "pm_card_visa", idempotencyKey: "card-1")
            let customer = try #require(standIn.customer(of: "pm_card_visa"))
            // The hold at request, captured at the end; then the rest of the fare, then a tip.
            let hold = try await gateway.authorize(chargeRequest(saved.reference, amount: 2_000))
            let sent = try #require(standIn.received.last)
            #expect(sent.fields["customer"] == customer)
            #expect(sent.fields["payment_method"] == "pm_card_visa")
            _ = try await gateway.capture(hold: hold.reference, amount: 2_000, idempotencyKey: "capture-1")
            let rest = try await gateway.charge(chargeRequest(saved.reference, amount: 450))
            let tip = try await gateway.charge(chargeRequest(saved.reference, amount: 300))
            for reference in [hold.reference, rest.reference, tip.reference] {
                #expect(standIn.intent(reference)?.status == "succeeded")
                #expect(standIn.intent(reference)?.customer == customer)
            }
            // The payment method is the customer's now: Stripe refuses it without the customer.
            let bare = await failure { try await gateway.charge(chargeRequest("pm_card_visa")) }
            #expect(isRejected(bare))
            #expect(try await gateway.card(token: saved.reference) == saved.card)
            #expect(standIn.received.last?.path == "/v1/payment_methods/pm_card_visa")
        }
    }

    @Test func anUnsavedCardPaysOnceAndCannotBeSavedAfterwards() async throws {
        let standIn = StripeStandIn()
        try await standIn.serve { url in
            let gateway = gateway(url)
            // A bare payment method (stored before cards were saved) is sent as it is.
            _ = try await gateway.authorize(chargeRequest("pm_card_mastercard"))
            let sent = try #require(standIn.received.last)
            #expect(sent.fields["payment_method"] == "pm_card_mastercard")
            #expect(sent.fields["customer"] == nil)
            let again = await failure { try await gateway.charge(chargeRequest("pm_card_mastercard")) }
            #expect(isRejected(again))
            let save = await failure { try await gateway.saveCard(token: "pm_card_mastercard", idempotencyKey: "card-1") }
            #expect(isRejected(save))
        }
    }

    @Test func savingTheSameCardAgainKeepsItsCustomer() async throws {
        let standIn = StripeStandIn()
        try await standIn.serve { url in
            let gateway = gateway(url)
            let first = try await gateway.saveCard(token: "pm_card_visa", idempotencyKey: "card-1")
            let retried = try await gateway.saveCard(token: "pm_card_visa", idempotencyKey: "card-1")
            let another = try await gateway.saveCard(token: "pm_card_visa", idempotencyKey: "card-2")
            #expect(retried == first)
            #expect(another == first)
            // Accepted in the saved form too.
            #expect(try await gateway.saveCard(token: first.reference, idempotencyKey: "card-3") == first)
        }
        #expect(standIn.customerCount == 1)
    }

    @Test func aFailedAttachLeavesTheOutcomeUnknownAndItsRetryMakesNoSecondCustomer() async throws {
        let attach = "/v1/payment_methods/pm_card_visa/attach"
        let standIn = StripeStandIn(mode: .failingOnce(path: attach, status: .internalServerError, performed: false))
        try await standIn.serve { url in
            let gateway = gateway(url)
            let failed = await failure { try await gateway.saveCard(token: "pm_card_visa", idempotencyKey: "card-1") }
            #expect(isUnknownOutcome(failed))
            // The same key gets the same customer back, and (Stripe keeps a 500 for its key) the same 500.
            let retried = await failure { try await gateway.saveCard(token: "pm_card_visa", idempotencyKey: "card-1") }
            #expect(isUnknownOutcome(retried))
            #expect(standIn.customerCount == 1)
            #expect(standIn.customer(of: "pm_card_visa") == nil)
            // Adding the card again (a new key) gets past it; the first customer stays unused.
            let saved = try await gateway.saveCard(token: "pm_card_visa", idempotencyKey: "card-2")
            let owner = try #require(standIn.customer(of: "pm_card_visa"))
            #expect(saved.reference == "\(owner)/pm_card_visa")
            #expect(standIn.customerCount == 2)
        }
    }

    @Test func aRetryAfterAnAttachWhoseAnswerWasLostFindsTheCardSaved() async throws {
        let attach = "/v1/payment_methods/pm_card_visa/attach"
        let standIn = StripeStandIn(mode: .failingOnce(path: attach, status: .badGateway, performed: true))
        try await standIn.serve { url in
            let gateway = gateway(url)
            let lost = await failure { try await gateway.saveCard(token: "pm_card_visa", idempotencyKey: "card-1") }
            #expect(isUnknownOutcome(lost))
            let saved = try await gateway.saveCard(token: "pm_card_visa", idempotencyKey: "card-1")
            let owner = try #require(standIn.customer(of: "pm_card_visa"))
            #expect(saved.reference == "\(owner)/pm_card_visa")
            #expect(standIn.customerCount == 1)
        }
    }

    @Test func aCardAttachedMeanwhileByARacingSaveKeepsThatCustomer() async throws {
        let standIn = StripeStandIn(mode: .racingAttach)
        try await standIn.serve { url in
            let saved = try await gateway(url).saveCard(token: "pm_card_visa", idempotencyKey: "card-1")
            let owner = try #require(standIn.customer(of: "pm_card_visa"))
            #expect(saved.reference == "\(owner)/pm_card_visa")
            // The racing save's, and the one this save made before it lost the race.
            #expect(standIn.customerCount == 2)
        }
    }

    @Test func anUnknownOrMalformedCardIsRejectedBeforeAnyCustomerIsMade() async throws {
        let standIn = StripeStandIn()
        try await standIn.serve { url in
            let gateway = gateway(url)
            let unknown = await failure { try await gateway.saveCard(token: "pm_unknown", idempotencyKey: "card-1") }
            #expect(unknown == .rejected("No such PaymentMethod: 'pm_unknown'"))
            for malformed in ["", "cus_1/", "/pm_card_visa", "cus_1/pm_card_visa/x"] {
                #expect(isRejected(await failure { try await gateway.saveCard(token: malformed, idempotencyKey: "card-2") }))
                #expect(isRejected(await failure { try await gateway.card(token: malformed) }))
                #expect(isRejected(await failure { try await gateway.charge(chargeRequest(malformed)) }))
            }
        }
        #expect(standIn.customerCount == 0)
        #expect(standIn.received.count == 1)
    }

    @Test func aCardDeclinedWhenAttachedIsRejectedNotDeclined() async throws {
        try await StripeStandIn().serve { url in
            let error = await failure { try await gateway(url).saveCard(token: "pm_card_chargeDeclined", idempotencyKey: "card-1") }
            // Payments reads a rejection as a card it cannot use; a decline while saving would read as an open outcome.
            #expect(error == .rejected("Your card was declined."))
        }
    }

    @Test func aHoldIsAPaymentIntentConfirmedForManualCapture() async throws {
        let standIn = StripeStandIn()
        try await standIn.serve { url in
            let hold = try await gateway(url).authorize(
                chargeRequest(amount: 1_234, key: "hold-1", description: "trips/t-1 fare & tip ü"))
            #expect(hold.amount == 1_234)
            #expect(hold.expireTime == Date(timeIntervalSince1970: TimeInterval(StripeStandIn.captureBefore)))
            #expect(standIn.intent(hold.reference)?.status == "requires_capture")
        }
        let sent = try #require(standIn.received.last)
        #expect(sent.method == .post)
        #expect(sent.path == "/v1/payment_intents")
        #expect(sent.headers[.authorization] == "Bearer \(StripeStandIn.defaultKey)")
        #expect(sent.headers[StripeStandIn.idempotencyKey] == "hold-1")
        #expect(sent.headers[StripeStandIn.stripeVersion] == "2024-06-20")
        #expect(sent.headers[.contentType] == "application/x-www-form-urlencoded")
        #expect(
            sent.fields == [
                "amount": "1234", "currency": "eur", "payment_method": "pm_card_visa", "payment_method_types[]": "card",
                "confirm": "true", "capture_method": "manual", "off_session": "true",
                "description": "trips/t-1 fare & tip ü", "expand[]": "latest_charge",
            ])
        #expect(sent.body.contains("description=trips%2Ft-1%20fare%20%26%20tip%20%C3%BC"))
        #expect(sent.body.contains("expand%5B%5D=latest_charge"))
    }

    @Test func aHoldWhoseChargeNamesNoDeadlineIsTakenToLastSevenDays() async throws {
        try await StripeStandIn().serve { url in
            let hold = try await gateway(url).authorize(chargeRequest("pm_card_mastercard"))
            #expect(abs(hold.expireTime.timeIntervalSince(Date().addingTimeInterval(7 * 86_400))) < 60)
        }
    }

    @Test func aHoldThatNeedsThePassengerIsADecline() async throws {
        try await StripeStandIn().serve { url in
            let error = await failure { try await gateway(url).authorize(chargeRequest("pm_card_threeDSecureRequired")) }
            #expect(error == .declined(.cardDeclined))
        }
    }

    @Test(arguments: [
        (
            #"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","charge":"ch_1","doc_url":"https://stripe.com/docs/error-codes/card-declined","payment_intent":{"id":"pi_1","object":"payment_intent","amount":2000,"status":"requires_payment_method","latest_charge":"ch_1"}}}"#,
            DeclineReason.insufficientFunds
        ),
        (
            #"{"error":{"type":"card_error","code":"expired_card","decline_code":"expired_card","message":"Your card has expired.","param":"exp_month"}}"#,
            .expiredCard
        ),
        (
            #"{"error":{"type":"card_error","code":"incorrect_cvc","decline_code":"incorrect_cvc","message":"Your card's security code is incorrect.","param":"cvc"}}"#,
            .incorrectCVC
        ),
        (
            #"{"error":{"type":"card_error","code":"processing_error","decline_code":"processing_error","message":"An error occurred while processing your card. Try again in a little bit."}}"#,
            .processingError
        ),
        (
            #"{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined."}}"#,
            .cardDeclined
        ),
        (
            #"{"error":{"type":"card_error","code":"authentication_required","decline_code":"authentication_required","message":"Your card was declined. This transaction requires authentication."}}"#,
            .cardDeclined
        ),
    ])
    func aDeclineCarriesStripesReason(body: String, reason: DeclineReason) async throws {
        try await StripeStandIn(mode: .declining(body)).serve { url in
            let hold = await failure { try await gateway(url).authorize(chargeRequest()) }
            #expect(hold == .declined(reason))
            let charge = await failure { try await gateway(url).charge(chargeRequest()) }
            #expect(charge == .declined(reason))
        }
    }

    @Test func capturingPartOfAHoldTakesOnlyThatPart() async throws {
        let standIn = StripeStandIn()
        try await standIn.serve { url in
            let gateway = gateway(url)
            let hold = try await gateway.authorize(chargeRequest(amount: 2_000))
            let charge = try await gateway.capture(hold: hold.reference, amount: 1_500, idempotencyKey: "capture-1")
            #expect(charge == GatewayCharge(reference: hold.reference, amount: 1_500))
            #expect(standIn.intent(hold.reference)?.status == "succeeded")
            #expect(standIn.intent(hold.reference)?.amountReceived == 1_500)
            let sent = try #require(standIn.received.last)
            #expect(sent.path == "/v1/payment_intents/\(hold.reference)/capture")
            #expect(sent.fields == ["amount_to_capture": "1500"])
            #expect(sent.headers[StripeStandIn.idempotencyKey] == "capture-1")
        }
    }

    @Test func aHoldCapturedAlreadyUnderAnotherKeyReportsThatCapture() async throws {
        try await StripeStandIn().serve { url in
            let gateway = gateway(url)
            let hold = try await gateway.authorize(chargeRequest(amount: 2_000))
            let first = try await gateway.capture(hold: hold.reference, amount: 1_200, idempotencyKey: "capture-1")
            let second = try await gateway.capture(hold: hold.reference, amount: 1_200, idempotencyKey: "capture-2")
            #expect(second == first)
        }
    }

    @Test func capturingACanceledHoldFindsItExpired() async throws {
        try await StripeStandIn().serve { url in
            let gateway = gateway(url)
            let hold = try await gateway.authorize(chargeRequest())
            try await gateway.release(hold: hold.reference, idempotencyKey: "release-1")
            let error = await failure { try await gateway.capture(hold: hold.reference, amount: 2_000, idempotencyKey: "capture-1") }
            #expect(error == .holdExpired)
        }
    }

    @Test func releasingCancelsTheIntentAndAgainChangesNothing() async throws {
        let standIn = StripeStandIn()
        try await standIn.serve { url in
            let gateway = gateway(url)
            let hold = try await gateway.authorize(chargeRequest())
            try await gateway.release(hold: hold.reference, idempotencyKey: "release-1")
            #expect(standIn.intent(hold.reference)?.status == "canceled")
            #expect(standIn.received.last?.path == "/v1/payment_intents/\(hold.reference)/cancel")
            // Stripe refuses to cancel a canceled intent; nothing is held, which is what release wants.
            try await gateway.release(hold: hold.reference, idempotencyKey: "release-2")
        }
    }

    @Test func anImmediateChargeIsCapturedAtOnce() async throws {
        let standIn = StripeStandIn()
        try await standIn.serve { url in
            let charge = try await gateway(url).charge(chargeRequest(amount: 350))
            #expect(charge.amount == 350)
            #expect(standIn.intent(charge.reference)?.status == "succeeded")
            #expect(standIn.received.last?.fields["capture_method"] == "automatic")
        }
    }

    @Test func aRefundNamesThePaymentIntent() async throws {
        let standIn = StripeStandIn()
        try await standIn.serve { url in
            let gateway = gateway(url)
            let charge = try await gateway.charge(chargeRequest(amount: 2_000))
            let refund = try await gateway.refund(charge: charge.reference, amount: 500, idempotencyKey: "refund-1")
            #expect(refund.amount == 500)
            #expect(refund.reference.hasPrefix("re_"))
            let sent = try #require(standIn.received.last)
            #expect(sent.path == "/v1/refunds")
            #expect(sent.fields == ["payment_intent": charge.reference, "amount": "500"])
            #expect(sent.headers[StripeStandIn.idempotencyKey] == "refund-1")
            // More than is left to refund.
            let error = await failure { try await gateway.refund(charge: charge.reference, amount: 1_600, idempotencyKey: "refund-2") }
            #expect(isRejected(error))
        }
    }

    @Test func theSameIdempotencyKeyPlacesOneHold() async throws {
        let standIn = StripeStandIn()
        try await standIn.serve { url in
            let gateway = gateway(url)
            let request = chargeRequest(key: "hold-once")
            let first = try await gateway.authorize(request)
            let second = try await gateway.authorize(request)
            #expect(second.reference == first.reference)
            #expect(standIn.intentCount == 1)
            // The same key with another amount is a bug, not a retry.
            var other = request
            other.amount += 1
            let error = await failure { try await gateway.authorize(other) }
            #expect(isRejected(error))
            #expect(standIn.intentCount == 1)
        }
    }

    @Test(arguments: [500, 503, 429, 409])
    func anAnswerThatSettlesNothingLeavesTheOutcomeUnknown(status: Int) async throws {
        try await StripeStandIn(mode: .failing(.init(code: status))).serve { url in
            let gateway = gateway(url)
            let errors = [
                await failure { try await gateway.card(token: "pm_card_visa") },
                await failure { try await gateway.saveCard(token: "pm_card_visa", idempotencyKey: "s") },
                await failure { try await gateway.authorize(chargeRequest()) },
                await failure { try await gateway.charge(chargeRequest()) },
                await failure { try await gateway.capture(hold: "pi_1", amount: 1, idempotencyKey: "c") },
                await failure { try await gateway.release(hold: "pi_1", idempotencyKey: "r") },
                await failure { try await gateway.refund(charge: "pi_1", amount: 1, idempotencyKey: "f") },
            ]
            #expect(errors.allSatisfy(isUnknownOutcome), "\(errors)")
        }
    }

    @Test func aStripeTooSlowToAnswerLeavesTheOutcomeUnknown() async throws {
        try await StripeStandIn(mode: .slow(.seconds(2))).serve { url in
            let clock = ContinuousClock()
            let start = clock.now
            let error = await failure { try await gateway(url, timeout: .milliseconds(300)).authorize(chargeRequest()) }
            #expect(isUnknownOutcome(error))
            #expect(clock.now - start < .milliseconds(1_500))
        }
    }

    @Test func anUnreachableStripeLeavesTheOutcomeUnknown() async throws {
        // Nothing listens on port 1.
        let gateway = gateway(URL(string: "http://127.0.0.1:1")!, timeout: .seconds(2))
        let error = await failure { try await gateway.charge(chargeRequest()) }
        #expect(isUnknownOutcome(error))
    }

    @Test func aWrongKeyIsRejected() async throws {
        try await StripeStandIn().serve { url in
            let error = await failure { try await gateway(url, key: "sk_test_wrong").card(token: "pm_card_visa") }
            #expect(isRejected(error))
        }
    }

    @Test func theSecretKeyAppearsInNoError() async throws {
        let key = "sk_test_\(UUID().uuidString)"
        // The stand-in quotes the presented key in its 401 message.
        var errors = try await StripeStandIn().serve { url -> [GatewayError?] in
            [await failure { try await gateway(url, key: key).card(token: "pm_card_visa") }]
        }
        errors += try await StripeStandIn(secretKey: key).serve { url -> [GatewayError?] in
            let gateway = gateway(url, key: key)
            #expect(!String(describing: gateway).contains(key))
            #expect(!String(reflecting: gateway).contains(key))
            return [
                await failure { try await gateway.card(token: "pm_unknown") },
                await failure { try await gateway.saveCard(token: "pm_unknown", idempotencyKey: "s") },
                await failure { try await gateway.capture(hold: "pi_unknown", amount: 1, idempotencyKey: "c") },
            ]
        }
        for mode in [StripeStandIn.Mode.failing(.internalServerError), .declining(StripeStandIn.error("card_error", message: key))] {
            errors += try await StripeStandIn(mode: mode, secretKey: key).serve { url -> [GatewayError?] in
                [await failure { try await gateway(url, key: key).authorize(chargeRequest()) }]
            }
        }
        errors += try await StripeStandIn(mode: .slow(.seconds(1)), secretKey: key).serve { url -> [GatewayError?] in
            [await failure { try await gateway(url, key: key, timeout: .milliseconds(200)).authorize(chargeRequest()) }]
        }
        errors.append(await failure { try await gateway(URL(string: "http://127.0.0.1:1")!, key: key).card(token: "pm_card_visa") })
        #expect(errors.count == 8)
        for error in errors {
            #expect(error != nil)
            #expect(!String(describing: error).contains(key))
            #expect(!String(reflecting: error).contains(key))
        }
    }
}
