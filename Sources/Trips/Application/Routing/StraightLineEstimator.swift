import Foundation

/// The built-in estimator: great-circle distance × a road factor, at an average speed that depends on
/// the local hour (rush hours are slow, nights fast). Never fails, so it is also every other
/// estimator's fallback.
public struct StraightLineEstimator: RouteEstimator {
    let roadFactor: Double

    public init(roadFactor: Double = 1.3) { self.roadFactor = max(1, roadFactor) }

    public func estimate(from origin: Coordinate, to destination: Coordinate, departure: Date, timeZone: TimeZone) -> RouteEstimate {
        let meters = origin.distance(to: destination) * roadFactor
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let speed = Self.speedKilometersPerHour(hour: calendar.component(.hour, from: departure))
        let seconds = meters / (speed * 1000 / 3600)
        return RouteEstimate(distanceMeters: Int(meters.rounded()), durationSeconds: Int(seconds.rounded()))
    }

    /// Average urban speed by local hour.
    static func speedKilometersPerHour(hour: Int) -> Double {
        switch hour {
        case 0..<6: 45
        case 7..<10, 16..<19: 18
        case 10..<16: 28
        default: 32
        }
    }
}
