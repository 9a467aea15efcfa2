import Foundation

/// How matching behaves; every number comes from configuration (`dispatch.*`).
struct MatchingPolicy: Sendable {
    enum Mode: String, Sendable {
        /// Each request is matched on its own as soon as it arrives.
        case sequential
        /// Requests are collected for `batchWindow` and assigned together (minimum total pickup ETA).
        case batched
    }

    var mode: Mode = .sequential
    /// Search radii, smallest first: the first step that contains any candidate is used.
    var radiusStepsMeters: [Double] = [1000, 2000, 4000]
    /// How many drivers hold an offer for one trip at once.
    var batchSize = 1
    var offerTimeout: TimeInterval = 15
    /// Matching gives up after this many offers ...
    var maxOffers = 10
    /// ... or this long after the request.
    var maxMatchingTime: TimeInterval = 120
    /// When no candidate is near, look again after this long.
    var retryInterval: TimeInterval = 2
    var batchWindow: TimeInterval = 2
    /// Drivers silent for longer are STALE and not offered anything.
    var staleAfter: TimeInterval = 30
    /// City driving speed used for pickup ETAs (about 30 km/h).
    var assumedSpeedMetersPerSecond = 8.33
    /// Roads are longer than the straight line.
    var roadFactor = 1.3
    /// ETAs within the same bucket count as equal, so acceptance rate and idle time can break the tie.
    var etaBucketSeconds = 60

    var maxRadiusMeters: Double { radiusStepsMeters.max() ?? 0 }

    /// The pickup ETA, in whole seconds, for a straight-line distance.
    func pickupEtaSeconds(distanceMeters: Double) -> Int {
        Int((distanceMeters * roadFactor / assumedSpeedMetersPerSecond).rounded())
    }
}
