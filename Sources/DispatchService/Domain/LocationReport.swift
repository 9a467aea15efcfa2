import Foundation

/// One validated position report from a driver app.
struct LocationReport: Sendable, Equatable {
    var coordinate: Coordinate
    var accuracyMeters: Double?
    var headingDegrees: Double?
    var speedMetersPerSecond: Double?
    var recordTime: Date

    /// Clocks on phones drift: a report a little in the future is accepted, one far ahead is a bug.
    static let maxFutureSkew: TimeInterval = 5
    /// Older reports describe where the driver was, not where they are.
    static let maxAge: TimeInterval = 120
    static let maxAccuracyMeters = 1000.0
    /// 100 m/s (360 km/h): anything faster is a broken sensor.
    static let maxSpeedMetersPerSecond = 100.0

    /// Checks ranges, NaN and the timestamp against `now`; throws the first problem found.
    static func validated(
        latitude: Double, longitude: Double, accuracyMeters: Double?, headingDegrees: Double?, speedMetersPerSecond: Double?,
        recordTime: Date, now: Date
    ) throws(DispatchError) -> LocationReport {
        try check(latitude, in: -90...90, field: "location.latitude", reason: "INVALID_COORDINATES")
        try check(longitude, in: -180...180, field: "location.longitude", reason: "INVALID_COORDINATES")
        if let accuracyMeters { try check(accuracyMeters, in: 0...maxAccuracyMeters, field: "accuracyMeters", reason: "INVALID_ACCURACY") }
        if let headingDegrees { try check(headingDegrees, in: 0...360, field: "headingDegrees", reason: "INVALID_HEADING") }
        if let speedMetersPerSecond {
            try check(speedMetersPerSecond, in: 0...maxSpeedMetersPerSecond, field: "speedMetersPerSecond", reason: "INVALID_SPEED")
        }
        let age = now.timeIntervalSince(recordTime)
        guard age >= -maxFutureSkew else {
            throw .invalidField(field: "recordTime", message: "recordTime is in the future", reason: "RECORD_TIME_IN_FUTURE")
        }
        guard age <= maxAge else {
            throw .invalidField(
                field: "recordTime", message: "recordTime is older than \(Int(maxAge)) seconds", reason: "RECORD_TIME_TOO_OLD")
        }
        return LocationReport(
            coordinate: Coordinate(latitude: latitude, longitude: longitude), accuracyMeters: accuracyMeters,
            headingDegrees: headingDegrees, speedMetersPerSecond: speedMetersPerSecond, recordTime: recordTime)
    }

    /// Validates a bare coordinate (a search centre, a go-online position).
    static func coordinate(latitude: Double, longitude: Double, field: String) throws(DispatchError) -> Coordinate {
        try check(latitude, in: -90...90, field: "\(field).latitude", reason: "INVALID_COORDINATES")
        try check(longitude, in: -180...180, field: "\(field).longitude", reason: "INVALID_COORDINATES")
        return Coordinate(latitude: latitude, longitude: longitude)
    }

    private static func check(_ value: Double, in range: ClosedRange<Double>, field: String, reason: String) throws(DispatchError) {
        // `contains` is false for NaN, so NaN and infinities are refused here too.
        guard value.isFinite, range.contains(value) else {
            throw .invalidField(
                field: field, message: "\(field) must be between \(range.lowerBound) and \(range.upperBound)", reason: reason)
        }
    }
}
