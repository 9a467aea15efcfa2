/// A price and how it was reached, in integer minor units of `currencyCode`.
public struct FareBreakdown: Sendable, Equatable, Codable {
    public var currencyCode: String
    public var baseFare: Int64
    public var distanceCharge: Int64
    public var timeCharge: Int64
    public var surgeCharge: Int64
    public var bookingFee: Int64
    /// What was added to reach the rule's minimum fare (0 when the fare was above it).
    public var minimumFareAdjustment: Int64
    public var total: Int64
    /// The surge multiplier applied, in hundredths (100 = none), after the rule's cap.
    public var surgeMultiplierHundredths: Int
    public var distanceMeters: Int
    public var durationSeconds: Int
}

/// The fare formula. Every charge is computed in integer minor units and rounded half up once:
///
/// - distance = round(perKm × metres / 1000), time = round(perMinute × seconds / 60);
/// - surge multiplier = the requested one clamped to [1.00, rule's cap];
///   surge = round((base + distance + time) × (multiplier − 1.00)); the booking fee is never surged;
/// - total = base + distance + time + surge + booking fee, raised to the minimum fare if below it
///   (the difference is the minimum-fare adjustment).
public enum FareCalculator {
    /// The fare of a ride of `distanceMeters` and `durationSeconds` under `rule` at `surgeHundredths`.
    public static func fare(rule: PricingRule, distanceMeters: Int, durationSeconds: Int, surgeHundredths: Int) -> FareBreakdown {
        let amounts = rule.amounts
        let meters = Int64(max(0, min(distanceMeters, 100_000_000)))
        let seconds = Int64(max(0, min(durationSeconds, 100_000_000)))
        let distance = roundedDivision(amounts.perKilometer * meters, by: 1000)
        let time = roundedDivision(amounts.perMinute * seconds, by: 60)
        let multiplier = Self.surge(requested: surgeHundredths, cap: amounts.surgeCapHundredths)
        let surged = amounts.baseFare + distance + time
        let surge = roundedDivision(surged * Int64(multiplier - 100), by: 100)
        let subtotal = surged + surge + amounts.bookingFee
        let adjustment = max(0, amounts.minimumFare - subtotal)
        return FareBreakdown(
            currencyCode: rule.currencyCode, baseFare: amounts.baseFare, distanceCharge: distance, timeCharge: time,
            surgeCharge: surge, bookingFee: amounts.bookingFee, minimumFareAdjustment: adjustment, total: subtotal + adjustment,
            surgeMultiplierHundredths: multiplier, distanceMeters: Int(meters), durationSeconds: Int(seconds))
    }

    /// The multiplier actually applied: never below 1.00, never above the rule's cap.
    public static func surge(requested: Int, cap: Int) -> Int { min(max(requested, 100), max(cap, 100)) }

    /// `value / divisor` rounded half up, for non-negative values.
    static func roundedDivision(_ value: Int64, by divisor: Int64) -> Int64 { (value + divisor / 2) / divisor }
}
