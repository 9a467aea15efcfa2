import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Testing

@testable import DispatchService

/// Tests that run the sweeper. A sweeper claims every due job in the shared test database with its
/// own module's policy, so these run one at a time.
@Suite(.serialized) struct SweeperTests {
    @Test func withNobodyNearMatchingGivesUpAtItsLimit() async throws {
        try await DispatchTestPlatform.withModule(settings: ["curbside.dispatch.max_matching_seconds": "1"]) { api, module in
            let area = DispatchTestPlatform.randomArea()
            let event = TripEvents.requested(at: area)
            try await module.deliver(event)
            try await Task.sleep(for: .milliseconds(1100))
            try await module.sweeper.runOnce()
            let trip = try #require(event.trip.split(separator: "/").last)
            #expect(try await module.count("SELECT count(*)::int8 FROM platform.jobs WHERE trip_id = '\(trip)' AND state = 'NO_DRIVER_FOUND'") == 1)
            #expect(
                try await module.count(
                    "SELECT count(*)::int8 FROM platform.outbox WHERE type = 'dispatch.v1.NoDriverFound' AND aggregateid = '\(event.trip)'")
                    == 1)
        }
    }

    /// During a rolling change two instances may run with different limits: the trip keeps the ones
    /// matching started with, whichever instance sweeps it.
    @Test func anInstanceWithOtherSettingsGivesUpAtTheJobsOwnLimit() async throws {
        let area = DispatchTestPlatform.randomArea()
        let event = TripEvents.requested(at: area)
        try await DispatchTestPlatform.withModule(settings: ["curbside.dispatch.max_matching_seconds": "1"]) { _, module in
            try await module.deliver(event)
        }
        try await Task.sleep(for: .milliseconds(1100))
        try await DispatchTestPlatform.withModule(settings: ["curbside.dispatch.max_matching_seconds": "600"]) { _, module in
            try await module.sweeper.runOnce()
            let trip = try #require(event.trip.split(separator: "/").last)
            #expect(try await module.count("SELECT count(*)::int8 FROM platform.jobs WHERE trip_id = '\(trip)' AND state = 'NO_DRIVER_FOUND'") == 1)
        }
    }

    @Test func twoInstancesMatchingAndSweepingKeepTheInvariants() async throws {
        try await DispatchTestPlatform.withModules(count: 2, settings: ["curbside.dispatch.offer_timeout_seconds": "1"]) { api, modules in
            let area = DispatchTestPlatform.randomArea()
            let drivers = (0..<6).map { _ in UUID() }
            for (index, driver) in drivers.enumerated() { try await api.goOnline(driver, at: area.north(Double(index) * 50 + 10)) }
            let events = (0..<10).map { _ in TripEvents.requested(at: area) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, event) in events.enumerated() { group.addTask { try await modules[index % 2].deliver(event) } }
                try await group.waitForAll()
            }
            try await Task.sleep(for: .milliseconds(1100))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for module in modules { group.addTask { for _ in 0..<3 { try await module.sweeper.runOnce() } } }
                // Drivers accept whatever they hold, concurrently with the sweeps.
                for driver in drivers {
                    group.addTask {
                        for offer in try await api.openOffers(driver) { _ = try await api.answer(offer, "accept", as: driver) }
                    }
                }
                try await group.waitForAll()
            }
            let ids = drivers.map { "'\($0.uuidString.lowercased())'" }.joined(separator: ",")
            let module = modules[0]
            #expect(
                try await module.count(
                    "SELECT count(*)::int8 FROM (SELECT driver_id FROM platform.offers WHERE state = 'OPEN' AND driver_id IN (\(ids)) GROUP BY driver_id HAVING count(*) > 1) x"
                ) == 0)
            let trips = events.compactMap { $0.trip.split(separator: "/").last.map { "'\($0)'" } }.joined(separator: ",")
            #expect(
                try await module.count(
                    "SELECT count(*)::int8 FROM (SELECT trip_id FROM platform.offers WHERE state = 'ACCEPTED' AND trip_id IN (\(trips)) GROUP BY trip_id HAVING count(*) > 1) x"
                ) == 0)
            let assigned = try await module.count("SELECT count(*)::int8 FROM platform.jobs WHERE state = 'ASSIGNED' AND trip_id IN (\(trips))")
            let busy = try await module.count("SELECT count(*)::int8 FROM platform.drivers WHERE current_trip IN (\(trips))")
            #expect(assigned == busy)
            #expect(busy <= drivers.count)
        }
    }

    @Test func anOfferTimeoutFiresAfterARestartAndTheNextDriverGetsTheTrip() async throws {
        let area = DispatchTestPlatform.randomArea()
        let first = UUID()
        let second = UUID()
        let event = TripEvents.requested(at: area)
        let settings = ["curbside.dispatch.offer_timeout_seconds": "1"]
        try await DispatchTestPlatform.withModule(settings: settings) { api, module in
            try await api.goOnline(first, at: area.north(100))
            try await api.goOnline(second, at: area.north(900))
            try await module.deliver(event)
            #expect(try await api.openOffers(first).count == 1)
        }
        // A new instance, with nothing in memory from the first.
        try await Task.sleep(for: .milliseconds(1100))
        try await DispatchTestPlatform.withModule(settings: settings) { api, module in
            try await api.report(second, at: area.north(890))
            let trip = event.trip.split(separator: "/").last!
            let due = try await module.count(
                "SELECT count(*)::int8 FROM platform.jobs WHERE trip_id = '\(trip)' AND state = 'OPEN' AND wake_time <= now()")
            #expect(due == 1)
            #expect(try await module.sweeper.runOnce() >= 1)
            #expect(try await api.openOffers(first).isEmpty)
            #expect(try await api.openOffers(second).count == 1)
        }
    }
}
