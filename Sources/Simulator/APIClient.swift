import AsyncHTTPClient
import Foundation
import NIOCore

/// The platform's public HTTP API as the simulated apps call it: one shared `HTTPClient`, JSON
/// bodies, and every call timed and counted in the run's statistics.
///
/// A call never throws: a non-2xx answer is a value the caller looks at (and is counted by status,
/// operation and reason), and a call that got no answer has status 0 (counted as a transport
/// error). A simulated person reacts to both as an app would, and the run goes on.
///
/// Like a real app, a call that got no answer or a 502, 503 or 504 (a server restarting, a load
/// balancer without a healthy instance) is sent again, unchanged, after a growing pause: every
/// mutating call carries its `requestId` or is a state transition the server refuses twice, so a
/// retry never does anything twice. Each attempt is counted; the retries also as `retries`.
public struct APIClient: Sendable {
    /// HTTP methods the APIs use.
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
        case patch = "PATCH"
    }

    private let http: HTTPClient
    private let baseURL: String
    private let stats: SimulationStats
    private let timeout: TimeAmount
    private let retries: Int

    /// The pause before retry `n` (from 1): 0.5 s doubling to at most 8 s, so the default 8 retries
    /// ride out about 40 s of outage (a service restarting, a database failing over).
    static func pause(beforeRetry n: Int) -> Duration {
        .milliseconds(min(500 << min(n - 1, 4), 8_000))
    }

    /// A client of the API at `baseURL` (e.g. `http://127.0.0.1:8080`) over `http`; `retries` is how
    /// many times a call without an answer, or answered 502, 503 or 504, is sent again.
    public init(http: HTTPClient, baseURL: String, stats: SimulationStats, timeout: TimeAmount = .seconds(30), retries: Int = 8) {
        self.http = http
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.stats = stats
        self.timeout = timeout
        self.retries = retries
    }

    /// The WebSocket URL of a path on the same server (`ws://` for `http://`, `wss://` for `https://`).
    public func webSocketURL(_ path: String) -> String {
        (baseURL.hasPrefix("https:") ? "wss" : "ws") + baseURL.drop { $0 != ":" } + path
    }

    /// Calls `method path` with `token` as the bearer and `body` as JSON; `operation` names the call
    /// in the statistics (the OpenAPI operation id).
    public func send(_ operation: String, _ method: Method, _ path: String, token: String?, body: some Encodable & Sendable)
        async -> APIResponse
    {
        let data = (try? Self.encoder.encode(body)) ?? Data("{}".utf8)
        return await send(operation, method, path, token: token, json: data)
    }

    /// Calls `method path` with `token` as the bearer and an optional raw JSON body.
    public func send(_ operation: String, _ method: Method, _ path: String, token: String?, json: Data? = nil) async -> APIResponse {
        var reply = await attempt(operation, method, path, token: token, json: json)
        var retry = 0
        while [0, 502, 503, 504].contains(reply.status), retry < retries, !Task.isCancelled {
            retry += 1
            stats.update { $0.retries += 1 }
            do { try await Task.sleep(for: Self.pause(beforeRetry: retry)) } catch { break }
            reply = await attempt(operation, method, path, token: token, json: json)
        }
        return reply
    }

    private func attempt(_ operation: String, _ method: Method, _ path: String, token: String?, json: Data?) async -> APIResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .init(rawValue: method.rawValue)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(json)
        }
        // The query holds request ids only, but the statistics name the path without it.
        let target = "\(method.rawValue) \(path.split(separator: "?").first.map(String.init) ?? path)"
        let start = ContinuousClock.now
        do {
            let response = try await http.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 4 << 20)
            let reply = APIResponse(status: Int(response.status.code), body: Data(body.readableBytesView))
            stats.recordCall(
                operation: operation, target: target, status: reply.status, seconds: Self.seconds(since: start),
                reason: reply.isSuccess ? nil : reply.errorReason, message: reply.isSuccess ? nil : reply.errorMessage)
            return reply
        } catch {
            // A call cut short because the run is stopping is not the server's failure.
            if !Task.isCancelled { stats.recordTransportError(target: target, error: String(describing: error)) }
            return APIResponse(status: 0, body: Data())
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
