import Foundation
import NIOCore
import PostgresNIO

/// A `timestamptz` parameter rounded to the nearest microsecond.
///
/// PostgresNIO truncates a `Date` to microseconds, and a `Date` is a binary fraction: a time taken
/// as whole milliseconds may be stored one microsecond early, and a page cursor parsed from text may
/// bind a microsecond off the row it came from, which would repeat or skip an item. Rounding makes
/// the stored and compared values exact.
public struct PostgresTimestamp: PostgresNonThrowingEncodable, PostgresArrayEncodable, Sendable {
    public let date: Date

    public init(_ date: Date) { self.date = date }

    public static var psqlType: PostgresDataType { .timestamptz }
    public static var psqlFormat: PostgresFormat { .binary }
    public static var psqlArrayType: PostgresDataType { .timestamptzArray }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeInteger(Int64((date.timeIntervalSince(Self.postgresEpoch) * 1_000_000).rounded()))
    }

    private static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
}

extension Date {
    /// This instant as a microsecond-exact PostgreSQL parameter.
    public var postgres: PostgresTimestamp { PostgresTimestamp(self) }
}
