import Foundation

/// RFC 3339 timestamps as AIP-142 prescribes: parsed with or without fractional seconds, written in
/// UTC with `Z` and millisecond precision.
public enum Timestamp {
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// `2026-11-21T10:55:17.720Z`. The milliseconds are rounded, not truncated: a time stored as whole
    /// milliseconds comes back from PostgreSQL as a binary fraction a hair below or above, and must
    /// print (and page) as the millisecond it was.
    public static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = Date(timeIntervalSince1970: Double(milliseconds.floorDivided(by: 1000)))
        let whole = seconds.formatted(Date.ISO8601FormatStyle())
        let fraction = milliseconds - milliseconds.floorDivided(by: 1000) * 1000
        return String(whole.dropLast()) + "." + String(format: "%03d", fraction) + "Z"
    }

    /// The same instant rounded to whole milliseconds.
    public static func roundedToMilliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
