import Foundation
import Testing

@testable import DispatchService

@Suite struct LocationReportTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func report(
        latitude: Double = 40, longitude: Double = -74, accuracy: Double? = 5, heading: Double? = 90, speed: Double? = 10,
        age: TimeInterval = 1
    ) throws(DispatchError) -> LocationReport {
        try LocationReport.validated(
            latitude: latitude, longitude: longitude, accuracyMeters: accuracy, headingDegrees: heading, speedMetersPerSecond: speed,
            recordTime: now.addingTimeInterval(-age), now: now)
    }

    @Test func aPlausibleReportIsAccepted() throws {
        #expect(try report().coordinate == Coordinate(latitude: 40, longitude: -74))
        #expect(try report(accuracy: nil, heading: nil, speed: nil, age: -4).recordTime > now)
    }

    @Test(arguments: [
        (91.0, 0.0, "INVALID_COORDINATES"), (-90.5, 0.0, "INVALID_COORDINATES"), (0.0, 180.5, "INVALID_COORDINATES"),
        (Double.nan, 0.0, "INVALID_COORDINATES"), (0.0, Double.infinity, "INVALID_COORDINATES"),
    ])
    func outOfRangeCoordinatesAreRefused(latitude: Double, longitude: Double, reason: String) {
        #expect(throws: DispatchError.self) { try report(latitude: latitude, longitude: longitude) }
        #expect(reasonOf { try report(latitude: latitude, longitude: longitude) } == reason)
    }

    @Test func badSensorValuesAreRefused() {
        #expect(reasonOf { try report(accuracy: -1) } == "INVALID_ACCURACY")
        #expect(reasonOf { try report(accuracy: 5000) } == "INVALID_ACCURACY")
        #expect(reasonOf { try report(heading: 361) } == "INVALID_HEADING")
        #expect(reasonOf { try report(heading: .nan) } == "INVALID_HEADING")
        #expect(reasonOf { try report(speed: -0.1) } == "INVALID_SPEED")
    }

    @Test func timestampsFarInTheFutureOrTooOldAreRefused() {
        #expect(reasonOf { try report(age: -60) } == "RECORD_TIME_IN_FUTURE")
        #expect(reasonOf { try report(age: 600) } == "RECORD_TIME_TOO_OLD")
    }

    func reasonOf(_ body: () throws -> LocationReport) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            if case .invalidField(_, _, let reason) = error as? DispatchError { return reason }
            return "\(error)"
        }
    }
}
