import AsyncHTTPClient
import Foundation
import IntegrationEvents
import NIOCore
import NIOHTTP1

/// Delivery to a subscriber in another process: `POST <base>/v1/inboxes/<subscriber>/events:receive`
/// (one event) or `events:receiveBatch` (several), with a short-lived service token. Any answer but
/// 2xx is a failure the relay retries; a batch answer names the events the subscriber could not apply.
public struct HTTPEventTransport: EventTransport {
    let baseURLs: [String: String]
    let tokens: ServiceTokenCache
    let httpClient: HTTPClient
    let timeout: Duration

    public init(baseURLs: [String: String], tokens: TokenService, httpClient: HTTPClient = .shared, timeout: Duration = .seconds(10)) {
        self.baseURLs = baseURLs
        self.tokens = ServiceTokenCache(tokens: tokens, identity: Self.relayIdentity)
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// Whether `subscriber` lives in another process.
    public func serves(_ subscriber: String) -> Bool { baseURLs[subscriber] != nil }

    public func deliver(_ envelope: EventEnvelope, to subscriber: String) async throws {
        var request = try await request(subscriber: subscriber, method: "receive", traceID: envelope.traceID)
        request.body = .bytes(ByteBuffer(data: try envelope.encoded()))
        _ = try await send(request)
    }

    /// One request for the whole batch: the per-request cost (connection, token check, request
    /// handling) is paid once rather than per event.
    public func deliver(batch: [EventEnvelope], to subscriber: String) async -> [UUID: any Error] {
        do {
            // The batch's events come from many requests; the first trace id is as good as any.
            var request = try await request(subscriber: subscriber, method: "receiveBatch", traceID: batch.first?.traceID)
            request.body = .bytes(ByteBuffer(data: try EventBatchCoding.encode(batch)))
            let body = try await send(request)
            let failed = try EventBatchCoding.decodeFailures(body)
            return Dictionary(
                batch.compactMap { envelope in failed[envelope.id].map { (envelope.id, EventNotApplied(message: $0) as any Error) } },
                uniquingKeysWith: { first, _ in first })
        } catch {
            return EventBatch.allFailed(batch, with: error)
        }
    }

    private func request(subscriber: String, method: String, traceID: String?) async throws -> HTTPClientRequest {
        guard let base = baseURLs[subscriber] else { throw UnknownSubscriber(name: subscriber) }
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        var request = HTTPClientRequest(url: "\(trimmed)/v1/inboxes/\(subscriber)/events:\(method)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        // One token per process, reused until shortly before it expires: signing one per event
        // would cost more than the delivery itself.
        request.headers.add(name: "Authorization", value: "Bearer \(try await tokens.token())")
        if let traceID, traceID.count == 32 {
            request.headers.add(name: "traceparent", value: "00-\(traceID)-\(String(repeating: "0", count: 15))1-01")
        }
        return request
    }

    private func send(_ request: HTTPClientRequest) async throws -> ByteBuffer {
        let response = try await httpClient.execute(request, timeout: .nanoseconds(timeout.inNanoseconds))
        let body = try await response.body.collect(upTo: 4 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw DeliveryRefused(status: Int(response.status.code), body: String(buffer: body))
        }
        return body
    }

    /// The user id service tokens of the relay carry.
    static let relayIdentity = UUID(uuidString: "00000000-0000-0000-0000-00000000e7e7")!
}

/// The subscriber answered, but not with success.
public struct DeliveryRefused: Error, CustomStringConvertible {
    public let status: Int
    public let body: String
    public var description: String { "subscriber answered \(status): \(body.prefix(300))" }
}

/// The subscriber took the batch but reported that it could not apply this event.
public struct EventNotApplied: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "the subscriber could not apply the event: \(message.prefix(300))" }
}

/// Routes each delivery to the in-process receiver or, for subscribers configured with a URL, over HTTP.
public struct RoutingEventTransport: EventTransport {
    public let local: InProcessEventTransport
    public let remote: HTTPEventTransport

    public init(local: InProcessEventTransport, remote: HTTPEventTransport) {
        self.local = local
        self.remote = remote
    }

    public func deliver(_ envelope: EventEnvelope, to subscriber: String) async throws {
        if remote.serves(subscriber) {
            try await remote.deliver(envelope, to: subscriber)
        } else {
            try await local.deliver(envelope, to: subscriber)
        }
    }

    public func deliver(batch: [EventEnvelope], to subscriber: String) async -> [UUID: any Error] {
        if remote.serves(subscriber) {
            await remote.deliver(batch: batch, to: subscriber)
        } else {
            await local.deliver(batch: batch, to: subscriber)
        }
    }
}
