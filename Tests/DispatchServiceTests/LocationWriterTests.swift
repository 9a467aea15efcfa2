import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import DispatchService

/// Location reports written in groups (`LocationWriter`): a batch gives each report the answer it
/// would have had alone, and concurrent reports through the API all land.
@Suite struct LocationWriterTests {
    @Test func aBatchAnswersEachReportAsIfWrittenAlone() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let area = DispatchTestPlatform.randomArea()
            let (moving, onTrip, neverOnline) = (UUID(), UUID(), UUID())
            try await api.goOnline(moving, at: area)
            try await api.goOnline(onTrip, at: area.north(300))
            let trip = UUID()
            #expect(
                try await module.count(
                    """
                    WITH assigned AS (UPDATE platform.drivers SET current_trip = '\(trip.uuidString.lowercased())'
                        WHERE driver_id = '\(onTrip.uuidString.lowercased())' RETURNING 1) SELECT count(*)::int8 FROM assigned
                    """) == 1)

            // Going online recorded a position at the time of the call: these reports are newer.
            let now = Date()
            func entry(_ driver: UUID, _ point: Coordinate, _ second: TimeInterval) throws -> LocationWriter.Entry {
                try .report(driver, at: point, time: now.addingTimeInterval(second), received: now, accuracyMeters: second == 3 ? 5 : nil)
            }
            let entries = [
                try entry(moving, area.north(10), 1),  // superseded by the newer one later in the batch
                try entry(moving, area.north(20), 3),  // kept
                try entry(moving, area.north(30), 2),  // older than the kept one
                try entry(neverOnline, area, 1),
                try entry(onTrip, area.north(310), 1),
            ]
            let outcomes = try await module.writeLocations(entries)
            #expect(outcomes == [false, true, false, nil, true])

            let position = try await api.call(
                .get, "/v1/drivers/\(moving.uuidString.lowercased())/location", token: try await api.driverToken(moving))
            let latitude = try #require((position["location"] as? [String: Any])?["latitude"] as? Double)
            #expect(abs(latitude - area.north(20).latitude) < 1e-9)
            #expect(position["accuracyMeters"] as? Double == 5)
            #expect(
                try await module.count(
                    "SELECT count(*)::int8 FROM platform.trail_points WHERE trip_id = '\(trip.uuidString.lowercased())'") == 1)
            // The same batch again: nothing is newer than what is stored.
            let again = try await module.writeLocations(entries)
            #expect(again == [false, false, false, nil, false])
        }
    }

    @Test func concurrentReportsFromManyDriversAllLandWithTheNewestKept() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let (area, drivers) = try await api.onlineDrivers(20)
            let start = Date()
            // Five reports per driver, all at once and in no particular order.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { tasks in
                for driver in drivers {
                    for step in (0..<5).shuffled() {
                        tasks.addTask {
                            try await api.report(driver, at: area.north(Double(step) * 10), time: start.addingTimeInterval(Double(step) / 2)).status
                        }
                    }
                }
                return try await tasks.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 100 && statuses.allSatisfy { $0 == 200 })
            #expect(try await module.positionsRecorded(at: start.addingTimeInterval(2), for: drivers) == 20)
        }
    }

    /// Two instances (two writers) writing batches over the same drivers at once, in opposite orders:
    /// rows are locked in driver order, so neither waits on the other in a cycle, and every driver
    /// ends with its newest report.
    @Test func twoInstancesWritingOverlappingBatchesNeitherDeadlockNorLoseTheNewest() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let (area, drivers) = try await api.onlineDrivers(40)
            let start = Date()
            func batch(_ order: [UUID], second: Double) throws -> [LocationWriter.Entry] {
                try order.map { try .report($0, at: area, time: start.addingTimeInterval(second), received: start) }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<10 {
                    let forward = try batch(drivers, second: Double(round) * 0.2)
                    let backward = try batch(drivers.reversed(), second: Double(round) * 0.2 + 0.1)
                    group.addTask { _ = try await module.writeLocations(forward) }
                    group.addTask { _ = try await module.writeLocations(backward) }
                }
                try await group.waitForAll()
            }
            #expect(try await module.positionsRecorded(at: start.addingTimeInterval(9 * 0.2 + 0.1), for: drivers) == 40)
        }
    }
}

extension DispatchModule {
    /// Writes one batch of reports as the module's writer would (positions shared every `shareInterval`).
    func writeLocations(_ entries: [LocationWriter.Entry], shareInterval: TimeInterval = 3) async throws -> [LocationWriter.Outcome] {
        try await LocationWriter.write(
            entries, shareInterval: shareInterval, database: databases.platform, outbox: OutboxWriter(routing: .curbside),
            logger: TestEnvironment.logger)
    }

    /// How many of `drivers` have their latest position recorded at `time` (to the millisecond).
    func positionsRecorded(at time: Date, for drivers: [UUID]) async throws -> Int {
        try await count(
            """
            SELECT count(*)::int8 FROM platform.driver_positions
            WHERE driver_id IN (\(drivers.map { "'\($0.uuidString.lowercased())'" }.joined(separator: ",")))
                AND abs(extract(epoch FROM record_time) - \(time.timeIntervalSince1970)) < 0.001
            """)
    }
}

extension LocationWriter.Entry {
    /// A validated report of `driver` at `point`, recorded at `time` and received at `received`.
    static func report(
        _ driver: UUID, at point: Coordinate, time: Date, received: Date, accuracyMeters: Double? = nil
    ) throws -> LocationWriter.Entry {
        let report = try LocationReport.validated(
            latitude: point.latitude, longitude: point.longitude, accuracyMeters: accuracyMeters, headingDegrees: nil,
            speedMetersPerSecond: nil, recordTime: time, now: received)
        return LocationWriter.Entry(driverID: driver, report: report, receiveTime: received, traceID: nil)
    }
}

extension TestAPI {
    /// `count` new drivers online at one random point.
    func onlineDrivers(_ count: Int) async throws -> (area: Coordinate, drivers: [UUID]) {
        let area = DispatchTestPlatform.randomArea()
        let drivers = (0..<count).map { _ in UUID() }
        for driver in drivers { try await goOnline(driver, at: area) }
        return (area, drivers)
    }
}
