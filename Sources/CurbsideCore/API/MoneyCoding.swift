import IntegrationEvents

/// google.type.Money ↔ integer minor units, for every API that carries money. `units` is an int64
/// string (proto3 JSON); a fraction finer than the currency's minor unit, a wrong currency or an
/// amount out of range is a 400.
public enum MoneyCoding {
    /// `units` and `nanos` of `minorUnits` in `currency`.
    public static func parts(_ minorUnits: Int64, currency: String) -> (units: String, nanos: Int32?) {
        let scale = power(Money.exponent(of: currency))
        let nanos = (minorUnits % scale) * (1_000_000_000 / scale)
        return (String(minorUnits / scale), nanos == 0 ? nil : Int32(nanos))
    }

    /// The minor units of a google.type.Money, which must be in `currency` and within `0...max`.
    public static func minorUnits(
        currencyCode: String, units: String?, nanos: Int32?, currency: String, max: Int64, field: String
    ) throws(AIPError) -> Int64 {
        guard currencyCode == currency else {
            throw .invalidArgument("\(field).currencyCode must be \(currency)", field: "\(field).currencyCode", reason: "CURRENCY_MISMATCH")
        }
        let invalid = AIPError.invalidArgument(
            "\(field) must be a whole number of minor units between 0 and \(max)", field: field, reason: "INVALID_AMOUNT")
        let unitsText = units ?? "0"
        guard unitsText.count <= 19, let units = Int64(unitsText) else { throw invalid }
        let nanos = Int64(nanos ?? 0)
        let scale = power(Money.exponent(of: currency))
        let nanosPerMinor = 1_000_000_000 / scale
        guard (0..<1_000_000_000).contains(nanos), nanos % nanosPerMinor == 0, units >= 0, units <= max else { throw invalid }
        let (scaled, overflow) = units.multipliedReportingOverflow(by: scale)
        guard !overflow else { throw invalid }
        let total = scaled + nanos / nanosPerMinor
        guard total <= max else { throw invalid }
        return total
    }

    private static func power(_ exponent: Int) -> Int64 {
        (0..<exponent).reduce(Int64(1)) { value, _ in value * 10 }
    }
}
