import Benchmark
import CurbsideCore
import DispatchService
import Foundation
import IntegrationEvents
import Trips

/// In-process hot paths, measured by ordo-one/benchmark (`make bench` runs the release build
/// directly and adds rows to its table; `swift package --disable-sandbox benchmark --target
/// CurbsideBenchmarks` gives the plugin's reports): wall clock per call and allocations. The HTTP
/// and database workloads are measured against a running platform by `curbside-bench` and wrk
/// (bench/run.sh).
let benchmarks: @Sendable () -> Void = {
    let quick = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal, .throughput], maxDuration: .seconds(3))

    // Batched matching as BatchMatcher solves it: drivers × requests, pickup ETA as the cost,
    // pairs beyond the 4 km radius not allowed.
    for size in [100, 300] {
        let costs = MatchingInstance.costs(size: size, seed: 7)
        Benchmark("matching: Hungarian, \(size) drivers × \(size) requests", configuration: quick) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(Assignment.solve(costs)) }
        }
        Benchmark("matching: greedy, \(size) drivers × \(size) requests", configuration: quick) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(Assignment.greedy(costs)) }
        }
    }

    // Every quote and every completed trip prices a fare.
    if let amounts = try? PricingRule.Amounts(
        baseFare: 250, perKilometer: 120, perMinute: 30, bookingFee: 150, minimumFare: 700, cancellationFee: 500,
        surgeCapHundredths: 300)
    {
        let rule = PricingRule(
            cityID: "sf", vehicleClass: .economy, revision: 1, currencyCode: "USD", amounts: amounts, createTime: Date())
        Benchmark("fare: breakdown of one trip", configuration: quick) { benchmark in
            for index in benchmark.scaledIterations {
                blackHole(
                    FareCalculator.fare(
                        rule: rule, distanceMeters: 1_000 + index % 20_000, durationSeconds: 300 + index % 1_800, surgeHundredths: 125))
            }
        }
    }

    // A relay's exchange with a subscriber in another process: 100 envelopes to JSON and back.
    let envelopes = (0..<100).compactMap { index in
        try? EventEnvelope(
            TripsV1.TripCancelled(
                trip: "trips/\(UUID())", passenger: "users/\(UUID())", driver: "drivers/\(UUID())", cancelledBy: "PASSENGER",
                reason: "changed plans", cancellationFee: MoneyAmount(currencyCode: "USD", minorUnits: 500),
                cancelTime: Date(timeIntervalSince1970: 1_796_611_482)),
            occurTime: Date(timeIntervalSince1970: 1_796_611_482 + Double(index)), traceID: "4bf92f3577b34da6a3ce929d0e0e4736")
    }
    Benchmark("events: 100 envelopes to JSON and back, as relays and inboxes do", configuration: quick) { benchmark in
        for _ in benchmark.scaledIterations {
            let body = try EventEnvelope.encodedList(envelopes, key: "events")
            blackHole(try EventEnvelope.decodeList(from: body, key: "events"))
        }
    }
    // The same through Codable (JSONEncoder and JSONDecoder), what relays did before.
    Benchmark("events: 100 envelopes to JSON and back through Codable", configuration: quick) { benchmark in
        let encoder = IntegrationEventCoding.encoder
        let decoder = IntegrationEventCoding.decoder
        for _ in benchmark.scaledIterations {
            let data = try encoder.encode(envelopes)
            blackHole(try decoder.decode([EventEnvelope].self, from: data))
        }
    }

    // Every timestamp of every response and event.
    Benchmark("time: RFC 3339 with milliseconds, format and parse", configuration: quick) { benchmark in
        for index in benchmark.scaledIterations {
            let text = RFC3339.format(Date(timeIntervalSince1970: 1_796_611_482.123 + Double(index)))
            blackHole(RFC3339.parse(text))
        }
    }
}

/// Drivers and requests at random in a 30 km square, as the bench's matching phase places them.
enum MatchingInstance {
    static func costs(size: Int, seed: UInt64) -> [[Double?]] {
        var generator = SeededGenerator(seed: seed)
        let metersPerDegree = 111_320.0
        let side = 30_000.0 / metersPerDegree
        func point() -> (Double, Double) {
            (37.7 + Double.random(in: 0..<side, using: &generator), -122.5 + Double.random(in: 0..<side, using: &generator))
        }
        let drivers = (0..<size).map { _ in point() }
        let requests = (0..<size).map { _ in point() }
        return drivers.map { driver in
            requests.map { request in
                let x = (request.1 - driver.1) * cos((driver.0 + request.0) / 2 * .pi / 180)
                let y = request.0 - driver.0
                let meters = (x * x + y * y).squareRoot() * metersPerDegree
                // dispatch's defaults: 4 km radius, road factor 1.3, 8.33 m/s.
                return meters <= 4_000 ? (meters * 1.3 / 8.33).rounded() : nil
            }
        }
    }
}
