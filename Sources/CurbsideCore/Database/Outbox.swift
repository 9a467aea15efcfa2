import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// Writes integration events into the service's `platform.outbox` table (Debezium outbox router
/// layout) inside the caller's transaction, so an event exists exactly when its state change does.
public enum Outbox {
    public static func append(
        _ event: some IntegrationEvent, occurredAt: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let payload = String(decoding: try event.encodedPayload(), as: UTF8.self)
        let traceID = RequestScope.current.traceID
        try await connection.query(
            """
            INSERT INTO platform.outbox (id, aggregatetype, aggregateid, type, payload, occurred_at, trace_id)
            VALUES (\(UUID()), \(type(of: event).aggregateType), \(event.aggregateID), \(type(of: event).eventType),
                    \(payload)::jsonb, \(occurredAt.postgres), \(traceID))
            """, logger: logger)
    }
}
