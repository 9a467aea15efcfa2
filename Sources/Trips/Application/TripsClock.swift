import Foundation

/// The time source of the trips service, truncated to milliseconds so that stored timestamps, API
/// timestamps and page cursors all agree exactly.
public struct TripsClock: Sendable {
    let source: @Sendable () -> Date

    public init(_ source: @escaping @Sendable () -> Date = Date.init) { self.source = source }

    public func now() -> Date {
        Date(timeIntervalSince1970: (source().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
