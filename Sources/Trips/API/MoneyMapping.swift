import CurbsideCore
import IntegrationEvents

/// google.type.Money ↔ integer minor units (``MoneyCoding``), for the trips API's generated type.
enum MoneyMapping {
    static func money(_ minorUnits: Int64, currency: String) -> Components.Schemas.Money {
        let parts = MoneyCoding.parts(minorUnits, currency: currency)
        return .init(currencyCode: currency, units: parts.units, nanos: parts.nanos)
    }

    static func minorUnits(_ money: Components.Schemas.Money, currency: String, field: String) throws(AIPError) -> Int64 {
        try MoneyCoding.minorUnits(
            currencyCode: money.currencyCode, units: money.units, nanos: money.nanos, currency: currency, max: Money.maxRuleAmount,
            field: field)
    }
}
