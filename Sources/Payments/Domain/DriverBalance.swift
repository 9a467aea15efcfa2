/// What the platform owes a driver in one currency, from their two ledger accounts.
public struct DriverBalance: Sendable, Equatable {
    public var currencyCode: String
    /// Earned and not yet paid out (the earnings account's credit balance).
    public var earnings: Int64
    /// Cash collected from passengers and not yet settled (the cash account's debit balance).
    public var cashHeld: Int64

    public init(currencyCode: String, earnings: Int64, cashHeld: Int64) {
        self.currencyCode = currencyCode
        self.earnings = earnings
        self.cashHeld = cashHeld
    }

    /// What a payout may send: earnings net of cash held (negative when the driver owes commission).
    public var payable: Int64 { earnings - cashHeld }
}
