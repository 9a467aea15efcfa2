import CurbsideTesting
import Foundation
import Simulator
import Testing

/// `curbside simulate` against the whole platform in one process: a small, busy city lives for
/// half a minute, through the public API and the live channel only, completes rides and never
/// meets a server error.
@Suite(.serialized) struct SimulationTests {
    @Test func aSmallBusyCityCompletesRidesWithoutServerErrors() async throws {
        try await AllInOneServer.run { server in
            let scenario = RideScenario(
                users: server.baseURL, trips: server.baseURL, dispatch: server.baseURL, payments: server.baseURL,
                notifications: server.baseURL)
            var config = SimulationConfig()
            config.baseURL = server.baseURL
            config.admin = .accessToken(try await scenario.adminToken())
            // A random centre (the scenario's), so that no other test's drivers are near.
            config.center = GeoPoint(latitude: scenario.center.latitude, longitude: scenario.center.longitude)
            config.sizeKm = 2
            config.drivers = 6
            config.passengers = 10
            config.demandPerHour = 2_000
            config.duration = .seconds(25)
            config.seed = 7
            // Fast cars on short rides, quick answers: whole rides fit in the run several times over.
            config.timing.speedFactor = 40
            config.timing.pingInterval = .seconds(1)
            config.timing.offerAnswerDelaySeconds = 0.2...0.8
            config.timing.cancelPatienceSeconds = 3...10
            config.timing.goOnlineWindow = .seconds(2)
            config.timing.tripRefreshInterval = .seconds(3)
            config.timing.windDownTimeout = .seconds(10)
            config.behaviour.tripDistanceKm = 0.5...1.5

            let summary = try await Simulation(config: config, logger: TestEnvironment.logger).run { _ in }
            let table = SummaryTable.render(summary)
            #expect(summary.requests > 0, "\(table)")
            #expect(summary.completed >= 1, "\(table)")
            #expect(summary.serverErrors == 0, "\(table)")
            #expect(summary.transportErrors == 0, "\(table)")
            #expect(summary.liveConnects >= config.drivers + config.passengers, "\(table)")
        }
    }

    @Test func carsDriveAlongStreetsAndReachTheirDestination() {
        let grid = StreetGrid(center: GeoPoint(latitude: 52.52, longitude: 13.405), sizeKm: 2, blockMeters: 200)
        func onStreet(_ point: LocalPoint) -> Bool {
            abs(point.x - (point.x / 200).rounded() * 200) < 0.01 || abs(point.y - (point.y / 200).rounded() * 200) < 0.01
        }
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<200 {
            let end = grid.snappedToStreet(grid.randomPoint(using: &generator))
            var route = grid.route(from: grid.randomPoint(using: &generator), to: end)
            #expect(zip(route.points, route.points.dropFirst()).allSatisfy { abs($0.x - $1.x) < 0.01 || abs($0.y - $1.y) < 0.01 })
            while !route.isFinished {
                route.advance(by: 37)
                #expect(onStreet(route.position) && grid.contains(route.position), "\(route.position)")
            }
            #expect(route.position.distance(to: end) < 0.01)
        }
    }

    @Test func theSameSeedMakesTheSameDemand() {
        let grid = StreetGrid(center: GeoPoint(latitude: 10, longitude: 20), sizeKm: 8)
        func draws(seed: UInt64) -> [DemandModel.RideWish] {
            var demand = DemandModel(
                grid: grid, demandPerHour: 300, behaviour: .init(), generator: SeededGenerator(seed: seed, stream: 1))
            return (0..<50).map { _ in demand.nextWish() }
        }
        #expect(draws(seed: 5) == draws(seed: 5))
        #expect(draws(seed: 5) != draws(seed: 6))
        #expect(draws(seed: 5).allSatisfy { grid.contains($0.pickup) && grid.contains($0.dropoff) })
    }
}
