import Foundation

/// The time source of the notifications service, truncated to milliseconds so that stored times
/// and page cursors agree exactly. Tests move it (retries, time to live).
public struct NotificationsClock: Sendable {
    let source: @Sendable () -> Date

    public init(_ source: @escaping @Sendable () -> Date = Date.init) { self.source = source }

    public func now() -> Date {
        Date(timeIntervalSince1970: (source().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
