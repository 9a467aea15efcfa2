import Foundation

/// A route's expected road distance and driving time.
public struct RouteEstimate: Sendable, Equatable {
    public var distanceMeters: Int
    public var durationSeconds: Int

    public init(distanceMeters: Int, durationSeconds: Int) {
        self.distanceMeters = distanceMeters
        self.durationSeconds = durationSeconds
    }
}

/// Estimates a drive from `origin` to `destination` departing at `departure` (local time in `timeZone`).
public protocol RouteEstimator: Sendable {
    func estimate(from origin: Coordinate, to destination: Coordinate, departure: Date, timeZone: TimeZone) async throws -> RouteEstimate
}
