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
        try await append(contentsOf: [envelope], on: connection, logger: logger)
    }

    /// Appends many envelopes and their deliveries in three statements whatever their number (a
    /// batch of location reports shares hundreds of positions at once). Envelopes get their `seq`
    /// in array order.
    public func append(contentsOf envelopes: [EventEnvelope], on connection: PostgresConnection, logger: Logger) async throws {
        guard !envelopes.isEmpty else { return }
        // PostgresNIO's array encoding cannot carry NULL: '' stands for "no trace id".
        let rows = try await connection.query(
            """
            INSERT INTO platform.outbox (id, aggregatetype, aggregateid, type, payload, occurred_at, trace_id, schema_version)
            SELECT e.id, e.aggregatetype, e.aggregateid, e.type, e.payload::jsonb, e.occurred_at, NULLIF(e.trace_id, ''), e.schema_version
            FROM unnest(\(envelopes.map(\.id))::uuid[], \(envelopes.map(\.aggregateType))::text[], \(envelopes.map(\.aggregateID))::text[],
                        \(envelopes.map(\.type))::text[], \(envelopes.map { String(decoding: $0.payload.data, as: UTF8.self) })::text[],
                        \(envelopes.map(\.occurTime.postgres))::timestamptz[], \(envelopes.map { $0.traceID ?? "" })::text[],
                        \(envelopes.map(\.schemaVersion))::int[])
                WITH ORDINALITY AS e(id, aggregatetype, aggregateid, type, payload, occurred_at, trace_id, schema_version, position)
            ORDER BY e.position
            RETURNING id, seq
            """, logger: logger)
        var seqs: [UUID: Int64] = [:]
        for try await (id, seq) in rows.decode((UUID, Int64).self) { seqs[id] = seq }
        var subscribers: [String] = []
        var eventIDs: [UUID] = []
        var aggregateKeys: [String] = []
        var deliverySeqs: [Int64] = []
        for envelope in envelopes {
            guard let seq = seqs[envelope.id] else { continue }
            for subscriber in routing.subscribers(of: envelope.type) {
                subscribers.append(subscriber)
                eventIDs.append(envelope.id)
                aggregateKeys.append(envelope.aggregateKey)
                deliverySeqs.append(seq)
            }
        }
        guard !subscribers.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO platform.outbox_deliveries (subscriber, event_id, aggregate_key, seq)
            SELECT * FROM unnest(\(subscribers)::text[], \(eventIDs)::uuid[], \(aggregateKeys)::text[], \(deliverySeqs)::bigint[])
            """, logger: logger)
        try await connection.query("SELECT pg_notify(\(OutboxRelay.channel), '')", logger: logger)
    }
}
