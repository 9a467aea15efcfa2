/// Surge per zone from demand (open requests in a sliding window) against supply (available drivers),
/// in hundredths (100 = none), bounded and smoothed so it neither explodes nor flickers.
struct SurgePolicy: Sendable {
    /// The ceiling, e.g. 300 (3×).
    var maxHundredths = 300
    /// How strongly excess demand raises the price: 100 adds 1× per request more than drivers per driver.
    var sensitivityHundredths = 50
    /// Weight of the new value in the exponential moving average (0...1).
    var smoothing = 0.5
    /// Demand counts requests from this long ago.
    var windowSeconds = 600

    /// The instantaneous multiplier: none while drivers are at least as many as requests.
    func raw(openRequests: Int, availableDrivers: Int) -> Int {
        guard openRequests > availableDrivers else { return 100 }
        let excess = Double(openRequests - availableDrivers) / Double(max(availableDrivers, 1))
        return bounded(100 + Int((excess * Double(sensitivityHundredths)).rounded()))
    }

    /// The new published value, moving from `previous` toward `raw`.
    func smoothed(previous: Int?, raw: Int) -> Int {
        guard let previous else { return bounded(raw) }
        let alpha = min(1, max(0, smoothing))
        return bounded(Int((Double(previous) + alpha * Double(raw - previous)).rounded()))
    }

    func bounded(_ value: Int) -> Int { min(max(value, 100), max(100, maxHundredths)) }
}
