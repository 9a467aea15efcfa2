import Foundation

/// The time source of the dispatch service, truncated to milliseconds so that stored timestamps,
/// API timestamps and event times agree exactly. Tests pass their own source to move time.
public struct DispatchClock: Sendable {
    let source: @Sendable () -> Date

    public init(_ source: @escaping @Sendable () -> Date = Date.init) { self.source = source }

    public func now() -> Date {
        Date(timeIntervalSince1970: (source().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
