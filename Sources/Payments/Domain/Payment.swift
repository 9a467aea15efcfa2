import Foundation

/// The payment of one trip: its hold, what the trip came to owe, what was collected, tips and
/// refunds, and the gateway operations that moved the money. Its id is the trip's.
///
/// Every change is a method that returns the ledger entries it caused; the gateway operations it
/// asks for are appended to ``operations`` (recorded before they are run, so none is forgotten).
public struct Payment: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        /// The hold was asked for and the gateway has not answered yet (or timed out): not guessed.
        case pendingAuthorization = "PENDING_AUTHORIZATION"
        /// The hold is in place (or the trip is paid in cash): the trip may be dispatched.
        case authorized = "AUTHORIZED"
        /// The card was refused; no trip is dispatched.
        case declined = "DECLINED"
        /// The trip ended; captures or charges are in flight.
        case settling = "SETTLING"
        /// Everything owed was collected.
        case settled = "SETTLED"
        /// The trip ended owing nothing; the hold was (or is being) released.
        case voided = "VOIDED"
        /// The trip ended and not all of what is owed was collected (a charge declined, a cash trip's fee).
        case unpaid = "UNPAID"

        var isOpen: Bool { self == .pendingAuthorization || self == .authorized || self == .declined }
    }

    /// What the passenger came to owe when the trip ended.
    public enum Charge: String, Sendable, Codable {
        case fare = "FARE"
        case cancellationFee = "CANCELLATION_FEE"
    }

    public let id: UUID
    public let passengerID: UUID
    public internal(set) var driverID: UUID?
    public let methodID: UUID?
    public let methodKind: PaymentMethod.Kind
    public let cardToken: String?
    public let card: CardDetails?
    public let currencyCode: String
    public let cityID: String
    public let vehicleClass: String
    public internal(set) var state: State
    /// The hold asked for: the quote plus the buffer.
    public let holdAmount: Int64
    public internal(set) var hold: GatewayHold?
    /// Whether the hold can still be captured (placed, not captured, released or lapsed).
    public internal(set) var holdActive: Bool
    public internal(set) var charge: Charge?
    /// The final fare or the cancellation fee.
    public internal(set) var owed: Int64
    /// Collected through the gateway for `owed` (captures and charges, not tips).
    public internal(set) var collected: Int64
    public internal(set) var cashCollected: Int64
    public internal(set) var tip: Int64
    public internal(set) var refunded: Int64
    public internal(set) var declineReason: DeclineReason?
    public internal(set) var operations: [GatewayOperation]
    public let createTime: Date
    public internal(set) var updateTime: Date
    public internal(set) var endTime: Date?
    public internal(set) var version: Int

    /// A new payment for a trip request, waiting for its hold (cards) or authorized at once (cash).
    public init(
        tripID: UUID, passengerID: UUID, method: PaymentMethod, amount: Int64, currencyCode: String, cityID: String,
        vehicleClass: String, now: Date, lease: TimeInterval
    ) {
        id = tripID
        self.passengerID = passengerID
        driverID = nil
        methodID = method.id
        methodKind = method.kind
        cardToken = method.gatewayToken
        card = method.card
        self.currencyCode = currencyCode
        self.cityID = cityID
        self.vehicleClass = vehicleClass
        holdAmount = amount
        hold = nil
        holdActive = false
        charge = nil
        owed = 0
        collected = 0
        cashCollected = 0
        tip = 0
        refunded = 0
        declineReason = nil
        operations = []
        createTime = now
        updateTime = now
        endTime = nil
        version = 1
        if method.kind == .cash {
            state = .authorized
        } else {
            state = .pendingAuthorization
            operations.append(
                GatewayOperation(paymentID: tripID, kind: .authorize, key: "AUTHORIZE", amount: amount, now: now, lease: lease))
        }
    }

    /// Restores a stored payment.
    public init(
        id: UUID, passengerID: UUID, driverID: UUID?, methodID: UUID?, methodKind: PaymentMethod.Kind, cardToken: String?,
        card: CardDetails?, currencyCode: String, cityID: String, vehicleClass: String, state: State, holdAmount: Int64,
        hold: GatewayHold?, holdActive: Bool, charge: Charge?, owed: Int64, collected: Int64, cashCollected: Int64, tip: Int64,
        refunded: Int64, declineReason: DeclineReason?, operations: [GatewayOperation], createTime: Date, updateTime: Date,
        endTime: Date?, version: Int
    ) {
        self.id = id
        self.passengerID = passengerID
        self.driverID = driverID
        self.methodID = methodID
        self.methodKind = methodKind
        self.cardToken = cardToken
        self.card = card
        self.currencyCode = currencyCode
        self.cityID = cityID
        self.vehicleClass = vehicleClass
        self.state = state
        self.holdAmount = holdAmount
        self.hold = hold
        self.holdActive = holdActive
        self.charge = charge
        self.owed = owed
        self.collected = collected
        self.cashCollected = cashCollected
        self.tip = tip
        self.refunded = refunded
        self.declineReason = declineReason
        self.operations = operations
        self.createTime = createTime
        self.updateTime = updateTime
        self.endTime = endTime
        self.version = version
    }

    /// `payments/{payment}`.
    public var name: String { "payments/\(id.uuidString.lowercased())" }
    /// `trips/{trip}`.
    public var trip: String { "trips/\(id.uuidString.lowercased())" }

    /// What is still owed and not collected (in cash or by card).
    public var outstanding: Int64 { max(0, owed - collected - cashCollected) }

    /// Operations not yet answered, for the runner.
    public var openOperations: [GatewayOperation] { operations.filter { $0.state.isOpen } }

    /// How much of each collecting operation may still be refunded (refunds in flight count as taken).
    public var refundable: [(operation: GatewayOperation, amount: Int64)] {
        operations.filter { $0.kind.collects && $0.state == .succeeded }.compactMap { charge in
            let taken = operations.filter { $0.parentID == charge.id && $0.state != .failed }.reduce(Int64(0)) { $0 + $1.amount }
            return charge.amount - taken > 0 ? (charge, charge.amount - taken) : nil
        }
    }
}
