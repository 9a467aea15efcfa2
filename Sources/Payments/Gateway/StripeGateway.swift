import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// ``PaymentGateway`` on Stripe's REST API (https://docs.stripe.com/api): a hold is a PaymentIntent
/// confirmed off-session with manual capture, an immediate charge one with automatic capture; the
/// PaymentIntent's id is the reference of both.
///
/// A card is saved before it pays: Stripe lets a PaymentMethod attached to no Customer pay once, and a
/// fare takes several payments (the hold, the rest of the fare, a tip). ``saveCard(token:idempotencyKey:)``
/// attaches it to a Customer of its own and answers `cus_.../pm_...`, which every PaymentIntent then
/// sends as `customer` and `payment_method`; a bare `pm_...` (stored before cards were saved) is sent as
/// it is.
///
/// Every POST carries the caller's idempotency key as `Idempotency-Key`, so asking again after
/// ``GatewayError/unknownOutcome(_:)`` returns Stripe's first answer instead of moving money twice.
/// The secret key goes into the `Authorization` header and nowhere else: no error and no description
/// contains it.
public struct StripeGateway: PaymentGateway {
    /// Pinned so that a change of the account's default API version cannot change the answers' shape.
    static let apiVersion = "2024-06-20"
    /// Stripe's answers here are a few kilobytes; more is not Stripe.
    static let maxBodyBytes = 1 << 20
    /// What a hold lasts when Stripe does not say: an online card authorization's validity.
    static let defaultHoldLifetime: TimeInterval = 7 * 86_400

    let secretKey: String
    let baseURL: String
    let timeout: Duration
    let client: HTTPClient

    /// - Parameters:
    ///   - secretKey: The account's secret key (`sk_live_...`, `sk_test_...`).
    ///   - baseURL: Stripe's API, or a stand-in in tests.
    ///   - timeout: The bound on each call, from sending the request to the last byte of the answer;
    ///     a call that exceeds it fails with ``GatewayError/unknownOutcome(_:)``.
    ///   - client: The HTTP client to send with.
    public init(
        secretKey: String, baseURL: URL = URL(string: "https://api.stripe.com")!, timeout: Duration = .seconds(10),
        client: HTTPClient = .shared
    ) {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.secretKey = secretKey
        self.baseURL = base
        self.timeout = timeout
        self.client = client
    }

    /// The card of a PaymentMethod: `token` is its id, or a reference ``saveCard(token:idempotencyKey:)``
    /// made (whose PaymentMethod part is read).
    public func card(token: String) async throws(GatewayError) -> CardDetails {
        let reference = try StripeCardReference(token)
        let method: StripePaymentMethod = try await call(.GET, Self.paymentMethodPath(reference.paymentMethod))
        return try Self.details(method)
    }

    /// Attaches the PaymentMethod `token` names to a new Customer (`POST /v1/customers` under
    /// `idempotencyKey` + `-customer`, then `POST /v1/payment_methods/{id}/attach` under `-attach`)
    /// and answers `cus_.../pm_...` with the attached card.
    ///
    /// The PaymentMethod is read first, so a card that has a Customer already keeps it and no other
    /// is made: a retry whose attach went through though its answer was lost, a card saved under
    /// another key, or one attached meanwhile by a save racing this one. An unknown PaymentMethod makes
    /// no Customer. Every refusal, a card error at the attach included, is ``GatewayError/rejected(_:)``.
    public func saveCard(token: String, idempotencyKey: String) async throws(GatewayError) -> SavedCard {
        let given = try StripeCardReference(token)
        let path = Self.paymentMethodPath(given.paymentMethod)
        let method: StripePaymentMethod = try await saving(.GET, path)
        if let owner = method.customer { return try Self.savedCard(method, customer: owner) }
        // Refused before a Customer exists for it.
        _ = try Self.details(method)

        var customerForm = StripeForm()
        // Lets an operator tell which card add made a Customer, and so find one a raced save left unused.
        customerForm.add("metadata[curbside_save_key]", idempotencyKey)
        let customer: StripeCustomer = try await saving(
            .POST, "/v1/customers", form: customerForm, idempotencyKey: idempotencyKey + "-customer")

        var attachForm = StripeForm()
        attachForm.add("customer", customer.id)
        let attached: StripePaymentMethod
        do throws(StripeFailure) {
            attached = try await send(.POST, path + "/attach", form: attachForm, idempotencyKey: idempotencyKey + "-attach")
        } catch .refused(let status, let error) where status == 400 {
            // Stripe refuses to attach a card that has a Customer to another: if a save racing this one
            // attached it since it was read, that Customer is the one payments must name. The Customer
            // made here stays unused.
            let current: StripePaymentMethod = try await saving(.GET, path)
            guard let owner = current.customer else { throw StripeFailure.refused(status: status, error).savingCardError }
            return try Self.savedCard(current, customer: owner)
        } catch {
            throw error.savingCardError
        }
        return try Self.savedCard(attached, customer: attached.customer ?? customer.id)
    }

    public func authorize(_ request: GatewayChargeRequest) async throws(GatewayError) -> GatewayHold {
        let intent = try await createIntent(request, captureMethod: "manual")
        // Anything else (`requires_action`: the bank wants the passenger, who is not there) holds nothing.
        guard intent.status == "requires_capture" else { throw .declined(.cardDeclined) }
        let captureBefore = intent.latestCharge?.paymentMethodDetails?.card?.captureBefore
        return GatewayHold(
            reference: intent.id, amount: intent.amountCapturable ?? intent.amount,
            expireTime: captureBefore.map { Date(timeIntervalSince1970: TimeInterval($0)) }
                ?? Date().addingTimeInterval(Self.defaultHoldLifetime))
    }

    public func capture(hold: String, amount: Int64, idempotencyKey: String) async throws(GatewayError) -> GatewayCharge {
        var form = StripeForm()
        form.add("amount_to_capture", amount)
        let intent: StripePaymentIntent
        do throws(StripeFailure) {
            intent = try await send(
                .POST, "/v1/payment_intents/\(StripeForm.escape(hold))/capture", form: form, idempotencyKey: idempotencyKey)
        } catch .refused(_, let error?) where error.code == "payment_intent_unexpected_state" {
            // Captured already under another key: that capture is the answer, not a lost hold.
            if let current = error.paymentIntent, current.status == "succeeded" {
                return GatewayCharge(reference: current.id, amount: current.amountReceived ?? current.amount)
            }
            // Canceled: released, or expired uncaptured.
            throw .holdExpired
        } catch {
            throw error.gatewayError
        }
        guard intent.status == "succeeded" else {
            throw .unknownOutcome("Stripe answered the capture of \(intent.id) with status \(intent.status)")
        }
        return GatewayCharge(reference: intent.id, amount: intent.amountReceived ?? amount)
    }

    public func release(hold: String, idempotencyKey: String) async throws(GatewayError) {
        let intent: StripePaymentIntent
        do throws(StripeFailure) {
            intent = try await send(
                .POST, "/v1/payment_intents/\(StripeForm.escape(hold))/cancel", form: StripeForm(),
                idempotencyKey: idempotencyKey)
        } catch .refused(_, let error?) where error.code == "payment_intent_unexpected_state" {
            // Canceled or captured already: nothing is held any more, which is all a release asks for.
            return
        } catch {
            throw error.gatewayError
        }
        guard intent.status == "canceled" else {
            throw .unknownOutcome("Stripe answered the cancel of \(intent.id) with status \(intent.status)")
        }
    }

    public func charge(_ request: GatewayChargeRequest) async throws(GatewayError) -> GatewayCharge {
        let intent = try await createIntent(request, captureMethod: "automatic")
        guard intent.status == "succeeded" else { throw .declined(.cardDeclined) }
        return GatewayCharge(reference: intent.id, amount: intent.amountReceived ?? intent.amount)
    }

    public func refund(charge: String, amount: Int64, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund {
        var form = StripeForm()
        form.add("payment_intent", charge)
        form.add("amount", amount)
        let refund: StripeRefund = try await call(.POST, "/v1/refunds", form: form, idempotencyKey: idempotencyKey)
        switch refund.status {
        case "failed", "canceled":
            throw .rejected("Stripe refund \(refund.id) \(refund.status)")
        default:
            // `succeeded`, or `pending`: accepted, the money is on its way back.
            return GatewayRefund(reference: refund.id, amount: refund.amount)
        }
    }

    /// A PaymentIntent confirmed at once, without the passenger present.
    private func createIntent(_ request: GatewayChargeRequest, captureMethod: String) async throws(GatewayError)
        -> StripePaymentIntent
    {
        let card = try StripeCardReference(request.cardToken)
        var form = StripeForm()
        form.add("amount", request.amount)
        form.add("currency", request.currencyCode.lowercased())
        // Stripe refuses a PaymentMethod that has a Customer unless the intent names that Customer.
        if let customer = card.customer { form.add("customer", customer) }
        form.add("payment_method", card.paymentMethod)
        // Cards only: otherwise the account's automatic payment methods may redirect, and Stripe
        // refuses to confirm without a `return_url`.
        form.add("payment_method_types[]", "card")
        form.add("confirm", true)
        form.add("capture_method", captureMethod)
        form.add("off_session", true)
        form.add("description", request.description)
        form.add("expand[]", "latest_charge")
        return try await call(.POST, "/v1/payment_intents", form: form, idempotencyKey: request.idempotencyKey)
    }

    /// ``send(_:_:form:idempotencyKey:)`` for calls whose failures all mean what they usually do.
    private func call<Object: Decodable>(
        _ method: HTTPMethod, _ path: String, form: StripeForm? = nil, idempotencyKey: String? = nil
    ) async throws(GatewayError) -> Object {
        do throws(StripeFailure) {
            return try await send(method, path, form: form, idempotencyKey: idempotencyKey)
        } catch {
            throw error.gatewayError
        }
    }

    /// ``call(_:_:form:idempotencyKey:)`` for the calls that save a card (see ``StripeFailure/savingCardError``).
    private func saving<Object: Decodable>(
        _ method: HTTPMethod, _ path: String, form: StripeForm? = nil, idempotencyKey: String? = nil
    ) async throws(GatewayError) -> Object {
        do throws(StripeFailure) {
            return try await send(method, path, form: form, idempotencyKey: idempotencyKey)
        } catch {
            throw error.savingCardError
        }
    }

    private static func paymentMethodPath(_ id: String) -> String {
        "/v1/payment_methods/\(StripeForm.escape(id))"
    }

    private static func details(_ method: StripePaymentMethod) throws(GatewayError) -> CardDetails {
        guard let card = method.card else { throw .rejected("payment method \(method.id) is not a card") }
        return CardDetails(brand: card.brand, last4: card.last4, expMonth: card.expMonth, expYear: card.expYear)
    }

    private static func savedCard(_ method: StripePaymentMethod, customer: String) throws(GatewayError) -> SavedCard {
        let reference = StripeCardReference(customer: customer, paymentMethod: method.id)
        return SavedCard(reference: reference.description, card: try details(method))
    }

    /// One call: the object on 2xx; Stripe's error on any other answer that says nothing happened;
    /// `noAnswer` when the outcome is open (no answer in time, 409, 429, 5xx, a 2xx we cannot read).
    private func send<Object: Decodable>(
        _ method: HTTPMethod, _ path: String, form: StripeForm?, idempotencyKey: String?
    ) async throws(StripeFailure) -> Object {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(secretKey)")
        request.headers.add(name: "Stripe-Version", value: Self.apiVersion)
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form.encoded))
        }
        let endpoint = "\(method.rawValue) \(path)"
        let answer: (status: HTTPResponseStatus, body: Data)
        do {
            answer = try await exchange(request)
        } catch {
            throw .noAnswer(redacted("no answer from Stripe to \(endpoint): \(error)"))
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var stripeError = try? decoder.decode(StripeError.Body.self, from: answer.body).error
        if let message = stripeError?.message { stripeError?.message = redacted(message) }
        switch answer.status.code {
        case 200..<300:
            do {
                return try decoder.decode(Object.self, from: answer.body)
            } catch {
                throw .noAnswer("Stripe answered \(endpoint) with \(answer.status.code) and no readable \(Object.self)")
            }
        case 409, 429, 500...:
            // A concurrent call with the same key, rate limiting, or trouble at Stripe: it may have happened.
            throw .noAnswer(
                "Stripe answered \(endpoint) with \(answer.status.code): \(stripeError?.message ?? "no message")")
        default:
            throw .refused(status: answer.status.code, stripeError)
        }
    }

    private struct Timeout: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no complete answer within \(timeout)" }
    }

    /// Sends `request` and reads the whole answer within `timeout`. AsyncHTTPClient's deadline ends
    /// when the answer's head arrives, so the body is raced against a timer as well.
    private func exchange(_ request: HTTPClientRequest) async throws -> (status: HTTPResponseStatus, body: Data) {
        let (seconds, attoseconds) = timeout.components
        let deadline = NIODeadline.now() + .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        return try await withThrowingTaskGroup(of: (status: HTTPResponseStatus, body: Data).self) { group in
            group.addTask {
                let response = try await client.execute(request, deadline: deadline)
                let body = try await response.body.collect(upTo: Self.maxBodyBytes)
                return (response.status, Data(body.readableBytesView))
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Timeout(timeout: timeout)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func redacted(_ text: String) -> String {
        secretKey.isEmpty ? text : text.replacingOccurrences(of: secretKey, with: "sk_[redacted]")
    }
}

extension StripeGateway: CustomStringConvertible, CustomDebugStringConvertible {
    /// Names the API, never the key: a gateway that ends up in a log or a test failure leaks nothing.
    public var description: String { "StripeGateway(\(baseURL))" }
    public var debugDescription: String { description }
}

/// A card as payments names it to ``StripeGateway``: `cus_.../pm_...` once saved (the Customer every
/// PaymentIntent must then name, and its PaymentMethod), or a bare `pm_...` stored before cards were.
struct StripeCardReference: Equatable, Sendable, CustomStringConvertible {
    var customer: String?
    var paymentMethod: String

    init(customer: String?, paymentMethod: String) {
        self.customer = customer
        self.paymentMethod = paymentMethod
    }

    /// Refuses an empty part or a second `/` without asking Stripe: its ids contain no `/`, so such
    /// a reference is none the adapter made.
    init(_ reference: String) throws(GatewayError) {
        let parts = reference.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, !parts.contains(where: \.isEmpty) else {
            throw .rejected("not a Stripe card reference: expected pm_... or cus_.../pm_...")
        }
        self.init(customer: parts.count == 2 ? parts[0] : nil, paymentMethod: parts[parts.count - 1])
    }

    /// What ``SavedCard/reference`` carries.
    var description: String {
        customer.map { "\($0)/\(paymentMethod)" } ?? paymentMethod
    }
}
