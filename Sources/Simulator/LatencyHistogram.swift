import Foundation

/// API latencies in logarithmic buckets 2 % wide: percentiles to within 2 % in constant memory,
/// however long the run.
public struct LatencyHistogram: Sendable {
    private static let growth = 1.02
    private static let bucketCount = 1_200  // 1.02^1200 µs is far beyond any timeout
    private var buckets = [Int](repeating: 0, count: bucketCount)
    /// Calls recorded.
    public private(set) var count = 0
    /// The slowest call, in seconds.
    public private(set) var maxSeconds = 0.0

    public init() {}

    /// Records one call that took `seconds`.
    public mutating func record(seconds: Double) {
        let microseconds = max(seconds * 1_000_000, 1)
        let index = min(Int(log(microseconds) / log(Self.growth)), Self.bucketCount - 1)
        buckets[index] += 1
        count += 1
        maxSeconds = max(maxSeconds, seconds)
    }

    /// The latency below which `fraction` (0...1) of the calls were, in seconds; `nil` without calls.
    public func percentile(_ fraction: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(count)).rounded(.up)))
        var seen = 0
        for (index, calls) in buckets.enumerated() {
            seen += calls
            // The bucket's upper edge: a percentile never reads better than what was measured.
            if seen >= rank { return min(pow(Self.growth, Double(index + 1)) / 1_000_000, maxSeconds) }
        }
        return maxSeconds
    }
}
