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

    /// Appends many envelopes and their deliveries in one statement whatever their number (a batch
    /// of location reports shares hundreds of positions at once), which also wakes the relays at
    /// commit. Envelopes get their `seq` in array order. One prepared statement rather than three
    /// planned anew: every write that publishes pays for it, and under load the database's CPU is
    /// what runs out.
    public func append(contentsOf envelopes: [EventEnvelope], on connection: PostgresConnection, logger: Logger) async throws {
        guard !envelopes.isEmpty else { return }
        var statement = AppendEvents(envelopes: envelopes)
        for type in Set(envelopes.map(\.type)).sorted() {
            for subscriber in routing.subscribers(of: type) {
                statement.routedTypes.append(type)
                statement.routedSubscribers.append(subscriber)
            }
        }
        for try await _ in try await connection.execute(statement, logger: logger) {}
    }
}

/// The outbox append, prepared once per connection: the events, one delivery per subscriber its
/// type is routed to (`routedTypes[i]` goes to `routedSubscribers[i]`), and the relays' wake-up.
struct AppendEvents: PostgresPreparedStatement {
    static let name = "curbside_outbox_append_v1"
    // PostgresNIO's array encoding cannot carry NULL: '' stands for "no trace id".
    static let sql = """
        WITH events AS (
            INSERT INTO platform.outbox (id, aggregatetype, aggregateid, type, payload, occurred_at, trace_id, schema_version)
            SELECT e.id, e.aggregatetype, e.aggregateid, e.type, e.payload::jsonb, e.occurred_at, NULLIF(e.trace_id, ''), e.schema_version
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::int[])
                WITH ORDINALITY AS e(id, aggregatetype, aggregateid, type, payload, occurred_at, trace_id, schema_version, position)
            ORDER BY e.position
            RETURNING id, seq, type, aggregatetype, aggregateid
        ), deliveries AS (
            INSERT INTO platform.outbox_deliveries (subscriber, event_id, aggregate_key, seq)
            SELECT r.subscriber, e.id, e.aggregatetype || '/' || e.aggregateid, e.seq
            FROM events e JOIN unnest($9::text[], $10::text[]) AS r(type, subscriber) ON r.type = e.type
            RETURNING 1
        )
        SELECT pg_notify($11, '')::text WHERE EXISTS (SELECT 1 FROM deliveries)
        """
    typealias Row = String

    let envelopes: [EventEnvelope]
    var routedTypes: [String] = []
    var routedSubscribers: [String] = []

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 11)
        bindings.append(envelopes.map(\.id))
        bindings.append(envelopes.map(\.aggregateType))
        bindings.append(envelopes.map(\.aggregateID))
        bindings.append(envelopes.map(\.type))
        bindings.append(envelopes.map { String(decoding: $0.payload.data, as: UTF8.self) })
        bindings.append(envelopes.map(\.occurTime.postgres))
        bindings.append(envelopes.map { $0.traceID ?? "" })
        bindings.append(envelopes.map(\.schemaVersion))
        bindings.append(routedTypes)
        bindings.append(routedSubscribers)
        bindings.append(OutboxRelay.channel)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
}
