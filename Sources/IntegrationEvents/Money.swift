/// Money rules shared by the domain: integer minor units, and how many of them make a major unit.
public enum Money {
    /// ISO 4217 currencies without minor units; the rest have two except `threeDecimal`.
    static let zeroDecimal: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    ]
    static let threeDecimal: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]

    /// The number of decimal digits of a currency's minor unit (2 for USD, 0 for JPY, 3 for KWD).
    public static func exponent(of currencyCode: String) -> Int {
        if zeroDecimal.contains(currencyCode) { return 0 }
        if threeDecimal.contains(currencyCode) { return 3 }
        return 2
    }

    /// Three uppercase ASCII letters.
    public static func isCurrencyCode(_ code: String) -> Bool {
        code.utf8.count == 3 && code.utf8.allSatisfy { (65...90).contains($0) }
    }
}
