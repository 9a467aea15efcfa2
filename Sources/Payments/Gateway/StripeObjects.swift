import Foundation

// The parts of Stripe's objects (API version 2024-06-20) that the adapter reads, decoded with
// `.convertFromSnakeCase`; everything else Stripe sends is ignored.

/// `GET /v1/payment_methods/{id}`, and the answer to `POST /v1/payment_methods/{id}/attach`.
struct StripePaymentMethod: Decodable, Sendable {
    struct Card: Decodable, Sendable {
        var brand: String
        var last4: String
        var expMonth: Int
        var expYear: Int
    }

    var id: String
    /// Absent for payment methods that are not cards.
    var card: Card?
    /// The Customer it is attached to (an id: nothing here asks Stripe to expand it); nil while it
    /// is attached to none, which lets it pay only once.
    var customer: String?
}

/// `POST /v1/customers`: only its id, which attaching a card and every later payment name.
struct StripeCustomer: Decodable, Sendable {
    var id: String
}

/// A PaymentIntent: a hold while `requires_capture`, money taken once `succeeded`.
struct StripePaymentIntent: Decodable, Sendable {
    var id: String
    var status: String
    var amount: Int64
    var amountCapturable: Int64?
    var amountReceived: Int64?
    /// Only when the call asked for `expand[]=latest_charge`; otherwise Stripe sends the charge's id,
    /// which nothing here needs.
    var latestCharge: StripeCharge?

    private enum CodingKeys: String, CodingKey {
        case id, status, amount, amountCapturable, amountReceived, latestCharge
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        status = try container.decode(String.self, forKey: .status)
        amount = try container.decode(Int64.self, forKey: .amount)
        amountCapturable = try container.decodeIfPresent(Int64.self, forKey: .amountCapturable)
        amountReceived = try container.decodeIfPresent(Int64.self, forKey: .amountReceived)
        latestCharge = try? container.decodeIfPresent(StripeCharge.self, forKey: .latestCharge)
    }
}

/// The charge behind a PaymentIntent, for the moment its authorization lapses.
struct StripeCharge: Decodable, Sendable {
    struct Details: Decodable, Sendable {
        struct Card: Decodable, Sendable {
            /// Unix seconds; after it the hold can no longer be captured.
            var captureBefore: Int64?
        }

        var card: Card?
    }

    var paymentMethodDetails: Details?
}

/// `POST /v1/refunds`.
struct StripeRefund: Decodable, Sendable {
    var id: String
    var amount: Int64
    var status: String
}

/// Stripe's error object, the `error` of every answer that is not 2xx.
struct StripeError: Decodable, Sendable {
    /// `card_error`, `invalid_request_error`, `api_error`, `idempotency_error`, ...
    var type: String
    var code: String?
    /// The issuer's reason, when `code` is `card_declined`.
    var declineCode: String?
    var message: String?
    /// The PaymentIntent as it stands after the failed call, for errors about one.
    var paymentIntent: StripePaymentIntent?

    struct Body: Decodable, Sendable {
        var error: StripeError
    }
}

/// Why a call to Stripe returned no object, before it becomes a ``GatewayError``: kept apart so that
/// capture and release can read Stripe's answer first.
enum StripeFailure: Error {
    /// Stripe answered with an error; `error` is nil when its body was not Stripe's error object.
    case refused(status: UInt, StripeError?)
    /// No answer that tells what happened (timeout, lost connection, 5xx, 429, 409, unreadable success).
    case noAnswer(String)

    var gatewayError: GatewayError {
        switch self {
        case .noAnswer(let description):
            return .unknownOutcome(description)
        case .refused(let status, let error):
            if status == 402 || error?.type == "card_error" { return .declined(Self.declineReason(error)) }
            // Stripe's 401 message quotes part of the key.
            if status == 401 { return .rejected("Stripe refused the API key (401)") }
            return .rejected(error?.message ?? "Stripe refused the call (\(status))")
        }
    }

    /// ``gatewayError`` for the calls that save a card, where a card error is a refusal too: no
    /// money was to move, so there is no payment to decline, only a card that cannot be saved (and
    /// payments reads ``GatewayError/rejected(_:)`` as exactly that).
    var savingCardError: GatewayError {
        guard case .declined = gatewayError, case .refused(let status, let error) = self else { return gatewayError }
        return .rejected(error?.message ?? "Stripe refused the card (\(status))")
    }

    private static let reasons: [String: DeclineReason] = [
        "insufficient_funds": .insufficientFunds,
        "expired_card": .expiredCard,
        "incorrect_cvc": .incorrectCVC,
        "processing_error": .processingError,
    ]

    /// A `card_declined` error carries the issuer's reason in `decline_code`; other card errors name
    /// it in `code` itself.
    private static func declineReason(_ error: StripeError?) -> DeclineReason {
        [error?.declineCode, error?.code].compactMap { $0 }.compactMap { reasons[$0] }.first ?? .cardDeclined
    }
}
