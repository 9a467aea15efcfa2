import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// A subscriber whose effect of an event is database work, recorded in its ``Inbox`` in the same
/// transaction as the effect, so each event takes effect once however often it arrives.
///
/// Conforming gives batch delivery its point: each aggregate's events in a batch are applied in one
/// transaction (one commit for the run instead of one per event), aggregates concurrently. When a
/// run's transaction fails, its events are applied one by one, so the failure lands on the event
/// that caused it, the events before it still take effect, and the ones after it wait (order).
public protocol InboxEventReceiver: EventReceiver {
    /// The name processed events are recorded under in the inbox.
    var consumer: String { get }
    /// The subscriber's primary database: the inbox and the effects live there.
    var inboxClient: PostgresClient { get }
    var logger: Logger { get }

    /// Applies one event's effect in the caller's transaction. Throwing rolls the transaction back.
    func apply(_ envelope: EventEnvelope, on connection: PostgresConnection) async throws
}

extension InboxEventReceiver {
    public func receive(_ envelope: EventEnvelope) async throws {
        try await applyInOneTransaction([envelope])
    }

    public func receive(batch: [EventEnvelope]) async -> [UUID: any Error] {
        await applyInRuns(batch)
    }

    /// What `receive(batch:)` does, for a receiver that adds to it: each aggregate's events in one
    /// transaction, aggregates concurrently; returns the failures by event id.
    public func applyInRuns(_ batch: [EventEnvelope]) async -> [UUID: any Error] {
        await withTaskGroup(of: [UUID: any Error].self) { group in
            for run in EventBatch.runs(of: batch, by: \.aggregateKey) {
                group.addTask {
                    do {
                        try await applyInOneTransaction(run)
                        return [:]
                    } catch {
                        guard run.count > 1 else { return [run[0].id: error] }
                        logger.debug(
                            "an aggregate's events failed together; applying them one by one",
                            metadata: [
                                "error.message": "\(String(reflecting: error))", "aggregate": "\(run[0].aggregateKey)", "events": "\(run.count)",
                            ])
                        return await EventBatch.failures(of: run) { try await applyInOneTransaction([$0]) }
                    }
                }
            }
            return await group.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
        }
    }

    /// Claims the events in the inbox and applies the ones not processed before, in order, in one transaction.
    func applyInOneTransaction(_ envelopes: [EventEnvelope]) async throws {
        let consumer = consumer
        let logger = logger
        try await inboxClient.withConnection { connection in
            try await connection.inTransaction(logger: logger) { connection in
                let fresh = try await Inbox.claim(consumer: consumer, eventIDs: envelopes.map(\.id), on: connection, logger: logger)
                for envelope in envelopes where fresh.contains(envelope.id) {
                    try await apply(envelope, on: connection)
                }
            }
        }
    }
}
