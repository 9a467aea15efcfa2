import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// Writes integration events into a service's outbox inside the caller's transaction, with one
/// delivery row per subscriber, so that an event exists exactly when its state change does.
///
/// Call it from a repository while the aggregate's row is locked (see ``OutboxSchema``).
public struct OutboxWriter: Sendable {
    let routing: EventRouting

    public init(routing: EventRouting) {
        self.routing = routing
    }

    /// Appends `event` and its deliveries; wakes the relays when the transaction commits.
    @discardableResult
    public func append(
        _ event: some IntegrationEvent, occurredAt: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID {
        let envelope = try EventEnvelope(event, occurTime: occurredAt, traceID: RequestScope.current.traceID)
        try await append(envelope, on: connection, logger: logger)
        return envelope.id
    }

    /// Appends an envelope (the typed `append` is the usual entry point).
    public func append(_ envelope: EventEnvelope, on connection: PostgresConnection, logger: Logger) async throws {
        let payload = String(decoding: envelope.payload.data, as: UTF8.self)
        let rows = try await connection.query(
            """
            INSERT INTO platform.outbox (id, aggregatetype, aggregateid, type, payload, occurred_at, trace_id, schema_version)
            VALUES (\(envelope.id), \(envelope.aggregateType), \(envelope.aggregateID), \(envelope.type), \(payload)::jsonb,
                    \(envelope.occurTime.postgres), \(envelope.traceID), \(envelope.schemaVersion))
            RETURNING seq
            """, logger: logger)
        var seq: Int64 = 0
        for try await value in rows.decode(Int64.self) { seq = value }
        let subscribers = routing.subscribers(of: envelope.type)
        guard !subscribers.isEmpty else { return }
        let aggregateKey = envelope.aggregateType + "/" + envelope.aggregateID
        try await connection.query(
            """
            INSERT INTO platform.outbox_deliveries (subscriber, event_id, aggregate_key, seq)
            SELECT subscriber, \(envelope.id), \(aggregateKey), \(seq) FROM unnest(\(subscribers)::text[]) AS subscriber
            """, logger: logger)
        try await connection.query("SELECT pg_notify(\(OutboxRelay.channel), '')", logger: logger)
    }
}
