import CurbsideCore
import Foundation
import Logging

/// `curbside-bench`: measurements that need a running PostgreSQL (`make bench` starts one and
/// `bench/run.sh` calls each part). Every part prints Markdown table rows on stdout.
///
///     curbside-bench [events]         event delivery (outbox → relay → subscriber)
///     curbside-bench seed             online drivers in dispatch's tables, and token files
///     curbside-bench trips [--reference]  request → offer, trip create and get
///     curbside-bench fanout           live-channel fan-out to 5,000 WebSocket clients of a running server
///     curbside-bench matching         batched (Hungarian) vs greedy matching, in process
///     curbside-bench nearby-index     PostGIS vs an in-memory grid for nearby search
@main
struct CurbsideBench {
    static func main() async throws {
        var logger = Logger(label: "bench")
        // Quiet by default: the bench measures, it does not narrate. CURBSIDE_BENCH_LOG_LEVEL=debug
        // shows, e.g., each relay pass's timings.
        logger.logLevel = Logger.Level(rawValue: BenchEnvironment.string("CURBSIDE_BENCH_LOG_LEVEL", "error")) ?? .error
        let settings = try PlatformSettings(reader: PlatformSettings.reader())
        let arguments = Array(CommandLine.arguments.dropFirst())
        let lines: [String]
        switch arguments.first ?? "events" {
        case "events":
            lines = try await EventDeliveryBenchmark(settings: settings, logger: logger).run()
        case "seed":
            try await DriverSeeder(settings: settings, logger: logger).run()
            lines = []
        case "trips":
            lines = try await TripsBenchmark(settings: settings, logger: logger, reference: arguments.contains("--reference")).run()
        case "fanout":
            lines = try await FanoutBenchmark(settings: settings, logger: logger).run()
        case "matching":
            lines = MatchingBenchmark().run()
        case "nearby-index":
            lines = try await NearbyIndexBenchmark(settings: settings, logger: logger).run()
        case let other:
            throw BenchError("unknown benchmark '\(other)'; see Sources/curbside-bench/Main.swift")
        }
        for line in lines { print(line) }
    }
}
