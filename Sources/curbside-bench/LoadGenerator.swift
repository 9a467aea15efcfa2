import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// An HTTP client for load, with one place for the connection limit (`CURBSIDE_BENCH_CONNECTIONS`).
enum BenchHTTP {
    static func client() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: BenchEnvironment.int("CURBSIDE_BENCH_CONNECTIONS", 64))
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Sends `request`; returns the status and the body (at most 1 MiB).
    static func send(_ request: HTTPClientRequest, on client: HTTPClient) async throws -> (status: UInt, body: ByteBuffer) {
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, body)
    }

    static func request(_ method: HTTPMethod, _ path: String, token: String?, json: String? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: BenchEnvironment.baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        return request
    }

    /// Sends `request` and returns the body of a 200 answer; anything else is noted in `failures`.
    static func expectOK(_ request: HTTPClientRequest, on client: HTTPClient, failures: FirstFailure) async -> ByteBuffer? {
        do {
            let reply = try await send(request, on: client)
            guard reply.status == 200 else {
                failures.note("\(request.method.rawValue) \(request.url) answered \(reply.status): \(String(buffer: reply.body).prefix(300))")
                return nil
            }
            return reply.body
        } catch {
            failures.note("\(request.method.rawValue) \(request.url): \(error)")
            return nil
        }
    }

    /// A JSON object's top-level string field (enough for names, tokens and states).
    static func string(_ field: String, in body: ByteBuffer) -> String? {
        let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        return object?[field] as? String
    }
}

/// The first thing that went wrong in a phase: a row whose calls failed says why.
final class FirstFailure: Sendable {
    private let first = NIOLockedValueBox<String?>(nil)

    func note(_ failure: @autoclosure () -> String) {
        first.withLockedValue { if $0 == nil { $0 = failure() } }
    }

    var text: String? { first.withLockedValue { $0 } }
}

/// Load shapes. Latency is always measured by the generator, from the moment a request was due.
enum Load {
    /// Open loop at a fixed rate: request `n` is due at `start + n / rate` whether or not earlier
    /// ones have finished, and its latency runs from that due time, so a stalled server is charged
    /// for every request it delayed (no coordinated omission). `send` returns whether the reply
    /// was the expected one.
    static func constantRate(
        rate: Int, seconds: Int, send: @escaping @Sendable (Int) async -> Bool
    ) async -> (sample: LatencySample, elapsed: Duration) {
        let sample = NIOLockedValueBox(LatencySample())
        let start = ContinuousClock.now + .milliseconds(100)
        let interval = Duration.seconds(1) / rate
        await withDiscardingTaskGroup { group in
            for n in 0..<(rate * seconds) {
                let due = start + interval * n
                try? await Task.sleep(until: due, clock: .continuous)
                group.addTask {
                    let ok = await send(n)
                    let latency = ContinuousClock.now - due
                    sample.withLockedValue { ok ? $0.add(latency) : ($0.errors += 1) }
                }
            }
        }
        return (sample.withLockedValue { $0 }, ContinuousClock.now - start)
    }

    /// Closed loop: `workers` callers, each sending its next item as soon as the previous one
    /// answered, over `items` (each once), or cycling until `deadline` when one is given.
    static func closedLoop(
        workers: Int, items: Int, deadline: ContinuousClock.Instant? = nil, send: @escaping @Sendable (Int) async -> Bool
    ) async -> (sample: LatencySample, elapsed: Duration) {
        let start = ContinuousClock.now
        let sample = await withTaskGroup(of: LatencySample.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var own = LatencySample()
                    var n = worker
                    while deadline.map({ ContinuousClock.now < $0 }) ?? (n < items) {
                        let sent = ContinuousClock.now
                        if await send(n % max(items, 1)) { own.add(ContinuousClock.now - sent) } else { own.errors += 1 }
                        n += workers
                    }
                    return own
                }
            }
            var all = LatencySample()
            for await part in group { all.merge(part) }
            return all
        }
        return (sample, ContinuousClock.now - start)
    }
}
