/// The payments domain's failures; the API maps each to an AIP error.
public enum PaymentsError: Error, Sendable, Equatable {
    case notFound(String)
    /// The caller may not see or touch this resource.
    case notYours
    case invalidField(field: String, message: String)
    /// The passenger named no method and has no default one.
    case noPaymentMethod
    case cardExpired
    /// The gateway refused the card.
    case declined(DeclineReason)
    /// The gateway refused the request (e.g. an unknown card token).
    case gatewayRejected(String)
    /// The operation is not allowed in the payment's state (`reason` is stable).
    case failedPrecondition(reason: String, message: String)
    /// A refund above what was captured and not yet refunded.
    case refundExceedsCaptured(refundable: Int64)
    /// The gateway did not answer; the outcome will be reconciled.
    case outcomeUnknown
}
