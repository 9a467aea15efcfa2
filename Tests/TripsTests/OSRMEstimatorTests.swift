import CurbsideCore
import CurbsideTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Testing

@testable import Trips

/// The OSRM adapter against a stand-in OSRM server on a real socket.
@Suite struct OSRMEstimatorTests {
    let logger = TripsTestPlatform.logger
    let origin = try! Coordinate(latitude: 52.5, longitude: 13.4, field: "o")
    let destination = try! Coordinate(latitude: 52.52, longitude: 13.41, field: "d")

    /// Runs a Hummingbird app on port 0 answering `/route/v1/driving/...` with `answer`.
    func withStandIn(
        _ answer: @escaping @Sendable (String) -> (HTTPResponse.Status, String), _ body: @Sendable (URL) async throws -> Void
    ) async throws {
        let router = Router()
        router.get("/route/v1/driving/:coordinates") { request, context -> Response in
            let coordinates = context.parameters.get("coordinates") ?? ""
            let (status, json) = answer(coordinates + "?" + (request.uri.query ?? ""))
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(.live) { client in
            try await body(URL(string: "http://127.0.0.1:\(client.port!)")!)
        }
    }

    @Test func theRouteComesFromOSRM() async throws {
        let seen = NIOLockedValueBox<[String]>([])
        try await withStandIn({ path in
            seen.withLockedValue { $0.append(path) }
            return (.ok, #"{"code":"Ok","routes":[{"distance":2345.6,"duration":412.4,"legs":[]}],"waypoints":[]}"#)
        }) { url in
            let estimator = OSRMRouteEstimator(
                baseURL: url, timeout: .seconds(2), fallback: StraightLineEstimator(), logger: logger)
            let route = try await estimator.estimate(from: origin, to: destination, departure: Date(), timeZone: .gmt)
            #expect(route == RouteEstimate(distanceMeters: 2346, durationSeconds: 412))
        }
        // Longitude first, as OSRM expects, and no geometry.
        #expect(seen.withLockedValue { $0 } == ["13.4,52.5;13.41,52.52?overview=false"])
    }

    @Test(arguments: [
        (HTTPResponse.Status.ok, #"{"code":"NoRoute","message":"Impossible route"}"#),
        (.badRequest, #"{"code":"InvalidQuery"}"#),
        (.ok, #"{"code":"Ok","routes":[]}"#),
        (.ok, "garbage"),
        (.ok, #"{"code":"Ok","routes":[{"distance":-5,"duration":10}]}"#),
        (.internalServerError, "{}"),
    ])
    func anOSRMFailureFallsBackToTheBuiltInEstimate(status: HTTPResponse.Status, body: String) async throws {
        let builtIn = StraightLineEstimator()
        let expected = builtIn.estimate(from: origin, to: destination, departure: Date(timeIntervalSince1970: 0), timeZone: .gmt)
        try await withStandIn({ _ in (status, body) }) { url in
            let estimator = OSRMRouteEstimator(baseURL: url, timeout: .seconds(2), fallback: builtIn, logger: logger)
            let route = try await estimator.estimate(from: origin, to: destination, departure: Date(timeIntervalSince1970: 0), timeZone: .gmt)
            #expect(route == expected)
        }
    }

    @Test func anUnreachableOSRMFallsBackToo() async throws {
        let builtIn = StraightLineEstimator()
        // Nothing listens on port 1.
        let estimator = OSRMRouteEstimator(
            baseURL: URL(string: "http://127.0.0.1:1")!, timeout: .milliseconds(500), fallback: builtIn, logger: logger)
        let route = try await estimator.estimate(from: origin, to: destination, departure: Date(timeIntervalSince1970: 0), timeZone: .gmt)
        #expect(route == builtIn.estimate(from: origin, to: destination, departure: Date(timeIntervalSince1970: 0), timeZone: .gmt))
    }

    @Test func aFareEstimateUsesOSRMWhenConfigured() async throws {
        try await withStandIn({ _ in (.ok, #"{"code":"Ok","routes":[{"distance":10000,"duration":1200}]}"#) }) { url in
            try await TripsTestPlatform.withAPI(settings: ["curbside.trips.osrm_url": url.absoluteString]) { context in
                let city = try await context.makeCity()
                let estimate = try await context.estimate(city, passenger: try await context.api.token(.passenger))
                #expect(estimate.value("fare", "distanceMeters") as? Int == 10000, "\(estimate.text)")
                #expect(estimate.value("fare", "duration") as? String == "1200s")
                // 250 + 1200 + 600 + 150.
                #expect(estimate.cents("fare", "total") == 2200)
            }
        }
    }
}
