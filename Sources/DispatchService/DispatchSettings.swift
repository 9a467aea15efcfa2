import Configuration
import Foundation

/// The `dispatch.*` settings (env `CURBSIDE_DISPATCH_*`), read once when the module is built.
struct DispatchSettings: Sendable {
    var matching: MatchingPolicy
    var surge: SurgePolicy
    var sweepInterval: Duration
    /// How often an on-trip driver's position is shared with the passenger (at most).
    var positionShareInterval: TimeInterval

    init(_ config: ConfigReader) {
        var matching = MatchingPolicy()
        let mode = config.string(forKey: "dispatch.matching_mode", default: "sequential")
        matching.mode = MatchingPolicy.Mode(rawValue: mode) ?? .sequential
        let steps = config.string(forKey: "dispatch.radius_steps_meters", default: "1000,2000,4000")
            .split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        matching.radiusStepsMeters = steps.isEmpty ? [1000, 2000, 4000] : steps.sorted()
        matching.batchSize = max(1, config.int(forKey: "dispatch.offer_batch_size", default: 1))
        matching.offerTimeout = TimeInterval(max(1, config.int(forKey: "dispatch.offer_timeout_seconds", default: 15)))
        matching.maxOffers = max(1, config.int(forKey: "dispatch.max_offers", default: 10))
        matching.maxMatchingTime = TimeInterval(max(1, config.int(forKey: "dispatch.max_matching_seconds", default: 120)))
        matching.retryInterval = TimeInterval(max(100, config.int(forKey: "dispatch.retry_interval_ms", default: 2000))) / 1000
        matching.batchWindow = TimeInterval(max(100, config.int(forKey: "dispatch.batch_window_ms", default: 2000))) / 1000
        matching.staleAfter = TimeInterval(max(1, config.int(forKey: "dispatch.stale_after_seconds", default: 30)))
        matching.assumedSpeedMetersPerSecond = max(0.5, config.double(forKey: "dispatch.pickup_speed_meters_per_second", default: 8.33))
        self.matching = matching
        var surge = SurgePolicy()
        surge.maxHundredths = max(100, config.int(forKey: "dispatch.surge_max_hundredths", default: 300))
        surge.windowSeconds = max(10, config.int(forKey: "dispatch.surge_window_seconds", default: 600))
        surge.sensitivityHundredths = max(0, config.int(forKey: "dispatch.surge_sensitivity_hundredths", default: 50))
        self.surge = surge
        sweepInterval = .milliseconds(max(50, config.int(forKey: "dispatch.sweep_interval_ms", default: 500)))
        positionShareInterval = TimeInterval(max(0, config.int(forKey: "dispatch.position_share_interval_ms", default: 3000))) / 1000
    }
}
