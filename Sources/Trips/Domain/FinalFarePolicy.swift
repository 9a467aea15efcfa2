/// How the final fare uses the measured ride: the trail's distance and duration, each clamped to
/// [0.5×, 2×] of the quoted estimate, so a GPS glitch or a detour can neither make the ride free nor
/// multiply its price. Without a trail (dispatch unreachable or no points) the estimate is used.
public enum FinalFarePolicy {
    /// Where the distance and duration of a final fare came from.
    public enum Source: String, Sendable, Codable {
        /// The driver's location trail, within the bounds.
        case trail = "TRAIL"
        /// The trail, clamped to the bounds.
        case trailClamped = "TRAIL_CLAMPED"
        /// The quote's estimate (no usable trail).
        case estimate = "ESTIMATE"
    }

    /// The distance and duration to charge, and their source.
    public static func measures(
        estimatedMeters: Int, estimatedSeconds: Int, trailMeters: Int?, trailSeconds: Int?
    ) -> (meters: Int, seconds: Int, source: Source) {
        guard let trailMeters, let trailSeconds, trailMeters >= 0, trailSeconds >= 0 else {
            return (estimatedMeters, estimatedSeconds, .estimate)
        }
        let meters = clamp(trailMeters, estimate: estimatedMeters)
        let seconds = clamp(trailSeconds, estimate: estimatedSeconds)
        let clamped = meters != trailMeters || seconds != trailSeconds
        return (meters, seconds, clamped ? .trailClamped : .trail)
    }

    static func clamp(_ value: Int, estimate: Int) -> Int { min(max(value, estimate / 2), estimate * 2) }
}
