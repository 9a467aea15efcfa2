import Foundation

/// One money movement: postings that sum to zero in each currency. Entries are never changed or
/// deleted; a correction is a new entry.
public struct JournalEntry: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A completed trip's fare: owed by the passenger, earned by the driver and the platform.
        case tripFare = "TRIP_FARE"
        /// A cancellation fee, owed by the passenger.
        case cancellationFee = "CANCELLATION_FEE"
        /// A tip, owed by the passenger, all of it earned by the driver.
        case tip = "TIP"
        /// Money received through the card gateway, settling what the passenger owed.
        case cardPayment = "CARD_PAYMENT"
        /// Cash a driver collected from the passenger.
        case cashCollected = "CASH_COLLECTED"
        /// Money given back to a passenger's card, borne by the platform.
        case refund = "REFUND"
        /// A driver's balance sent to their bank.
        case payout = "PAYOUT"
    }

    public struct Posting: Sendable, Equatable, Hashable {
        public var account: LedgerAccount
        /// Debit positive, credit negative, never zero.
        public var amount: Int64

        public init(_ account: LedgerAccount, _ amount: Int64) {
            self.account = account
            self.amount = amount
        }
    }

    public let id: UUID
    public let kind: Kind
    /// `payments/{payment}` or `payouts/{payout}`: what the entry is about.
    public let subject: String
    public let postings: [Posting]
    public let createTime: Date

    /// Refuses an entry that does not balance, is empty, or posts zero or overflowing amounts.
    public init(id: UUID = UUID(), kind: Kind, subject: String, postings: [Posting], createTime: Date) throws(LedgerError) {
        guard postings.count >= 2 else { throw .unbalanced }
        var sums: [String: Int64] = [:]
        for posting in postings {
            guard posting.amount != 0, posting.amount != .min else { throw .invalidAmount }
            let (sum, overflow) = sums[posting.account.currencyCode, default: 0].addingReportingOverflow(posting.amount)
            guard !overflow else { throw .invalidAmount }
            sums[posting.account.currencyCode] = sum
        }
        guard sums.values.allSatisfy({ $0 == 0 }) else { throw .unbalanced }
        self.id = id
        self.kind = kind
        self.subject = subject
        self.postings = postings
        self.createTime = createTime
    }
}

/// Why the ledger refused an entry. Either is a bug in the caller, never the user's fault.
public enum LedgerError: Error, Sendable, Equatable {
    case unbalanced
    case invalidAmount
}
