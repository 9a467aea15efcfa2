import Foundation
import PostgresNIO

/// Builds a query whose shape depends on the request (filters, order, cursors) while every value
/// still travels as a bind parameter, never as SQL text.
public struct SQLBuilder: Sendable {
    public private(set) var sql: String
    public private(set) var bindings = PostgresBindings()
    private var count = 0

    public init(_ sql: String) { self.sql = sql }

    /// Appends SQL text written by the programmer (never user input).
    public mutating func append(_ text: String) { sql += text }

    /// Appends a `$n` placeholder bound to `value`.
    public mutating func bind(_ value: some PostgresNonThrowingEncodable & Sendable) {
        count += 1
        sql += "$\(count)"
        bindings.append(value)
    }

    public var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: bindings) }
}
