import Foundation

/// Events published by the payments service. Every one is about a trip's payment
/// (`payments/{payment}`, whose id is the trip's), so a subscriber receives them in order.
public enum PaymentsV1 {
    /// The hold for a trip request is in place (or the trip is paid in cash): the trip may be dispatched.
    public struct PaymentAuthorized: IntegrationEvent {
        public static let eventType = "payments.v1.PaymentAuthorized"
        public static let aggregateType = "payment"
        public var payment: String
        /// `trips/{trip}`.
        public var trip: String
        /// `users/{user}`.
        public var passenger: String
        /// What is held (zero for cash).
        public var amount: MoneyAmount
        public var authorizeTime: Date
        public var aggregateID: String { payment }

        public init(payment: String, trip: String, passenger: String, amount: MoneyAmount, authorizeTime: Date) {
            self.payment = payment
            self.trip = trip
            self.passenger = passenger
            self.amount = amount
            self.authorizeTime = authorizeTime
        }
    }

    /// The card was refused for a trip request: the trip must not be dispatched.
    public struct PaymentDeclined: IntegrationEvent {
        public static let eventType = "payments.v1.PaymentDeclined"
        public static let aggregateType = "payment"
        public var payment: String
        public var trip: String
        public var passenger: String
        /// `CARD_DECLINED`, `INSUFFICIENT_FUNDS`, `EXPIRED_CARD`, `INCORRECT_CVC` or `PROCESSING_ERROR`.
        public var declineReason: String
        public var declineTime: Date
        public var aggregateID: String { payment }

        public init(payment: String, trip: String, passenger: String, declineReason: String, declineTime: Date) {
            self.payment = payment
            self.trip = trip
            self.passenger = passenger
            self.declineReason = declineReason
            self.declineTime = declineTime
        }
    }

    /// A trip's payment reached an end: `state` is `SETTLED` (all collected), `UNPAID` (some is
    /// outstanding) or `VOIDED` (nothing was owed; the hold was released). The receipt's figures.
    public struct PaymentSettled: IntegrationEvent {
        public static let eventType = "payments.v1.PaymentSettled"
        public static let aggregateType = "payment"
        public var payment: String
        public var trip: String
        public var passenger: String
        /// `drivers/{driver}`, when a driver was involved.
        public var driver: String?
        public var state: String
        /// `FARE` or `CANCELLATION_FEE`; absent when nothing was owed.
        public var charge: String?
        /// What the trip came to owe.
        public var owed: MoneyAmount
        /// Collected by card.
        public var collected: MoneyAmount
        /// Collected in cash by the driver.
        public var cashCollected: MoneyAmount
        public var outstanding: MoneyAmount
        public var settleTime: Date
        public var aggregateID: String { payment }

        public init(
            payment: String, trip: String, passenger: String, driver: String?, state: String, charge: String?, owed: MoneyAmount,
            collected: MoneyAmount, cashCollected: MoneyAmount, outstanding: MoneyAmount, settleTime: Date
        ) {
            self.payment = payment
            self.trip = trip
            self.passenger = passenger
            self.driver = driver
            self.state = state
            self.charge = charge
            self.owed = owed
            self.collected = collected
            self.cashCollected = cashCollected
            self.outstanding = outstanding
            self.settleTime = settleTime
        }
    }

    /// A tip was charged and credited to the driver.
    public struct TipAdded: IntegrationEvent {
        public static let eventType = "payments.v1.TipAdded"
        public static let aggregateType = "payment"
        public var payment: String
        public var trip: String
        public var passenger: String
        public var driver: String
        public var amount: MoneyAmount
        public var tipTime: Date
        public var aggregateID: String { payment }

        public init(payment: String, trip: String, passenger: String, driver: String, amount: MoneyAmount, tipTime: Date) {
            self.payment = payment
            self.trip = trip
            self.passenger = passenger
            self.driver = driver
            self.amount = amount
            self.tipTime = tipTime
        }
    }

    /// Money went back to the passenger's card.
    public struct PaymentRefunded: IntegrationEvent {
        public static let eventType = "payments.v1.PaymentRefunded"
        public static let aggregateType = "payment"
        public var payment: String
        public var trip: String
        public var passenger: String
        /// `payments/{payment}/refunds/{refund}`.
        public var refund: String
        public var amount: MoneyAmount
        public var refundTime: Date
        public var aggregateID: String { payment }

        public init(payment: String, trip: String, passenger: String, refund: String, amount: MoneyAmount, refundTime: Date) {
            self.payment = payment
            self.trip = trip
            self.passenger = passenger
            self.refund = refund
            self.amount = amount
            self.refundTime = refundTime
        }
    }
}
