import Foundation

/// A card processor, as payments uses one: holds placed at trip request, captured or released when
/// the trip ends, immediate charges (tips, the part of a fare beyond its hold), refunds.
///
/// Every call that moves money carries an idempotency key: the same key sent again (a retry after a
/// timeout, a second instance doing the same work) must return the first call's result and move no
/// money twice. That is what lets payments resolve an unknown outcome by asking again.
public protocol PaymentGateway: Sendable {
    /// The card behind a token made by the gateway's client SDK (the API never sees card numbers).
    func card(token: String) async throws(GatewayError) -> CardDetails

    /// Readies a freshly tokenized card for charges without the passenger present (at Stripe: a
    /// Customer with the PaymentMethod attached) and returns the reference later calls charge.
    /// Called once when a passenger adds the card; the key makes a retried add one customer.
    func saveCard(token: String, idempotencyKey: String) async throws(GatewayError) -> SavedCard

    /// Places a hold of `request.amount` (authorization with manual capture).
    func authorize(_ request: GatewayChargeRequest) async throws(GatewayError) -> GatewayHold

    /// Captures `amount` (at most the held amount) of a hold; the rest of the hold is released.
    func capture(hold: String, amount: Int64, idempotencyKey: String) async throws(GatewayError) -> GatewayCharge

    /// Releases a hold without charging anything.
    func release(hold: String, idempotencyKey: String) async throws(GatewayError)

    /// Charges a card at once (captured immediately), without the passenger present.
    func charge(_ request: GatewayChargeRequest) async throws(GatewayError) -> GatewayCharge

    /// Refunds `amount` of an earlier capture or charge.
    func refund(charge: String, amount: Int64, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund
}

/// What the gateway tells about a tokenized card.
public struct CardDetails: Sendable, Equatable, Codable {
    /// Lowercase brand as the gateway names it: `visa`, `mastercard`, `amex`, ...
    public var brand: String
    public var last4: String
    public var expMonth: Int
    public var expYear: Int

    public init(brand: String, last4: String, expMonth: Int, expYear: Int) {
        self.brand = brand
        self.last4 = last4
        self.expMonth = expMonth
        self.expYear = expYear
    }
}

/// A card ready for repeated charges: what payments stores (never shown by the API) and its details.
public struct SavedCard: Sendable, Equatable {
    /// What ``GatewayChargeRequest/cardToken`` carries for this card from now on.
    public var reference: String
    public var card: CardDetails

    public init(reference: String, card: CardDetails) {
        self.reference = reference
        self.card = card
    }
}

extension PaymentGateway {
    /// Gateways whose tokens are reusable as they are (the sandbox) save nothing.
    public func saveCard(token: String, idempotencyKey: String) async throws(GatewayError) -> SavedCard {
        SavedCard(reference: token, card: try await card(token: token))
    }
}

/// A hold or an immediate charge to place on a card.
public struct GatewayChargeRequest: Sendable, Equatable {
    /// The gateway's token for the card (a payment method).
    public var cardToken: String
    /// Minor units, > 0.
    public var amount: Int64
    /// ISO 4217, uppercase.
    public var currencyCode: String
    /// Sent as the gateway's idempotency key.
    public var idempotencyKey: String
    /// Shown in the gateway's dashboard (e.g. `trips/{trip}`).
    public var description: String

    public init(cardToken: String, amount: Int64, currencyCode: String, idempotencyKey: String, description: String) {
        self.cardToken = cardToken
        self.amount = amount
        self.currencyCode = currencyCode
        self.idempotencyKey = idempotencyKey
        self.description = description
    }
}

/// A placed hold.
public struct GatewayHold: Sendable, Equatable, Codable {
    /// The gateway's id for the hold (a PaymentIntent id at Stripe).
    public var reference: String
    public var amount: Int64
    /// When the gateway drops the hold if it is not captured.
    public var expireTime: Date

    public init(reference: String, amount: Int64, expireTime: Date) {
        self.reference = reference
        self.amount = amount
        self.expireTime = expireTime
    }
}

/// Money taken: a capture of a hold or an immediate charge.
public struct GatewayCharge: Sendable, Equatable, Codable {
    /// What a refund names (a PaymentIntent id at Stripe).
    public var reference: String
    public var amount: Int64

    public init(reference: String, amount: Int64) {
        self.reference = reference
        self.amount = amount
    }
}

/// Money given back.
public struct GatewayRefund: Sendable, Equatable, Codable {
    public var reference: String
    public var amount: Int64

    public init(reference: String, amount: Int64) {
        self.reference = reference
        self.amount = amount
    }
}

/// Why a gateway call did not succeed. Only ``unknownOutcome(_:)`` leaves the money's fate open.
public enum GatewayError: Error, Sendable, Equatable {
    /// The card was refused; nothing was held or charged. `reason` is one of ``DeclineReason``.
    case declined(DeclineReason)
    /// The hold no longer exists at the gateway (it expired or was released); nothing was captured.
    case holdExpired
    /// The gateway refused the request itself (unknown token, amount above what is refundable, ...);
    /// nothing happened and sending it again cannot help.
    case rejected(String)
    /// No answer (timeout, 5xx, connection lost after sending, rate limited): the operation may or
    /// may not have happened. Ask again with the same idempotency key to learn which.
    case unknownOutcome(String)
}

/// Stable decline reasons, as the API reports them (`PAYMENT_DECLINED` with `declineReason`).
public enum DeclineReason: String, Sendable, Codable, CaseIterable {
    case cardDeclined = "CARD_DECLINED"
    case insufficientFunds = "INSUFFICIENT_FUNDS"
    case expiredCard = "EXPIRED_CARD"
    case incorrectCVC = "INCORRECT_CVC"
    case processingError = "PROCESSING_ERROR"
}
