import CurbsideCore
import DispatchService
import Foundation

/// Batched matching as `BatchMatcher` solves it: requests and drivers at random in the square,
/// pickup ETA as the cost, pairs beyond the largest search radius not allowed; the Hungarian
/// solution (minimum total ETA) timed per batch, and compared with greedy (nearest pair first).
struct MatchingBenchmark {
    let size = BenchEnvironment.int("CURBSIDE_BENCH_MATCHING_SIZE", 1_000)
    let batches = BenchEnvironment.int("CURBSIDE_BENCH_MATCHING_BATCHES", 3)
    let square = CitySquare()
    // dispatch's defaults (MatchingPolicy): largest radius step 4 km, 8.33 m/s, road factor 1.3.
    let maxRadiusMeters = 4_000.0
    let speedMetersPerSecond = 8.33
    let roadFactor = 1.3

    func run() -> [String] {
        var generator = SeededGenerator(seed: 7)
        let requests = (0..<size).map { _ in square.randomPoint(using: &generator) }
        let drivers = (0..<size).map { _ in square.randomPoint(using: &generator) }
        // Rows are drivers and columns requests, as in BatchMatcher.
        let costs: [[Double?]] = drivers.map { driver in
            requests.map { request in
                let meters = Self.meters(driver, request)
                return meters <= maxRadiusMeters ? (meters * roadFactor / speedMetersPerSecond).rounded() : nil
            }
        }
        var optimal: [(row: Int, column: Int)] = []
        var times: [Duration] = []
        for _ in 0..<max(1, batches) {
            let started = ContinuousClock.now
            optimal = Assignment.solve(costs)
            times.append(ContinuousClock.now - started)
        }
        let started = ContinuousClock.now
        let greedy = Assignment.greedy(costs)
        let greedyTime = ContinuousClock.now - started
        let median = times.sorted()[times.count / 2]
        return [
            "| batched matching \(size) requests × \(size) drivers, 4 km radius: Hungarian, median of \(times.count) | \(LatencySample.milliseconds(median)) per batch | \(summary(optimal, costs)) |",
            "| same instance: greedy (nearest pair first) | \(LatencySample.milliseconds(greedyTime)) per batch | \(summary(greedy, costs)) |",
        ]
    }

    private func summary(_ pairs: [(row: Int, column: Int)], _ costs: [[Double?]]) -> String {
        let total = pairs.reduce(0.0) { $0 + (costs[$1.row][$1.column] ?? 0) }
        let mean = pairs.isEmpty ? 0 : total / Double(pairs.count)
        return String(format: "%d matched, total pickup ETA %.1f h, mean %.0f s", pairs.count, total / 3600, mean)
    }

    /// Equirectangular distance: exact enough within a city.
    static func meters(_ a: (latitude: Double, longitude: Double), _ b: (latitude: Double, longitude: Double)) -> Double {
        let x = (b.longitude - a.longitude) * cos((a.latitude + b.latitude) / 2 * .pi / 180)
        let y = b.latitude - a.latitude
        return (x * x + y * y).squareRoot() * CitySquare.metersPerDegreeLatitude
    }
}
