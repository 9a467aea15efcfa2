import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// The subscriber side of exactly-once effects: the event id is recorded in `platform.inbox` in
/// the same transaction as the effect, so a redelivered event finds its id and does nothing.
/// Two deliveries of one event racing each other serialize on the inbox key.
public enum Inbox {
    /// Runs `effect` in the caller's transaction unless `consumer` already processed `eventID`.
    /// Returns whether the effect ran.
    @discardableResult
    public static func process(
        consumer: String, eventID: UUID, on connection: PostgresConnection, logger: Logger,
        _ effect: () async throws -> Void
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO platform.inbox (consumer, event_id) VALUES (\(consumer), \(eventID))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger)
        var first = false
        for try await _ in rows { first = true }
        guard first else { return false }
        try await effect()
        return true
    }

    /// Claims several events at once in the caller's transaction; returns the ids not processed
    /// before, whose effects the caller must now apply in the same transaction.
    public static func claim(consumer: String, eventIDs: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> Set<UUID> {
        guard !eventIDs.isEmpty else { return [] }
        var claimed = Set<UUID>()
        for try await id in try await connection.execute(ClaimInbox(consumer: consumer, eventIDs: eventIDs), logger: logger) {
            claimed.insert(id)
        }
        return claimed
    }
}

/// The inbox claim, prepared once per connection: every batch a subscriber applies runs it.
struct ClaimInbox: PostgresPreparedStatement {
    static let name = "curbside_inbox_claim_v1"
    static let sql = """
        INSERT INTO platform.inbox (consumer, event_id) SELECT $1, id FROM unnest($2::uuid[]) AS id
        ON CONFLICT DO NOTHING RETURNING event_id
        """
    typealias Row = UUID

    let consumer: String
    let eventIDs: [UUID]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(consumer)
        bindings.append(eventIDs)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(UUID.self) }
}
