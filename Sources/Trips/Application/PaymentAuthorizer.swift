import Foundation

/// The payments plug-in point: called after a trip is stored as REQUESTED and before it goes to
/// dispatch, never inside a database transaction.
///
/// Implementations must be idempotent per trip id: a retried trip request (same `requestId`) after a
/// crash may authorize the same trip again.
public protocol PaymentAuthorizer: Sendable {
    func authorize(_ request: PaymentAuthorizationRequest) async throws -> PaymentAuthorization
}

/// What payments needs to place a hold.
public struct PaymentAuthorizationRequest: Sendable, Equatable {
    /// `trips/{trip}`.
    public var trip: String
    public var passengerID: UUID
    /// The client's payment method reference, passed through unchanged.
    public var paymentMethod: String?
    public var currencyCode: String
    /// The quoted total in minor units.
    public var amount: Int64
}

/// The outcome of an authorization.
public enum PaymentAuthorization: Sendable, Equatable {
    case approved
    /// Declined with a reason for the passenger (e.g. `INSUFFICIENT_FUNDS`).
    case declined(reason: String)
}

/// Until the payments service exists: every trip is authorized at once.
public struct ImmediatePaymentAuthorizer: PaymentAuthorizer {
    public init() {}

    public func authorize(_ request: PaymentAuthorizationRequest) async throws -> PaymentAuthorization { .approved }
}
