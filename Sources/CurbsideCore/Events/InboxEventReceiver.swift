import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// A subscriber whose effect of an event is database work, recorded in its ``Inbox`` in the same
/// transaction as the effect, so each event takes effect once however often it arrives.
///
/// Conforming gives batch delivery its point: a batch is applied in a few transactions side by side,
/// each holding whole aggregates' events in order (a few commits for up to a hundred events instead
/// of one each: under load the subscriber's database spends its time on commits). Where one fails,
/// each of its aggregates' events are applied in a transaction of their own, and where an
/// aggregate's fails, its events one by one, so the failure lands on the event that caused it, the
/// events before it still take effect, and the ones after it wait (order).
public protocol InboxEventReceiver: EventReceiver {
    /// The name processed events are recorded under in the inbox.
    var consumer: String { get }
    /// The subscriber's primary database: the inbox and the effects live there.
    var inboxClient: PostgresClient { get }
    var logger: Logger { get }

    /// Applies one event's effect in the caller's transaction. Throwing rolls the transaction back.
    func apply(_ envelope: EventEnvelope, on connection: PostgresConnection) async throws

    /// Applies several events' effects, in the order given, in the caller's transaction. By default
    /// one by one; a receiver whose effects can be written together (one statement for many events)
    /// implements it, which is what makes a busy subscriber cheap.
    func apply(_ envelopes: [EventEnvelope], on connection: PostgresConnection) async throws
}

extension InboxEventReceiver {
    public func apply(_ envelopes: [EventEnvelope], on connection: PostgresConnection) async throws {
        for envelope in envelopes { try await apply(envelope, on: connection) }
    }

    public func receive(_ envelope: EventEnvelope) async throws {
        try await applyInOneTransaction([envelope])
    }

    public func receive(batch: [EventEnvelope]) async -> [UUID: any Error] {
        await applyInRuns(batch)
    }

    /// What `receive(batch:)` does, for a receiver that adds to it: the batch in a few transactions
    /// side by side (each holding whole aggregates), or, where one fails, each of its aggregates'
    /// events in one; returns the failures by event id.
    public func applyInRuns(_ batch: [EventEnvelope]) async -> [UUID: any Error] {
        let runs = EventBatch.runs(of: batch, by: \.aggregateKey)
        // A few transactions rather than one: statements of one transaction run one after another,
        // and a busy database answers each slowly; a few at once still commit rarely.
        let partCount = min(4, runs.count)
        var parts = [[[EventEnvelope]]](repeating: [], count: partCount)
        for (index, run) in runs.enumerated() { parts[index % partCount].append(run) }
        return await withTaskGroup(of: [UUID: any Error].self) { group in
            for part in parts {
                group.addTask {
                    if part.count > 1 {
                        do {
                            try await applyInOneTransaction(part.flatMap { $0 })
                            return [:]
                        } catch {
                            logger.debug(
                                "events of several aggregates failed together; applying each aggregate's on its own",
                                metadata: ["error.message": "\(String(reflecting: error))", "aggregates": "\(part.count)"])
                        }
                    }
                    return await applyEachRun(part)
                }
            }
            return await group.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
        }
    }

    /// Each aggregate's events in a transaction of their own, aggregates concurrently; where that
    /// fails, event by event.
    private func applyEachRun(_ runs: [[EventEnvelope]]) async -> [UUID: any Error] {
        await withTaskGroup(of: [UUID: any Error].self) { group in
            for run in runs {
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
                try await apply(envelopes.filter { fresh.contains($0.id) }, on: connection)
            }
        }
    }
}
