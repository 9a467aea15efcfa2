import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Ships log lines to an Elasticsearch `_bulk` endpoint in the background.
///
/// Logging never waits for Elasticsearch: lines go into a bounded buffer, and when the buffer is
/// full new lines are dropped and counted (`curbside_log_shipper_dropped_total`). Failed batches
/// are retried with backoff; items Elasticsearch rejects for good (4xx other than 429) are
/// counted and dropped, items it asks to retry (429, 5xx) are sent again.
public final class ElasticsearchShipper: LogLineSink, Service {
    public struct Configuration: Sendable {
        public var bulkURL: String
        public var index: String
        public var capacity: Int
        public var batchSize: Int
        public var flushInterval: Duration
        public var requestTimeout: Duration
        public var maxBackoff: Duration

        public init(
            baseURL: String, index: String, capacity: Int = 10_000, batchSize: Int = 500,
            flushInterval: Duration = .seconds(1), requestTimeout: Duration = .seconds(5), maxBackoff: Duration = .seconds(30)
        ) {
            self.bulkURL = baseURL.hasSuffix("/") ? baseURL + "_bulk" : baseURL + "/_bulk"
            self.index = index
            self.capacity = capacity
            self.batchSize = batchSize
            self.flushInterval = flushInterval
            self.requestTimeout = requestTimeout
            self.maxBackoff = maxBackoff
        }
    }

    let configuration: Configuration
    let httpClient: HTTPClient
    private let buffer: NIOLockedValueBox<[String]>
    private let dropped = Counter(label: "curbside_log_shipper_dropped_total")
    private let shipped = Counter(label: "curbside_log_shipper_shipped_total")
    private let rejected = Counter(label: "curbside_log_shipper_rejected_total")
    private let failures = Counter(label: "curbside_log_shipper_request_failures_total")

    public init(configuration: Configuration, httpClient: HTTPClient = .shared) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.buffer = NIOLockedValueBox([])
        self.buffer.withLockedValue { $0.reserveCapacity(min(configuration.capacity, 1024)) }
    }

    /// Queues a line; drops it (and counts the drop) if the buffer is full. Never blocks.
    public func write(_ line: String) {
        let accepted = buffer.withLockedValue { lines in
            guard lines.count < configuration.capacity else { return false }
            lines.append(line)
            return true
        }
        if !accepted { dropped.increment() }
    }

    /// Lines waiting to be shipped.
    public var pending: Int { buffer.withLockedValue { $0.count } }

    public func run() async throws {
        // A backoff can reach half a minute; shutting down interrupts it.
        await cancelWhenGracefulShutdown {
            var backoff = self.configuration.flushInterval
            while !Task.isCancelled {
                try? await Task.sleep(for: backoff)
                guard !Task.isCancelled else { break }
                let delivered = await self.flush()
                backoff = delivered ? self.configuration.flushInterval : min(backoff * 2, self.configuration.maxBackoff)
            }
        }
        // Last attempt on shutdown, bounded by the request timeout.
        _ = await flush()
    }

    /// Sends everything buffered, batch by batch. Returns false if Elasticsearch could not be reached
    /// (the lines stay buffered for the next attempt).
    @discardableResult
    public func flush() async -> Bool {
        while true {
            let batch = buffer.withLockedValue { lines -> [String] in
                let batch = Array(lines.prefix(configuration.batchSize))
                lines.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return true }
            switch await send(batch) {
            case .delivered(let retry):
                requeue(retry)
                if !retry.isEmpty { return false }
            case .failed:
                failures.increment()
                requeue(batch)
                return false
            }
        }
    }

    private enum Outcome {
        case delivered(retry: [String])
        case failed
    }

    private func send(_ batch: [String]) async -> Outcome {
        let action = "{\"create\":{\"_index\":\"\(configuration.index)\"}}\n"
        var body = ByteBuffer()
        for line in batch {
            body.writeString(action)
            body.writeString(line)
            body.writeString("\n")
        }
        var request = HTTPClientRequest(url: configuration.bulkURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        request.body = .bytes(body)
        do {
            let response = try await httpClient.execute(
                request, timeout: .nanoseconds(configuration.requestTimeout.inNanoseconds))
            let payload = try await response.body.collect(upTo: 16 << 20)
            guard response.status == .ok else {
                return .failed
            }
            return .delivered(retry: itemsToRetry(batch, response: payload))
        } catch {
            return .failed
        }
    }

    /// Reads a `_bulk` response: lines whose item failed with 429 or 5xx are retried, other failures dropped.
    private func itemsToRetry(_ batch: [String], response: ByteBuffer) -> [String] {
        guard let json = try? JSONSerialization.jsonObject(with: Data(buffer: response)) as? [String: Any] else {
            shipped.increment(by: batch.count)
            return []
        }
        guard json["errors"] as? Bool == true, let items = json["items"] as? [[String: Any]] else {
            shipped.increment(by: batch.count)
            return []
        }
        var retry: [String] = []
        for (index, item) in items.enumerated() where index < batch.count {
            let result = (item["create"] ?? item["index"]) as? [String: Any]
            let status = result?["status"] as? Int ?? 500
            switch status {
            case 200..<300: shipped.increment()
            case 429, 500...: retry.append(batch[index])
            default: rejected.increment()
            }
        }
        return retry
    }

    private func requeue(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        let overflow = buffer.withLockedValue { buffer -> Int in
            let room = max(0, configuration.capacity - buffer.count)
            let kept = Array(lines.prefix(room))
            buffer.insert(contentsOf: kept, at: 0)
            return lines.count - kept.count
        }
        if overflow > 0 { dropped.increment(by: overflow) }
    }
}
