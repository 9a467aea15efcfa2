import Foundation

/// Money an admin gave back on a payment (`payments/{payment}/refunds/{refund}`). Its gateway work
/// is the payment's REFUND operations that name it, one per charge it draws on.
public struct Refund: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Some of its gateway refunds are not answered yet.
        case pending = "PENDING"
        case succeeded = "SUCCEEDED"
        /// The gateway refused some of it; `refunded` says how much went through.
        case failed = "FAILED"
    }

    public let id: UUID
    public let paymentID: UUID
    public let amount: Int64
    public let reason: String
    public let requestedBy: UUID
    public let createTime: Date

    /// `payments/{payment}/refunds/{refund}`.
    public var name: String { "payments/\(paymentID.uuidString.lowercased())/refunds/\(id.uuidString.lowercased())" }

    /// Where the refund stands, from the payment's operations.
    public func state(in payment: Payment) -> State {
        let parts = payment.operations.filter { $0.refundID == id }
        if parts.contains(where: { $0.state.isOpen }) { return .pending }
        return parts.allSatisfy { $0.state == .succeeded } ? .succeeded : .failed
    }

    /// How much of it reached the passenger's card.
    public func refunded(in payment: Payment) -> Int64 {
        payment.operations.filter { $0.refundID == id && $0.state == .succeeded }.reduce(0) { $0 + $1.amount }
    }
}
