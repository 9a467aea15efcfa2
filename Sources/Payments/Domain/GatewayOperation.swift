import Foundation

/// One call to the gateway that moves (or frees) money, recorded before it is made so that an
/// unanswered call is never forgotten and never guessed: it stays ``State/unknown`` until the
/// gateway, asked again with the same idempotency key, says what happened.
public struct GatewayOperation: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Place the hold.
        case authorize = "AUTHORIZE"
        /// Capture part or all of the hold.
        case capture = "CAPTURE"
        /// Charge at once (the part of a fare beyond the hold, or a fare after the hold lapsed).
        case charge = "CHARGE"
        /// Free the hold.
        case release = "RELEASE"
        /// Charge a tip at once.
        case tip = "TIP"
        /// Give back part of an earlier capture or charge.
        case refund = "REFUND"

        /// Whether success brings money in (a card payment in the ledger).
        var collects: Bool { self == .capture || self == .charge || self == .tip }
    }

    public enum State: String, Sendable, Codable {
        /// Recorded, not yet answered (in flight, or its caller died).
        case pending = "PENDING"
        case succeeded = "SUCCEEDED"
        case failed = "FAILED"
        /// The gateway did not answer; the reconciler asks again.
        case unknown = "UNKNOWN"

        var isOpen: Bool { self == .pending || self == .unknown }
    }

    public let id: UUID
    public let paymentID: UUID
    public let kind: Kind
    /// Unique per payment (`CAPTURE`, `TIP`, `REFUND/<refund>/<n>`): the same work asked twice is one row.
    public let key: String
    public let amount: Int64
    public var state: State
    /// The gateway's id of what the operation made (hold, charge or refund).
    public var reference: String?
    /// For refunds: the operation whose charge is refunded.
    public let parentID: UUID?
    /// For refunds: the refund resource the operation belongs to.
    public let refundID: UUID?
    public var failureReason: String?
    public var attempts: Int
    public var nextAttemptTime: Date
    public let createTime: Date

    public init(
        id: UUID = UUID(), paymentID: UUID, kind: Kind, key: String, amount: Int64, parentID: UUID? = nil, refundID: UUID? = nil,
        now: Date, lease: TimeInterval
    ) {
        self.id = id
        self.paymentID = paymentID
        self.kind = kind
        self.key = key
        self.amount = amount
        state = .pending
        reference = nil
        self.parentID = parentID
        self.refundID = refundID
        failureReason = nil
        attempts = 0
        nextAttemptTime = now.addingTimeInterval(lease)
        createTime = now
    }

    public init(
        id: UUID, paymentID: UUID, kind: Kind, key: String, amount: Int64, state: State, reference: String?, parentID: UUID?,
        refundID: UUID?, failureReason: String?, attempts: Int, nextAttemptTime: Date, createTime: Date
    ) {
        self.id = id
        self.paymentID = paymentID
        self.kind = kind
        self.key = key
        self.amount = amount
        self.state = state
        self.reference = reference
        self.parentID = parentID
        self.refundID = refundID
        self.failureReason = failureReason
        self.attempts = attempts
        self.nextAttemptTime = nextAttemptTime
        self.createTime = createTime
    }

    /// What the gateway receives as the idempotency key: stable across every retry of this operation.
    public var idempotencyKey: String { "curbside-\(id.uuidString.lowercased())" }
}
