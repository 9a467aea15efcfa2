import Foundation
import IntegrationEvents
import NIOConcurrencyHelpers

/// Carries events to one subscriber. Returning means the subscriber applied them (or had already);
/// a failure means it did not, and the relay will try again.
public protocol EventTransport: Sendable {
    func deliver(_ envelope: EventEnvelope, to subscriber: String) async throws

    /// Carries several events in one exchange where the transport can; the events of one aggregate
    /// are in order and must be applied in that order (a later one not attempted once an earlier
    /// one failed). Returns the events that failed, by id; every other event was applied.
    func deliver(batch: [EventEnvelope], to subscriber: String) async -> [UUID: any Error]
}

extension EventTransport {
    /// One exchange per event: an aggregate's events one after another, aggregates concurrently.
    public func deliver(batch: [EventEnvelope], to subscriber: String) async -> [UUID: any Error] {
        await EventBatch.failures(of: batch) { try await deliver($0, to: subscriber) }
    }
}

/// A subscriber's side: applies an event once (see ``Inbox``).
public protocol EventReceiver: Sendable {
    func receive(_ envelope: EventEnvelope) async throws

    /// Applies several events; returns the ones that failed, by id. Events of one aggregate are
    /// applied in the order given.
    func receive(batch: [EventEnvelope]) async -> [UUID: any Error]
}

extension EventReceiver {
    /// Each event on its own, aggregates concurrently.
    public func receive(batch: [EventEnvelope]) async -> [UUID: any Error] {
        await EventBatch.failures(of: batch) { try await receive($0) }
    }
}

/// Applying a batch event by event.
public enum EventBatch {
    /// Runs `apply` for every event: the events of one aggregate one after another, in order (a
    /// later one is not attempted once an earlier one failed, so it cannot overtake it), different
    /// aggregates concurrently. Returns the failures by event id.
    public static func failures(
        of batch: [EventEnvelope], _ apply: @escaping @Sendable (EventEnvelope) async throws -> Void
    ) async -> [UUID: any Error] {
        await withTaskGroup(of: [UUID: any Error].self) { group in
            for events in runs(of: batch, by: \.aggregateKey) {
                group.addTask {
                    var failures: [UUID: any Error] = [:]
                    for (index, envelope) in events.enumerated() {
                        do {
                            try await apply(envelope)
                        } catch {
                            failures[envelope.id] = error
                            for later in events[(index + 1)...] { failures[later.id] = HeldBack(behind: envelope.id) }
                            break
                        }
                    }
                    return failures
                }
            }
            return await group.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
        }
    }

    /// `items` grouped by `key`, each group in the order given, groups in the order of their first item.
    public static func runs<Item>(of items: [Item], by key: (Item) -> String) -> [[Item]] {
        var groups: [String: Int] = [:]
        var runs: [[Item]] = []
        for item in items {
            if let index = groups[key(item)] {
                runs[index].append(item)
            } else {
                groups[key(item)] = runs.count
                runs.append([item])
            }
        }
        return runs
    }

    /// Every event of `batch` failed with `error` (the batch never reached its subscriber).
    public static func allFailed(_ batch: [EventEnvelope], with error: any Error) -> [UUID: any Error] {
        Dictionary(batch.map { ($0.id, error) }, uniquingKeysWith: { first, _ in first })
    }

    /// An event not attempted because an earlier event of its aggregate in the same batch failed.
    public struct HeldBack: Error, CustomStringConvertible {
        public let behind: UUID
        public var description: String { "not attempted: the earlier event \(behind) of its aggregate failed" }
    }
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

    /// Whether a receiver is registered as `subscriber`.
    public func hosts(_ subscriber: String) -> Bool {
        receivers.withLockedValue { $0[subscriber] != nil }
    }

    public func deliver(_ envelope: EventEnvelope, to subscriber: String) async throws {
        try await receiver(subscriber).receive(envelope)
    }

    public func deliver(batch: [EventEnvelope], to subscriber: String) async -> [UUID: any Error] {
        do {
            return try await receiver(subscriber).receive(batch: batch)
        } catch {
            return EventBatch.allFailed(batch, with: error)
        }
    }

    private func receiver(_ subscriber: String) throws -> any EventReceiver {
        guard let receiver = receivers.withLockedValue({ $0[subscriber] }) else { throw UnknownSubscriber(name: subscriber) }
        return receiver
    }
}

/// No receiver is registered under this subscriber name.
public struct UnknownSubscriber: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "no receiver for subscriber \(name)" }
}
