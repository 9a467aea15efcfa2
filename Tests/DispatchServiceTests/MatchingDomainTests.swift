import CurbsideCore
import Foundation
import Testing

@testable import DispatchService

@Suite struct MatchingDomainTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func candidate(_ meters: Double, received: Int = 0, accepted: Int = 0, idle: TimeInterval = 0) -> Candidate {
        Candidate(
            driverID: UUID(), distanceMeters: meters, offersReceived: received, offersAccepted: accepted, idleSince: now.addingTimeInterval(-idle))
    }

    @Test func theNearestRadiusStepWithAnyoneInItIsUsed() {
        let near = candidate(1500)
        let far = candidate(3500)
        #expect(CandidateRanking.firstNonEmptyStep([far, near], steps: [1000, 2000, 4000]) == [near])
        #expect(CandidateRanking.firstNonEmptyStep([far], steps: [1000, 2000, 4000]) == [far])
        #expect(CandidateRanking.firstNonEmptyStep([candidate(5000)], steps: [1000, 2000, 4000]).isEmpty)
    }

    @Test func closerPickupComesFirstAcrossETABuckets() {
        let close = candidate(100, received: 10, accepted: 0)
        let further = candidate(900, received: 10, accepted: 10)
        #expect(CandidateRanking.rank([further, close], policy: MatchingPolicy()).map(\.driverID) == [close.driverID, further.driverID])
    }

    @Test func withinOneETABucketAcceptanceRateThenIdleTimeDecide() {
        let reluctant = candidate(100, received: 10, accepted: 2)
        let keen = candidate(120, received: 10, accepted: 9)
        let keenButBusy = candidate(110, received: 10, accepted: 9, idle: 10)
        let keenAndIdle = candidate(130, received: 10, accepted: 9, idle: 600)
        let ranked = CandidateRanking.rank([reluctant, keen, keenButBusy, keenAndIdle], policy: MatchingPolicy()).map(\.driverID)
        #expect(ranked == [keenAndIdle.driverID, keenButBusy.driverID, keen.driverID, reluctant.driverID])
    }

    @Test func aNewDriverCountsAsHalfLikelyToAccept() {
        #expect(CandidateRanking.acceptanceRate(candidate(0)) == 0.5)
    }

    @Test func pickupETAUsesRoadFactorAndSpeed() {
        #expect(MatchingPolicy().pickupEtaSeconds(distanceMeters: 833) == 130)
    }

    @Test(arguments: 0..<60) func hungarianMatchesBruteForceOnSmallRandomCases(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed) + 1)
        let rows = Int.random(in: 1...5, using: &generator)
        let columns = Int.random(in: 1...5, using: &generator)
        let costs: [[Double?]] = (0..<rows).map { _ in
            (0..<columns).map { _ in Bool.random(using: &generator) || seed % 3 == 0 ? Double(Int.random(in: 1...500, using: &generator)) : nil }
        }
        let solved = Assignment.solve(costs)
        #expect(Set(solved.map(\.row)).count == solved.count)
        #expect(Set(solved.map(\.column)).count == solved.count)
        #expect(solved.allSatisfy { costs[$0.row][$0.column] != nil })
        let best = BruteForce.best(costs)
        #expect(solved.count == best.pairs)
        #expect(solved.reduce(0) { $0 + costs[$1.row][$1.column]! } == best.cost)
    }

    @Test func hungarianBeatsGreedyWhereGreedyIsShortSighted() {
        // Greedy takes the 1 and is left with 100; the optimum is 2 + 2.
        let costs: [[Double?]] = [[1, 2], [2, 100]]
        let optimal = Assignment.solve(costs).reduce(0) { $0 + costs[$1.row][$1.column]! }
        let greedy = Assignment.greedy(costs).reduce(0) { $0 + costs[$1.row][$1.column]! }
        #expect(optimal == 4)
        #expect(greedy == 101)
    }

    @Test func surgeIsNoneWithEnoughDriversAndBoundedAbove() {
        let policy = SurgePolicy(maxHundredths: 300)
        #expect(policy.raw(openRequests: 3, availableDrivers: 5) == 100)
        #expect(policy.raw(openRequests: 4, availableDrivers: 2) == 150)
        #expect(policy.raw(openRequests: 1000, availableDrivers: 0) == 300)
        #expect(policy.smoothed(previous: 100, raw: 300) == 200)
        #expect(policy.smoothed(previous: nil, raw: 900) == 300)
        #expect(policy.smoothed(previous: 250, raw: 100) == 175)
    }

    @Test func trailsLeaveOutImpossibleJumps() {
        let start = Coordinate(latitude: 40, longitude: -74)
        let t0 = now
        let points: [(Coordinate, Date)] = [
            (start, t0),
            (start.north(100), t0.addingTimeInterval(10)),
            (start.north(50_000), t0.addingTimeInterval(20)),  // 5 km/s: a glitch
            (start.north(200), t0.addingTimeInterval(30)),
        ]
        let result = TrailMeasure.measure(points)
        #expect(result.pointCount == 3)
        #expect(abs(result.distanceMeters - 200) < 1)
        #expect(result.durationSeconds == 30)
    }

    @Test func zonesAreStableGridCells() {
        let grid = ZoneGrid()
        #expect(grid.zoneID(Coordinate(latitude: 40.7512, longitude: -73.9851)) == "4075_-7399")
        #expect(grid.zoneID(Coordinate(latitude: 40.7519, longitude: -73.9859)) == "4075_-7399")
    }
}

/// The exhaustive answer: maximum number of pairs, then minimum cost.
enum BruteForce {
    static func best(_ costs: [[Double?]]) -> (pairs: Int, cost: Double) {
        var best = (pairs: 0, cost: 0.0)
        func search(_ row: Int, _ used: Set<Int>, _ pairs: Int, _ cost: Double) {
            if row == costs.count {
                if pairs > best.pairs || (pairs == best.pairs && cost < best.cost) { best = (pairs, cost) }
                return
            }
            search(row + 1, used, pairs, cost)
            for (column, value) in costs[row].enumerated() where !used.contains(column) {
                if let value { search(row + 1, used.union([column]), pairs + 1, cost + value) }
            }
        }
        search(0, [], 0, 0)
        return best
    }
}
