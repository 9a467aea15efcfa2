import CurbsideCore

/// google.type.Money ↔ integer minor units. `units` is an int64 string (proto3 JSON); a value with a
/// fraction finer than the currency's minor unit, a wrong currency or a sign mismatch is a 400.
enum MoneyMapping {
    static func money(_ minorUnits: Int64, currency: String) -> Components.Schemas.Money {
        let scale = power(Money.exponent(of: currency))
        let units = minorUnits / scale
        let nanos = (minorUnits % scale) * (1_000_000_000 / scale)
        return .init(currencyCode: currency, units: String(units), nanos: nanos == 0 ? nil : Int32(nanos))
    }

    static func minorUnits(_ money: Components.Schemas.Money, currency: String, field: String) throws(AIPError) -> Int64 {
        guard money.currencyCode == currency else {
            throw .invalidArgument("\(field).currencyCode must be \(currency)", field: "\(field).currencyCode", reason: "CURRENCY_MISMATCH")
        }
        let invalid = AIPError.invalidArgument(
            "\(field) must be a whole number of minor units between 0 and \(Money.maxRuleAmount)", field: field, reason: "INVALID_AMOUNT")
        let unitsText = money.units ?? "0"
        guard unitsText.count <= 19, let units = Int64(unitsText) else { throw invalid }
        let nanos = Int64(money.nanos ?? 0)
        let scale = power(Money.exponent(of: currency))
        let nanosPerMinor = 1_000_000_000 / scale
        guard (0..<1_000_000_000).contains(nanos), nanos % nanosPerMinor == 0, units >= 0, units <= Money.maxRuleAmount else {
            throw invalid
        }
        let total = units * scale + nanos / nanosPerMinor
        guard total <= Money.maxRuleAmount else { throw invalid }
        return total
    }

    private static func power(_ exponent: Int) -> Int64 {
        (0..<exponent).reduce(Int64(1)) { value, _ in value * 10 }
    }
}
