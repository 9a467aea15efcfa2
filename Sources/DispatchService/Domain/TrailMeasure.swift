import Foundation

/// The distance a driver actually travelled, from their accepted location reports.
enum TrailMeasure {
    /// About 250 km/h: a jump faster than this is a GPS glitch, not driving.
    static let maxPlausibleSpeed = 70.0

    struct Result: Sendable, Equatable {
        var distanceMeters: Double
        var durationSeconds: Double
        var pointCount: Int
    }

    /// Sums the legs between consecutive points (sorted by time), leaving out a point that would
    /// imply a speed above `maxSpeed` from the last point kept.
    static func measure(_ points: [(Coordinate, Date)], maxSpeed: Double = maxPlausibleSpeed) -> Result {
        let sorted = points.sorted { $0.1 < $1.1 }
        guard var last = sorted.first else { return Result(distanceMeters: 0, durationSeconds: 0, pointCount: 0) }
        let first = last
        var distance = 0.0
        var kept = 1
        for point in sorted.dropFirst() {
            let leg = Geo.distanceMeters(last.0, point.0)
            let seconds = point.1.timeIntervalSince(last.1)
            if seconds <= 0 ? leg > 0 : leg / seconds > maxSpeed { continue }
            distance += leg
            kept += 1
            last = point
        }
        return Result(distanceMeters: distance, durationSeconds: last.1.timeIntervalSince(first.1), pointCount: kept)
    }
}
