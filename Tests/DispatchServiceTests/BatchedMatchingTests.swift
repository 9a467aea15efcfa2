import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import DispatchService

@Suite struct BatchedMatchingTests {
    @Test func aBatchAssignsDriversToRequestsWithTheLeastTotalPickupTime() async throws {
        try await DispatchTestPlatform.withModule(settings: ["curbside.dispatch.matching_mode": "batched"]) { api, module in
            let area = DispatchTestPlatform.randomArea()
            // Driver A sits between both pickups, B only near the second: greedy would give A the second.
            let a = UUID()
            let b = UUID()
            try await api.goOnline(a, at: area.north(500))
            try await api.goOnline(b, at: area.north(1800))
            let low = TripEvents.requested(at: area)
            let high = TripEvents.requested(at: area.north(1000))
            try await module.deliver(low)
            try await module.deliver(high)
            #expect(try await api.openOffers(a).isEmpty)
            let batch = try #require(module.batchMatcher)
            #expect(try await batch.runOnce() == 2)
            let offerA = try #require(try await api.openOffers(a).first)
            let detail = try await api.answer(offerA, "accept", as: a)
            #expect(detail.string("trip") == low.trip)
            #expect(try await api.openOffers(b).count == 1)
        }
    }
}
