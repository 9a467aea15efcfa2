import Synchronization

/// The run's counters, shared by every simulated driver and passenger (hundreds of tasks), behind
/// one lock: updates are a few additions, far cheaper than the HTTP calls they count.
public final class SimulationStats: Sendable {
    private static let sampleLimit = 5
    private let state = Mutex(SimulationSnapshot())
    private let started = Mutex<ContinuousClock.Instant?>(nil)

    public init() {}

    /// Changes the counters.
    public func update(_ change: (inout SimulationSnapshot) -> Void) {
        state.withLock { change(&$0) }
    }

    /// A copy of the counters now.
    public func snapshot() -> SimulationSnapshot {
        var copy = state.withLock { $0 }
        if let started = started.withLock({ $0 }) {
            let elapsed = ContinuousClock.now - started
            copy.elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        return copy
    }

    /// Marks the moment the city went live (elapsed time counts from here).
    func markStarted() {
        started.withLock { $0 = .now }
        update { $0.phase = .running }
    }

    /// Records one API call: its latency and, outside 2xx, its error.
    func recordCall(operation: String, target: String, status: Int, seconds: Double, reason: String?, message: String?) {
        update { stats in
            stats.latency.record(seconds: seconds)
            guard !(200..<300).contains(status) else { return }
            stats.errors[.init(status: status, operation: operation, reason: reason ?? ""), default: 0] += 1
            if status >= 500, stats.serverErrorSamples.count < Self.sampleLimit {
                stats.serverErrorSamples.append("\(target) → \(status) \(message ?? "")")
            }
        }
    }

    /// Records a call that got no HTTP answer.
    func recordTransportError(target: String, error: String) {
        update { stats in
            stats.transportErrors += 1
            if stats.transportErrorSamples.count < Self.sampleLimit { stats.transportErrorSamples.append("\(target): \(error)") }
        }
    }
}
