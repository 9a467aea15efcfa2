import Configuration
import CurbsideCore
import Foundation

/// The trips service's own settings (`curbside.trips.*`, e.g. `CURBSIDE_TRIPS_QUOTE_TTL_SECONDS`).
public struct TripsSettings: Sendable {
    /// How long a fare quote may be presented to request a trip.
    public var quoteTTL: TimeInterval
    /// How close the driver's last position must be to the pickup for `:start`.
    public var pickupRadiusMeters: Double
    /// A driver position older than this does not count as "near the pickup".
    public var driverLocationMaxAge: TimeInterval
    /// Wrong PINs allowed per assignment before `:start` is refused for good.
    public var maxPINAttempts: Int
    /// Free cancellation window after a driver is assigned.
    public var cancellationGracePeriod: TimeInterval
    /// How long after completion each side may rate the other.
    public var ratingWindow: TimeInterval
    /// The OSRM server (`http://host:5000`); `nil` uses the built-in estimator only.
    public var osrmURL: URL?
    /// Bound on each call to OSRM.
    public var osrmTimeout: Duration
    /// Bound on each call to dispatch (zone conditions, driver location, trail).
    public var dispatchTimeout: Duration
    /// The pickup ETA quoted when dispatch cannot tell one.
    public var fallbackPickupETASeconds: Int
    /// Great-circle distance × this = the built-in estimate of road distance.
    public var roadFactor: Double
    /// How long a trip may stay REQUESTED (payment not yet settled) before it is cancelled as abandoned.
    public var abandonedRequestTimeout: TimeInterval
    /// Secret for quote signatures and pickup PINs.
    let secret: String

    /// Reads the settings with their defaults.
    public init(platform: PlatformSettings) {
        let config = platform.config
        quoteTTL = TimeInterval(config.int(forKey: "trips.quote_ttl_seconds", default: 120))
        pickupRadiusMeters = Double(config.int(forKey: "trips.pickup_radius_meters", default: 200))
        driverLocationMaxAge = TimeInterval(config.int(forKey: "trips.driver_location_max_age_seconds", default: 120))
        maxPINAttempts = config.int(forKey: "trips.pin_max_attempts", default: 5)
        cancellationGracePeriod = TimeInterval(config.int(forKey: "trips.cancellation_grace_seconds", default: 120))
        ratingWindow = TimeInterval(config.int(forKey: "trips.rating_window_seconds", default: 7 * 24 * 3600))
        osrmURL = config.string(forKey: "trips.osrm_url").flatMap { $0.isEmpty ? nil : URL(string: $0) }
        osrmTimeout = .milliseconds(config.int(forKey: "trips.osrm_timeout_ms", default: 1000))
        dispatchTimeout = .milliseconds(config.int(forKey: "trips.dispatch_timeout_ms", default: 800))
        fallbackPickupETASeconds = config.int(forKey: "trips.fallback_pickup_eta_seconds", default: 300)
        roadFactor = config.double(forKey: "trips.road_factor", default: 1.3)
        abandonedRequestTimeout = TimeInterval(config.int(forKey: "trips.abandoned_request_seconds", default: 300))
        secret = platform.auth.pageTokenSecret
    }
}
