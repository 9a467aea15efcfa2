import CurbsideCore
import Foundation

/// Latencies of one phase, and how they are printed in the table.
struct LatencySample: Sendable {
    private(set) var values: [Duration] = []
    var errors = 0

    mutating func add(_ value: Duration) { values.append(value) }

    mutating func merge(_ other: LatencySample) {
        values += other.values
        errors += other.errors
    }

    var count: Int { values.count }

    /// The `p` quantile (0...1), nearest rank.
    func percentile(_ p: Double) -> Duration {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .zero }
        let rank = Int((Double(sorted.count) * p).rounded(.up))
        return sorted[min(sorted.count, max(rank, 1)) - 1]
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f ms", duration.inSeconds * 1000)
    }
}
