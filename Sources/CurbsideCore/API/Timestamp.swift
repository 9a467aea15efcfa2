import Foundation
import IntegrationEvents

/// RFC 3339 timestamps as AIP-142 prescribes, for API bodies, pages and logs: the same text as
/// integration events carry (``RFC3339``).
public enum Timestamp {
    /// Parses RFC 3339 with or without fractional seconds.
    public static func parse(_ text: String) -> Date? { RFC3339.parse(text) }

    /// `2026-11-21T10:55:17.720Z`: UTC, milliseconds rounded.
    public static func format(_ date: Date) -> String { RFC3339.format(date) }

    /// The same instant rounded to whole milliseconds.
    public static func roundedToMilliseconds(_ date: Date) -> Date { RFC3339.roundedToMilliseconds(date) }
}
