/// The platform's share of a fare or fee, in basis points (1/100 of a percent).
public struct Commission: Sendable, Equatable {
    public let basisPoints: Int

    /// 0...10,000.
    public init?(basisPoints: Int) {
        guard (0...10_000).contains(basisPoints) else { return nil }
        self.basisPoints = basisPoints
    }

    /// The commission on `amount` minor units, rounded half up; never more than `amount`.
    public func of(_ amount: Int64) -> Int64 {
        guard amount > 0 else { return 0 }
        // amount < 2^63 / 10^4 for any real fare; fall back to division first when it is not.
        let (product, overflow) = amount.multipliedReportingOverflow(by: Int64(basisPoints))
        if overflow { return amount / 10_000 * Int64(basisPoints) }
        return min(amount, (product + 5_000) / 10_000)
    }
}
