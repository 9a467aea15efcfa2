import Foundation

/// How each kind of money movement is booked. The one place that decides which accounts move.
///
/// Policy: commission is taken from fares and cancellation fees, never from tips; refunds are borne
/// by the platform (the driver keeps what they earned); a cash fare leaves the driver owing the
/// commission, which later payouts net off.
public enum Bookkeeping {
    /// A fare of `amount`, of which `commission` goes to the platform.
    public static func tripFare(
        passenger: UUID, driver: UUID, amount: Int64, commission: Int64, currencyCode: String, subject: String, at time: Date
    ) throws(LedgerError) -> JournalEntry {
        try earned(.tripFare, passenger: passenger, driver: driver, amount: amount, commission: commission, currencyCode, subject, time)
    }

    /// A cancellation fee: earned by the driver who was on the way (less commission), else by the platform.
    public static func cancellationFee(
        passenger: UUID, driver: UUID?, amount: Int64, commission: Int64, currencyCode: String, subject: String, at time: Date
    ) throws(LedgerError) -> JournalEntry {
        guard let driver else {
            return try JournalEntry(
                kind: .cancellationFee, subject: subject,
                postings: [
                    .init(LedgerAccount(.passengerReceivable, owner: passenger, currencyCode: currencyCode), amount),
                    .init(LedgerAccount(.platformRevenue, currencyCode: currencyCode), -amount),
                ], createTime: time)
        }
        return try earned(.cancellationFee, passenger: passenger, driver: driver, amount: amount, commission: commission, currencyCode, subject, time)
    }

    public static func tip(passenger: UUID, driver: UUID, amount: Int64, currencyCode: String, subject: String, at time: Date)
        throws(LedgerError) -> JournalEntry
    {
        try earned(.tip, passenger: passenger, driver: driver, amount: amount, commission: 0, currencyCode, subject, time)
    }

    /// Card money received: the gateway now holds it, the passenger owes that much less.
    public static func cardPayment(passenger: UUID, amount: Int64, currencyCode: String, subject: String, at time: Date)
        throws(LedgerError) -> JournalEntry
    {
        try JournalEntry(
            kind: .cardPayment, subject: subject,
            postings: [
                .init(LedgerAccount(.gatewayClearing, currencyCode: currencyCode), amount),
                .init(LedgerAccount(.passengerReceivable, owner: passenger, currencyCode: currencyCode), -amount),
            ], createTime: time)
    }

    /// Cash the driver took from the passenger: the driver now holds the platform's money.
    public static func cashCollected(passenger: UUID, driver: UUID, amount: Int64, currencyCode: String, subject: String, at time: Date)
        throws(LedgerError) -> JournalEntry
    {
        try JournalEntry(
            kind: .cashCollected, subject: subject,
            postings: [
                .init(LedgerAccount(.driverCash, owner: driver, currencyCode: currencyCode), amount),
                .init(LedgerAccount(.passengerReceivable, owner: passenger, currencyCode: currencyCode), -amount),
            ], createTime: time)
    }

    /// Money returned to the passenger's card, out of the platform's revenue.
    public static func refund(amount: Int64, currencyCode: String, subject: String, at time: Date) throws(LedgerError) -> JournalEntry {
        try JournalEntry(
            kind: .refund, subject: subject,
            postings: [
                .init(LedgerAccount(.platformRevenue, currencyCode: currencyCode), amount),
                .init(LedgerAccount(.gatewayClearing, currencyCode: currencyCode), -amount),
            ], createTime: time)
    }

    /// A driver's balance paid out to their bank: `amount` sent, and the cash they hold
    /// (`cashSettled`) netted against their earnings, so both accounts end at zero.
    public static func payout(driver: UUID, amount: Int64, cashSettled: Int64 = 0, currencyCode: String, subject: String, at time: Date)
        throws(LedgerError) -> JournalEntry
    {
        guard amount > 0, cashSettled >= 0 else { throw .invalidAmount }
        var postings: [JournalEntry.Posting] = [
            .init(LedgerAccount(.driverEarnings, owner: driver, currencyCode: currencyCode), amount + cashSettled),
            .init(LedgerAccount(.payoutsClearing, currencyCode: currencyCode), -amount),
        ]
        if cashSettled > 0 {
            postings.append(.init(LedgerAccount(.driverCash, owner: driver, currencyCode: currencyCode), -cashSettled))
        }
        return try JournalEntry(kind: .payout, subject: subject, postings: postings, createTime: time)
    }

    private static func earned(
        _ kind: JournalEntry.Kind, passenger: UUID, driver: UUID, amount: Int64, commission: Int64, _ currencyCode: String,
        _ subject: String, _ time: Date
    ) throws(LedgerError) -> JournalEntry {
        guard commission >= 0, commission <= amount else { throw .invalidAmount }
        var postings: [JournalEntry.Posting] = [
            .init(LedgerAccount(.passengerReceivable, owner: passenger, currencyCode: currencyCode), amount)
        ]
        if amount - commission > 0 {
            postings.append(.init(LedgerAccount(.driverEarnings, owner: driver, currencyCode: currencyCode), -(amount - commission)))
        }
        if commission > 0 { postings.append(.init(LedgerAccount(.platformRevenue, currencyCode: currencyCode), -commission)) }
        return try JournalEntry(kind: kind, subject: subject, postings: postings, createTime: time)
    }
}
