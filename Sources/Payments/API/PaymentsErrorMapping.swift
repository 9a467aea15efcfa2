import CurbsideCore

/// The one place where the payments domain's refusals become AIP errors.
enum PaymentsErrorMapping {
    static let domain = ServiceName.payments.errorDomain

    static func aip(_ error: PaymentsError) -> AIPError {
        let aip: AIPError =
            switch error {
            case .notFound(let name):
                .notFound(name)
            case .notYours:
                .permissionDenied("the caller may not act on another user's payments", reason: "NOT_RESOURCE_OWNER")
            case .invalidField(let field, let message):
                AIPError(.invalidArgument, reason: "INVALID_ARGUMENT", message: message, metadata: ["field": field])
            case .noPaymentMethod:
                .failedPrecondition("the passenger has no payment method; add one first", reason: "NO_PAYMENT_METHOD")
            case .cardExpired:
                .failedPrecondition("the card has expired", reason: "CARD_EXPIRED")
            case .declined(let reason):
                AIPError(
                    .failedPrecondition, reason: "PAYMENT_DECLINED", message: "the card was declined",
                    metadata: ["declineReason": reason.rawValue])
            case .gatewayRejected(let message):
                .failedPrecondition("the payment gateway refused the request: \(message)", reason: "GATEWAY_REJECTED")
            case .failedPrecondition(let reason, let message):
                .failedPrecondition(message, reason: reason)
            case .refundExceedsCaptured(let refundable):
                AIPError(
                    .invalidArgument, reason: "REFUND_EXCEEDS_CAPTURED",
                    message: "the refund is more than what was paid by card and not yet refunded (\(refundable) minor units)",
                    metadata: ["field": "amount", "refundable": "\(refundable)"])
            case .outcomeUnknown:
                .unavailable("the payment gateway did not answer; try again")
            }
        return aip.inDomain(domain)
    }

    /// Runs a handler body, translating every domain and platform error for the API.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PaymentsError {
            throw aip(error)
        } catch let error as AIPError {
            throw error.inDomain(domain)
        }
    }
}
