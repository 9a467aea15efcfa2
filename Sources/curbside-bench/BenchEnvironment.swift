import Foundation

/// Sizes and places of the benchmarks, from `CURBSIDE_BENCH_*` environment variables, so that a
/// debug run can use small sizes and `make bench` the (100,000 drivers, 30 km square).
enum BenchEnvironment {
    static func int(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
    }

    static func string(_ name: String, _ fallback: String) -> String {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
    }

    /// Online drivers seeded into dispatch's tables.
    static var drivers: Int { int("CURBSIDE_BENCH_DRIVERS", 100_000) }
    /// Drivers given an access token for location pings.
    static var driverTokens: Int { int("CURBSIDE_BENCH_DRIVER_TOKENS", 5_000) }
    /// Seconds each measured phase runs.
    static var seconds: Int { int("CURBSIDE_BENCH_SECONDS", 30) }
    /// Where token files and results go (shared with `bench/run.sh` and the wrk scripts).
    static var workDirectory: String { string("CURBSIDE_BENCH_WORK", ".local/bench-work") }
    /// The server under load.
    static var baseURL: String { string("CURBSIDE_BENCH_URL", "http://127.0.0.1:8090") }
}

/// The 30 km square the drivers live in (side configurable), centred on lower Manhattan.
struct CitySquare: Sendable {
    var centerLatitude = 40.7128
    var centerLongitude = -74.0060
    var sideMeters = Double(BenchEnvironment.int("CURBSIDE_BENCH_SQUARE_METERS", 30_000))

    static let metersPerDegreeLatitude = 111_320.0

    var halfLatitude: Double { sideMeters / 2 / Self.metersPerDegreeLatitude }
    var halfLongitude: Double { sideMeters / 2 / (Self.metersPerDegreeLatitude * cos(centerLatitude * .pi / 180)) }

    /// A uniformly random point of the square.
    func randomPoint<G: RandomNumberGenerator>(using generator: inout G) -> (latitude: Double, longitude: Double) {
        (
            centerLatitude + Double.random(in: -halfLatitude...halfLatitude, using: &generator),
            centerLongitude + Double.random(in: -halfLongitude...halfLongitude, using: &generator)
        )
    }

    /// A random point of the inner half of the square, so that a search radius stays inside it.
    func randomInnerPoint<G: RandomNumberGenerator>(using generator: inout G) -> (latitude: Double, longitude: Double) {
        (
            centerLatitude + Double.random(in: -halfLatitude / 2...halfLatitude / 2, using: &generator),
            centerLongitude + Double.random(in: -halfLongitude / 2...halfLongitude / 2, using: &generator)
        )
    }
}
