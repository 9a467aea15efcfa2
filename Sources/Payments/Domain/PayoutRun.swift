import Foundation

/// One payout run (an AIP-151 long-running operation): every driver whose payable balance reached
/// the threshold is paid once. Runs are keyed (`daily/2026-11-21`, `request/<uuid>`), so starting
/// the same run twice is the same run.
public struct PayoutRun: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        case running = "RUNNING"
        case succeeded = "SUCCEEDED"
        case failed = "FAILED"
    }

    /// What a run paid in one currency.
    public struct Total: Sendable, Equatable {
        public var currencyCode: String
        public var drivers: Int
        public var amount: Int64
    }

    public let id: UUID
    public let key: String
    public var state: State
    /// Minor units; balances below it wait for a later run.
    public let threshold: Int64
    public let requestedBy: UUID?
    public var error: String?
    public let createTime: Date
    public var doneTime: Date?
    public var totals: [Total]

    /// `operations/{operation}`.
    public var operationName: String { "operations/\(id.uuidString.lowercased())" }
}
