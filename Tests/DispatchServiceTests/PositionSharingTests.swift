import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Testing

@testable import DispatchService

/// An on-trip driver's position reaches the passenger as `dispatch.v1.DriverPositionShared`: only
/// while the trip is the driver's, to that trip's passenger, at most once per interval, written in
/// the same transaction as the position.
@Suite struct PositionSharingTests {
    @Test func anAssignedDriversReportsAreSharedWithThePassengerAtMostOncePerInterval() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let area = DispatchTestPlatform.randomArea()
            let (driver, passenger) = (UUID(), UUID())
            try await api.goOnline(driver, at: area.north(300))
            let start = Date()
            // Before any trip: kept, not shared.
            #expect(try await module.writeLocations([try .report(driver, at: area.north(290), time: start, received: start)]) == [true])
            #expect(try await module.sharedPositions(of: driver).isEmpty)

            let event = TripEvents.requested(passenger: passenger, at: area)
            try await module.deliver(event)
            let offer = try #require(try await api.openOffers(driver).first)
            #expect(try await api.answer(offer, "accept", as: driver).status == 200)

            // Received at +1 s (shared), +2 s and +3.5 s (within 3 s of the share), +4.2 s (shared).
            var outcomes: [LocationWriter.Outcome] = []
            for (step, second) in [1.0, 2.0, 3.5, 4.2].enumerated() {
                let time = start.addingTimeInterval(second)
                let entry = try LocationWriter.Entry.report(driver, at: area.north(280 - Double(step) * 10), time: time, received: time)
                outcomes += try await module.writeLocations([entry])
            }
            #expect(outcomes == [true, true, true, true])
            let shared = try await module.sharedPositions(of: driver)
            #expect(shared.count == 2)
            #expect(shared.map(\.passenger) == Array(repeating: event.passenger, count: 2))
            #expect(shared.map(\.trip) == [event.trip, event.trip])
            // Integration events carry RFC 3339 times to the millisecond: the +1 s and +4.2 s reports.
            #expect(
                shared.map { Timestamp.roundedToMilliseconds($0.recordTime) }
                    == [1.0, 4.2].map { Timestamp.roundedToMilliseconds(start.addingTimeInterval($0)) })
            #expect(abs((shared.last?.position.latitude ?? 0) - area.north(250).latitude) < 1e-9)
            // The notifications service is told (and the analytics export, like every event).
            #expect(
                try await module.count(
                    """
                    SELECT count(*)::int8 FROM platform.outbox_deliveries d JOIN platform.outbox o ON o.id = d.event_id
                    WHERE o.type = 'dispatch.v1.DriverPositionShared' AND o.aggregateid = 'drivers/\(driver.uuidString.lowercased())'
                        AND d.subscriber IN ('notifications', 'analytics')
                    """) == 4)

            // The trip ends: the driver's reports are theirs again.
            try await module.deliver(
                TripsV1.TripCompleted(
                    trip: event.trip, passenger: event.passenger, driver: "drivers/\(driver.uuidString.lowercased())", city: "cities/test",
                    vehicleClass: "ECONOMY", fare: MoneyAmount(currencyCode: "USD", minorUnits: 1000), distanceMeters: 400,
                    durationSeconds: 60, completeTime: Date()))
            let later = start.addingTimeInterval(20)
            #expect(try await module.writeLocations([try .report(driver, at: area, time: later, received: later)]) == [true])
            #expect(try await module.sharedPositions(of: driver).count == 2)
        }
    }

    @Test func aReportThroughTheAPIIsSharedWithTheRequestsTraceID() async throws {
        try await DispatchTestPlatform.withModule { api, module in
            let area = DispatchTestPlatform.randomArea()
            let driver = UUID()
            try await api.goOnline(driver, at: area.north(300))
            let event = TripEvents.requested(at: area)
            try await module.deliver(event)
            let offer = try #require(try await api.openOffers(driver).first)
            #expect(try await api.answer(offer, "accept", as: driver).status == 200)

            #expect(try await api.report(driver, at: area.north(200)).status == 200)
            let shared = try await module.sharedPositions(of: driver)
            #expect(shared.count == 1)
            #expect(shared.first?.trip == event.trip)
            #expect(
                try await module.count(
                    """
                    SELECT count(*)::int8 FROM platform.outbox
                    WHERE type = 'dispatch.v1.DriverPositionShared' AND aggregateid = 'drivers/\(driver.uuidString.lowercased())'
                        AND length(trace_id) = 32
                    """) == 1)
        }
    }
}

extension DispatchModule {
    /// The positions shared for `driver`, oldest first.
    func sharedPositions(of driver: UUID) async throws -> [DispatchV1.DriverPositionShared] {
        try await databases.platform.readPrimary { client in
            let rows = try await client.query(
                """
                SELECT payload::text FROM platform.outbox
                WHERE type = 'dispatch.v1.DriverPositionShared' AND aggregateid = \("drivers/\(driver.uuidString.lowercased())")
                ORDER BY seq
                """, logger: TestEnvironment.logger)
            var found: [DispatchV1.DriverPositionShared] = []
            for try await payload in rows.decode(String.self) {
                found.append(try IntegrationEventCoding.decoder.decode(DispatchV1.DriverPositionShared.self, from: Data(payload.utf8)))
            }
            return found
        }
    }
}
