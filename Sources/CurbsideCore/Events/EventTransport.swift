import IntegrationEvents
import NIOConcurrencyHelpers

/// Carries one event to one subscriber. Returning means the subscriber applied it (or had already);
/// throwing means it did not, and the relay will try again.
public protocol EventTransport: Sendable {
    func deliver(_ envelope: EventEnvelope, to subscriber: String) async throws
}

/// A subscriber's side: applies an event once (see ``Inbox``).
public protocol EventReceiver: Sendable {
    func receive(_ envelope: EventEnvelope) async throws
}

/// Delivery to subscribers hosted in the same process: a direct call through the same protocol
/// the HTTP transport ends in.
public final class InProcessEventTransport: EventTransport {
    private let receivers = NIOLockedValueBox<[String: any EventReceiver]>([:])

    public init() {}

    /// Makes `receiver` the subscriber called `name`.
    public func register(_ receiver: any EventReceiver, as name: String) {
        receivers.withLockedValue { $0[name] = receiver }
    }

    public func deliver(_ envelope: EventEnvelope, to subscriber: String) async throws {
        guard let receiver = receivers.withLockedValue({ $0[subscriber] }) else {
            throw UnknownSubscriber(name: subscriber)
        }
        try await receiver.receive(envelope)
    }
}

/// No receiver is registered under this subscriber name.
public struct UnknownSubscriber: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "no receiver for subscriber \(name)" }
}
