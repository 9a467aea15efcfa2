import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import NIOCore

/// A stand-in for the part of Stripe's API that ``StripeGateway`` uses, on a real socket: payment
/// methods (read, attach), customers, PaymentIntents (create and confirm, capture, cancel) and
/// refunds, kept in memory, answered with Stripe's objects and error bodies. Like Stripe it checks the
/// Bearer key and replays a POST's first answer for its `Idempotency-Key`, a 500 included, without
/// doing anything again (the same key with other parameters is refused); unlike Stripe it also
/// refuses a POST without a key or a request without the pinned `Stripe-Version`, so that every test
/// checks those headers.
///
/// Like Stripe it lets a payment method attached to no customer pay once, and refuses it afterwards,
/// to an attach too; one attached to a customer pays only with `customer` naming that customer. At
/// Stripe `pm_card_visa` and its kind are aliases that make a new payment method at each use; here
/// each is one payment method per stand-in, so that those rules show.
final class StripeStandIn: Sendable {
    enum Mode: Sendable {
        /// Behaves as Stripe does.
        case normal
        /// Every PaymentIntent creation fails with this 402 body.
        case declining(String)
        /// Every call is answered with this status and Stripe's generic error body.
        case failing(HTTPResponse.Status)
        /// Every call waits this long, then is answered as usual.
        case slow(Duration)
        /// The first call to `path` is answered with `status` and Stripe's generic error body, after
        /// doing its work if `performed` (an answer lost on its way); then Stripe as usual.
        case failingOnce(path: String, status: HTTPResponse.Status, performed: Bool)
        /// The first attach finds the payment method attached meanwhile to another customer, as when
        /// two saves of one card race.
        case racingAttach
    }

    struct PaymentMethod: Sendable {
        let brand: String
        let last4: String
        /// The customer it is attached to.
        var customer: String?
        /// Paid once while attached to no customer: Stripe lets it neither pay again nor be attached.
        var spent = false
    }

    struct Intent: Sendable {
        let id: String
        let amount: Int
        let currency: String
        let paymentMethod: String
        let customer: String?
        let captureMethod: String
        var status: String
        var amountCapturable: Int
        var amountReceived: Int
    }

    /// One request as it arrived.
    struct Received: Sendable {
        let method: HTTPRequest.Method
        let path: String
        let headers: HTTPFields
        /// The raw form body.
        let body: String
        /// The form body decoded.
        let fields: [String: String]
    }

    typealias Answer = (status: HTTPResponse.Status, json: String)

    private struct State: Sendable {
        var paymentMethods = StripeStandIn.cards.mapValues { PaymentMethod(brand: $0.brand, last4: $0.last4) }
        /// Each customer's metadata.
        var customers: [String: [String: String]] = [:]
        /// Whether `.failingOnce` or `.racingAttach` has struck.
        var struck = false
        var intents: [String: Intent] = [:]
        var refunded: [String: Int] = [:]
        /// By idempotency key: the body first sent with it and the answer it got.
        var answers: [String: (body: String, answer: Answer)] = [:]
        var received: [Received] = []
        var lastID = 0

        mutating func nextID(_ prefix: String) -> String {
            lastID += 1
            return "\(prefix)_standin\(lastID)"
        }
    }

    static let defaultKey = "sk_test_51StandInSecretKey7dc0d3bd"
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let stripeVersion = HTTPField.Name("Stripe-Version")!
    /// The `capture_before` of every card hold but Mastercard's, whose charge carries none.
    static let captureBefore = 1_900_000_000
    /// Stripe's test payment methods; a hold on `pm_card_threeDSecureRequired` stops at `requires_action`,
    /// and `pm_card_chargeDeclined` is declined by every payment and by an attach.
    static let cards: [String: (brand: String, last4: String)] = [
        "pm_card_visa": ("visa", "4242"), "pm_card_mastercard": ("mastercard", "4444"),
        "pm_card_threeDSecureRequired": ("visa", "3220"), "pm_card_chargeDeclined": ("visa", "0002"),
    ]
    static let declined = error(
        "card_error", code: "card_declined", message: "Your card was declined.", declineCode: "generic_decline")

    let secretKey: String
    let mode: Mode
    private let state = NIOLockedValueBox(State())

    init(mode: Mode = .normal, secretKey: String = StripeStandIn.defaultKey) {
        self.mode = mode
        self.secretKey = secretKey
    }

    var received: [Received] { state.withLockedValue { $0.received } }
    var intentCount: Int { state.withLockedValue { $0.intents.count } }
    func intent(_ id: String) -> Intent? { state.withLockedValue { $0.intents[id] } }
    var customerCount: Int { state.withLockedValue { $0.customers.count } }
    /// The customer a payment method is attached to.
    func customer(of paymentMethod: String) -> String? { state.withLockedValue { $0.paymentMethods[paymentMethod]?.customer } }

    /// Runs `body` with the stand-in listening on a loopback port.
    func serve<Value: Sendable>(_ body: @Sendable (URL) async throws -> Value) async throws -> Value {
        let router = Router()
        router.get("/v1/payment_methods/:id") { request, context -> Response in
            try await self.respond(to: request, .paymentMethod(context.parameters.get("id") ?? ""))
        }
        router.post("/v1/payment_methods/:id/attach") { request, context -> Response in
            try await self.respond(to: request, .attach(context.parameters.get("id") ?? ""))
        }
        router.post("/v1/customers") { request, _ -> Response in
            try await self.respond(to: request, .createCustomer)
        }
        router.post("/v1/payment_intents") { request, _ -> Response in
            try await self.respond(to: request, .createIntent)
        }
        router.post("/v1/payment_intents/:id/capture") { request, context -> Response in
            try await self.respond(to: request, .capture(context.parameters.get("id") ?? ""))
        }
        router.post("/v1/payment_intents/:id/cancel") { request, context -> Response in
            try await self.respond(to: request, .cancel(context.parameters.get("id") ?? ""))
        }
        router.post("/v1/refunds") { request, _ -> Response in
            try await self.respond(to: request, .refund)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            try await body(URL(string: "http://127.0.0.1:\(client.port!)")!)
        }
    }

    private enum Endpoint {
        case paymentMethod(String), attach(String), createCustomer, createIntent, capture(String), cancel(String), refund
    }

    private func respond(to request: Request, _ endpoint: Endpoint) async throws -> Response {
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: 1 << 16))
        let received = Received(
            method: request.method, path: request.uri.path, headers: request.headers, body: body, fields: Self.fields(body))
        state.withLockedValue { $0.received.append(received) }
        let answer = await answer(received, endpoint)
        return Response(
            status: answer.status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: answer.json)))
    }

    private func answer(_ request: Received, _ endpoint: Endpoint) async -> Answer {
        switch mode {
        case .failing(let status):
            return (status, Self.error("api_error", message: "Something went wrong on Stripe's end."))
        case .slow(let delay):
            try? await Task.sleep(for: delay)
        case .normal, .declining, .failingOnce, .racingAttach:
            break
        }
        guard request.headers[.authorization] == "Bearer \(secretKey)" else {
            // Stripe masks all but the key's end; echoing it whole checks that the adapter passes none of it on.
            let presented = request.headers[.authorization] ?? ""
            return (.unauthorized, Self.error("invalid_request_error", message: "Invalid API Key provided: \(presented)"))
        }
        guard request.headers[Self.stripeVersion] == "2024-06-20" else {
            return (.badRequest, Self.error("invalid_request_error", message: "stand-in: Stripe-Version is not 2024-06-20"))
        }
        guard request.method == .post else { return state.withLockedValue { performOrFail(endpoint, request, &$0) } }
        guard request.headers[.contentType] == "application/x-www-form-urlencoded" else {
            return (.badRequest, Self.error("invalid_request_error", message: "stand-in: the body is not a form"))
        }
        guard let key = request.headers[Self.idempotencyKey], !key.isEmpty else {
            return (.badRequest, Self.error("invalid_request_error", message: "stand-in: POST without Idempotency-Key"))
        }
        return state.withLockedValue { state in
            if let earlier = state.answers[key] {
                guard earlier.body == request.body else {
                    let message = "Keys for idempotent requests can only be used with the same parameters they were first used with."
                    return (.badRequest, Self.error("idempotency_error", message: message))
                }
                return earlier.answer
            }
            let answer = performOrFail(endpoint, request, &state)
            state.answers[key] = (request.body, answer)
            return answer
        }
    }

    /// `perform`, unless this is the call `.failingOnce` picks.
    private func performOrFail(_ endpoint: Endpoint, _ request: Received, _ state: inout State) -> Answer {
        guard case .failingOnce(let path, let status, let performed) = mode, path == request.path, !state.struck else {
            return perform(endpoint, request.fields, &state)
        }
        state.struck = true
        if performed { _ = perform(endpoint, request.fields, &state) }
        return (status, Self.error("api_error", message: "Something went wrong on Stripe's end."))
    }

    private func perform(_ endpoint: Endpoint, _ fields: [String: String], _ state: inout State) -> Answer {
        switch endpoint {
        case .paymentMethod(let id):
            guard let method = state.paymentMethods[id] else { return Self.missing("PaymentMethod", id) }
            return (.ok, Self.json(Self.object(id, method)))

        case .attach(let id):
            guard var method = state.paymentMethods[id] else { return Self.missing("PaymentMethod", id) }
            guard let customer = fields["customer"] else {
                return (.badRequest, Self.error("invalid_request_error", message: "stand-in: a field is missing"))
            }
            guard state.customers[customer] != nil else { return Self.missing("customer", customer) }
            if case .racingAttach = mode, !state.struck {
                state.struck = true
                let other = state.nextID("cus")
                state.customers[other] = [:]
                method.customer = other
                state.paymentMethods[id] = method
            }
            // Attaching it again to its own customer changes nothing, and Stripe answers with it.
            if let owner = method.customer, owner != customer {
                let message = "The payment method you provided has already been attached to a customer."
                return (.badRequest, Self.error("invalid_request_error", message: message))
            }
            guard !method.spent else {
                let message =
                    "This PaymentMethod was previously used without being attached to a Customer or was detached "
                    + "from a Customer, and may not be used again."
                return (.badRequest, Self.error("invalid_request_error", message: message))
            }
            // Stripe checks the card with the issuer when it is attached.
            if id == "pm_card_chargeDeclined" { return (.init(code: 402), Self.declined) }
            method.customer = customer
            state.paymentMethods[id] = method
            return (.ok, Self.json(Self.object(id, method)))

        case .createCustomer:
            let id = state.nextID("cus")
            let metadata = fields.filter { $0.key.hasPrefix("metadata[") && $0.key.hasSuffix("]") }
            state.customers[id] = Dictionary(uniqueKeysWithValues: metadata.map { (String($0.key.dropFirst(9).dropLast()), $0.value) })
            return (.ok, Self.json(["id": id, "object": "customer", "metadata": state.customers[id] ?? [:]]))

        case .createIntent:
            if case .declining(let body) = mode { return (.init(code: 402), body) }
            guard let amount = fields["amount"].flatMap(Int.init), amount > 0, let currency = fields["currency"],
                let methodID = fields["payment_method"], fields["confirm"] == "true",
                let captureMethod = fields["capture_method"], ["manual", "automatic"].contains(captureMethod)
            else { return (.badRequest, Self.error("invalid_request_error", message: "stand-in: a field is missing")) }
            guard let method = state.paymentMethods[methodID] else { return Self.missing("PaymentMethod", methodID) }
            if let customer = fields["customer"], state.customers[customer] == nil { return Self.missing("customer", customer) }
            if let refusal = Self.refusal(of: methodID, method, customer: fields["customer"]) {
                return (.badRequest, Self.error("invalid_request_error", message: refusal))
            }
            if method.customer == nil { state.paymentMethods[methodID]?.spent = true }
            if methodID == "pm_card_chargeDeclined" { return (.init(code: 402), Self.declined) }
            let manual = captureMethod == "manual"
            let status =
                methodID == "pm_card_threeDSecureRequired" ? "requires_action" : manual ? "requires_capture" : "succeeded"
            let intent = Intent(
                id: state.nextID("pi"), amount: amount, currency: currency, paymentMethod: methodID,
                customer: fields["customer"], captureMethod: captureMethod, status: status,
                amountCapturable: status == "requires_capture" ? amount : 0, amountReceived: status == "succeeded" ? amount : 0)
            state.intents[intent.id] = intent
            return (.ok, Self.json(Self.object(intent, expandCharge: fields["expand[]"] == "latest_charge")))

        case .capture(let id):
            guard var intent = state.intents[id] else { return Self.missing("payment_intent", id) }
            guard intent.status == "requires_capture" else {
                let message =
                    "This PaymentIntent could not be captured because it has a status of \(intent.status). "
                    + "Only a PaymentIntent with one of the following statuses may be captured: requires_capture."
                return Self.unexpectedState(intent, message)
            }
            let amount = fields["amount_to_capture"].flatMap(Int.init) ?? intent.amount
            guard amount <= intent.amountCapturable else {
                return (.badRequest, Self.error("invalid_request_error", message: "stand-in: amount_to_capture too large"))
            }
            intent.status = "succeeded"
            intent.amountReceived = amount
            intent.amountCapturable = 0
            state.intents[id] = intent
            return (.ok, Self.json(Self.object(intent)))

        case .cancel(let id):
            guard var intent = state.intents[id] else { return Self.missing("payment_intent", id) }
            guard ["requires_capture", "requires_action", "requires_payment_method"].contains(intent.status) else {
                let message =
                    "You cannot cancel this PaymentIntent because it has a status of \(intent.status). Only a PaymentIntent "
                    + "with one of the following statuses may be canceled: requires_payment_method, requires_capture, "
                    + "requires_confirmation, requires_action, processing."
                return Self.unexpectedState(intent, message)
            }
            intent.status = "canceled"
            intent.amountCapturable = 0
            state.intents[id] = intent
            return (.ok, Self.json(Self.object(intent)))

        case .refund:
            let id = fields["payment_intent"] ?? ""
            guard let intent = state.intents[id] else { return Self.missing("payment_intent", id) }
            let refundable = intent.amountReceived - state.refunded[id, default: 0]
            let amount = fields["amount"].flatMap(Int.init) ?? refundable
            guard intent.status == "succeeded", amount > 0, amount <= refundable else {
                let message = "Refund amount (\(amount)) is greater than unrefunded amount on charge (\(refundable))"
                return (.badRequest, Self.error("invalid_request_error", message: message))
            }
            state.refunded[id, default: 0] += amount
            let refund: [String: Any] = [
                "id": state.nextID("re"), "object": "refund", "amount": amount, "currency": intent.currency,
                "payment_intent": id, "status": "succeeded",
            ]
            return (.ok, Self.json(refund))
        }
    }

    /// Why Stripe refuses to pay with this payment method for `customer` (the `customer` parameter), if it does.
    private static func refusal(of id: String, _ method: PaymentMethod, customer: String?) -> String? {
        if let customer {
            guard method.customer == customer else {
                return
                    "The customer does not have a payment method with the ID \(id). The payment method must be attached to the customer."
            }
            return nil
        }
        if method.customer != nil {
            return "The provided PaymentMethod belongs to a Customer, please also pass the customer parameter."
        }
        if method.spent {
            return "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared "
                + "with a connected account without Customer attachment, or was detached from a Customer. It may not be used "
                + "again. To use a PaymentMethod multiple times, you must attach it to a Customer first."
        }
        return nil
    }

    private static func object(_ id: String, _ method: PaymentMethod) -> [String: Any] {
        let card: [String: Any] = ["brand": method.brand, "last4": method.last4, "exp_month": 12, "exp_year": 2034]
        return [
            "id": id, "object": "payment_method", "type": "card", "card": card,
            "customer": method.customer.map { $0 as Any } ?? NSNull(),
        ]
    }

    private static func object(_ intent: Intent, expandCharge: Bool = false) -> [String: Any] {
        let chargeID = "ch_" + intent.id.dropFirst(3)
        var card: [String: Any] = ["brand": cards[intent.paymentMethod]?.brand ?? "visa"]
        if intent.captureMethod == "manual" && intent.paymentMethod != "pm_card_mastercard" {
            card["capture_before"] = captureBefore
        }
        // Stripe sends the charge's id unless the call asked for the object.
        var charge: Any = chargeID
        if expandCharge {
            let details: [String: Any] = ["type": "card", "card": card]
            charge = ["id": chargeID, "object": "charge", "payment_method_details": details] as [String: Any]
        }
        return [
            "id": intent.id, "object": "payment_intent", "amount": intent.amount,
            "amount_capturable": intent.amountCapturable, "amount_received": intent.amountReceived,
            "currency": intent.currency, "status": intent.status, "capture_method": intent.captureMethod,
            "payment_method": intent.paymentMethod, "customer": intent.customer.map { $0 as Any } ?? NSNull(),
            "latest_charge": charge,
        ]
    }

    private static func missing(_ kind: String, _ id: String) -> Answer {
        (.notFound, error("invalid_request_error", code: "resource_missing", message: "No such \(kind): '\(id)'"))
    }

    private static func unexpectedState(_ intent: Intent, _ message: String) -> Answer {
        let body: [String: Any] = [
            "type": "invalid_request_error", "code": "payment_intent_unexpected_state", "message": message,
            "payment_intent": object(intent),
        ]
        return (.badRequest, json(["error": body]))
    }

    static func error(_ type: String, code: String? = nil, message: String, declineCode: String? = nil) -> String {
        var body: [String: Any] = ["type": type, "message": message]
        if let code { body["code"] = code }
        if let declineCode { body["decline_code"] = declineCode }
        return json(["error": body])
    }

    private static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// `name=value&...`, percent-decoded.
    static func fields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let name = parts[0].removingPercentEncoding else { continue }
            fields[name] = parts.count > 1 ? parts[1].removingPercentEncoding ?? "" : ""
        }
        return fields
    }
}
