import AsyncHTTPClient
import CurbsideCore
import Foundation
import Logging
import NIOCore

/// Asks an OSRM server (`GET /route/v1/driving/{lng},{lat};{lng},{lat}?overview=false`) and falls
/// back to `fallback` when it is down, slow, or finds no route: a fare estimate never fails because
/// of the routing engine.
public struct OSRMRouteEstimator: RouteEstimator {
    let baseURL: URL
    let timeout: Duration
    let fallback: any RouteEstimator
    let client: HTTPClient
    let logger: Logger

    public init(baseURL: URL, timeout: Duration, fallback: any RouteEstimator, client: HTTPClient = .shared, logger: Logger) {
        self.baseURL = baseURL
        self.timeout = timeout
        self.fallback = fallback
        self.client = client
        self.logger = logger
    }

    public func estimate(from origin: Coordinate, to destination: Coordinate, departure: Date, timeZone: TimeZone) async throws
        -> RouteEstimate
    {
        do {
            return try await route(from: origin, to: destination)
        } catch {
            logger.warning(
                "OSRM route failed, using the built-in estimate", metadata: ["error.message": "\(String(reflecting: error))"])
            return try await fallback.estimate(from: origin, to: destination, departure: departure, timeZone: timeZone)
        }
    }

    private struct Response: Decodable {
        struct Route: Decodable {
            var distance: Double
            var duration: Double
        }
        var code: String
        var routes: [Route]?
    }

    struct NoRoute: Error {}

    func route(from origin: Coordinate, to destination: Coordinate) async throws -> RouteEstimate {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let path = "/route/v1/driving/\(origin.longitude),\(origin.latitude);\(destination.longitude),\(destination.latitude)"
        let request = HTTPClientRequest(url: base + path + "?overview=false")
        let response = try await client.execute(request, timeout: .nanoseconds(timeout.inNanoseconds))
        guard response.status == .ok else { throw NoRoute() }
        let body = try await response.body.collect(upTo: 1 << 20)
        let decoded = try JSONDecoder().decode(Response.self, from: Data(buffer: body))
        guard decoded.code == "Ok", let route = decoded.routes?.first, route.distance.isFinite, route.duration.isFinite,
            route.distance >= 0, route.duration >= 0, route.distance < 1e8, route.duration < 1e8
        else { throw NoRoute() }
        return RouteEstimate(distanceMeters: Int(route.distance.rounded()), durationSeconds: Int(route.duration.rounded()))
    }
}
