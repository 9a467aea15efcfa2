import Foundation

/// The sandbox's test cards: the card numbers a card processor's test mode publishes (Stripe's),
/// each with the behaviour it triggers, plus one of our own that times out.
public enum SandboxCards {
    public enum Behaviour: String, Sendable, Codable, CaseIterable {
        case succeed = "SUCCEED"
        case decline = "DECLINE"
        case insufficientFunds = "INSUFFICIENT_FUNDS"
        case expiredCard = "EXPIRED_CARD"
        case incorrectCVC = "INCORRECT_CVC"
        case processingError = "PROCESSING_ERROR"
        /// Every operation on the card happens, but its first answer is lost (a timeout): only asking
        /// again with the same idempotency key tells what happened.
        case timeout = "TIMEOUT"

        var decline: DeclineReason? {
            switch self {
            case .succeed, .timeout: nil
            case .decline: .cardDeclined
            case .insufficientFunds: .insufficientFunds
            case .expiredCard: .expiredCard
            case .incorrectCVC: .incorrectCVC
            case .processingError: .processingError
            }
        }
    }

    /// Number → (brand, behaviour).
    public static let numbers: [String: (brand: String, behaviour: Behaviour)] = [
        "4242424242424242": ("visa", .succeed),
        "4000056655665556": ("visa", .succeed),
        "5555555555554444": ("mastercard", .succeed),
        "2223003122003222": ("mastercard", .succeed),
        "378282246310005": ("amex", .succeed),
        "6011111111111117": ("discover", .succeed),
        "4000000000000002": ("visa", .decline),
        "4000000000009995": ("visa", .insufficientFunds),
        "4000000000000069": ("visa", .expiredCard),
        "4000000000000127": ("visa", .incorrectCVC),
        "4000000000000119": ("visa", .processingError),
        "4000000000001000": ("visa", .timeout),
    ]

    /// Checks a test card as a processor's tokenization would: a known number, a plausible CVC and an
    /// expiry not in the past. The error names the offending field.
    public static func validate(number: String, expMonth: Int, expYear: Int, cvc: String, now: Date) throws(PaymentsError)
        -> (brand: String, behaviour: Behaviour)
    {
        let digits = number.filter { $0 != " " && $0 != "-" }
        guard let card = numbers[digits] else {
            throw .invalidField(
                field: "number", message: "not a sandbox test card; use e.g. 4242424242424242 (see the payments API description)")
        }
        guard (3...4).contains(cvc.count), cvc.allSatisfy(\.isASCII), cvc.allSatisfy(\.isNumber) else {
            throw .invalidField(field: "cvc", message: "cvc must be 3 or 4 digits")
        }
        guard (1...12).contains(expMonth) else { throw .invalidField(field: "expMonth", message: "expMonth must be 1 to 12") }
        let method = PaymentMethod(
            id: UUID(), passengerID: UUID(), kind: .card, gatewayToken: "-",
            card: CardDetails(brand: card.brand, last4: String(digits.suffix(4)), expMonth: expMonth, expYear: expYear),
            isDefault: false, createTime: now)
        guard (2000...2200).contains(expYear), !method.isExpired(at: now) else {
            throw .invalidField(field: "expYear", message: "the card has expired")
        }
        return card
    }
}
