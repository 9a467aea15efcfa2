import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Promotions in `platform.promotions`, their listed recipients, and the sender's progress.
struct PromotionStore: Sendable {
    static let columns =
        "id, texts::text, audience, state, recipient_count, sent_count, skipped_count, create_time, complete_time"

    /// Creates a promotion with its recipients (none: everyone with a device); with a request id
    /// already used, returns the promotion that created instead.
    func create(
        texts: [LocalizedText], recipients: [UUID]?, requestID: UUID?, createdBy: UUID, now: Date, on database: Database,
        logger: Logger
    ) async throws -> Promotion {
        try await database.transaction(writer: createdBy, logger: logger) { connection in
            let id = UUID()
            let audience: Promotion.Audience = recipients == nil ? .everyoneWithADevice : .listedUsers
            let created = try await Self.promotions(
                connection.query(
                    """
                    INSERT INTO platform.promotions (id, request_id, texts, audience, state, created_by, create_time)
                    VALUES (\(id), \(requestID), \(try StoredJSON.encode(texts))::jsonb, \(audience.rawValue), 'SENDING', \(createdBy),
                        \(now.postgres))
                    ON CONFLICT (request_id) DO NOTHING
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger))
            guard let promotion = created.first else {
                // Retried: the first call's promotion (its row is committed, or this waited for it).
                let existing = try await Self.promotions(
                    connection.query(
                        "SELECT \(unescaped: Self.columns) FROM platform.promotions WHERE request_id = \(requestID)", logger: logger))
                guard let promotion = existing.first else { throw CorruptRecord(column: "promotions.request_id") }
                return promotion
            }
            if let recipients, !recipients.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO platform.promotion_recipients (promotion_id, user_id)
                    SELECT \(id), user_id FROM unnest(\(recipients)::uuid[]) AS user_id ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            return promotion
        }
    }

    func promotion(_ id: UUID, on database: Database, logger: Logger) async throws -> Promotion? {
        // The sender, not the reader, moves its counters: the primary shows the latest.
        try await database.readPrimary { client in
            try await Self.promotions(
                client.query("SELECT \(unescaped: Self.columns) FROM platform.promotions WHERE id = \(id)", logger: logger)
            ).first
        }
    }

    /// One page of promotions, newest first, before the cursor `(createTime, id)`.
    func list(before cursor: (Date, UUID)?, limit: Int, on database: Database, logger: Logger) async throws -> [Promotion] {
        let start = cursor ?? (Date.distantFuture, UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)))
        return try await database.readPrimary { client in
            try await Self.promotions(
                client.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM platform.promotions
                    WHERE (create_time, id) < (\(start.0.postgres), \(start.1))
                    ORDER BY create_time DESC, id DESC LIMIT \(limit)
                    """, logger: logger))
        }
    }

    /// The oldest promotion still sending that no other sender holds, locked until the caller's
    /// transaction ends, with the last recipient gone through.
    func claimSending(on connection: PostgresConnection, logger: Logger) async throws -> (Promotion, cursor: UUID?)? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns), cursor FROM platform.promotions
            WHERE state = 'SENDING' ORDER BY create_time LIMIT 1 FOR UPDATE SKIP LOCKED
            """, logger: logger)
        for try await row in rows {
            let promotion = try Self.promotion(row)
            return (promotion, try row.makeRandomAccess()[9].decode(UUID?.self))
        }
        return nil
    }

    /// The next recipients after `cursor`, in id order.
    func recipients(of promotion: Promotion, after cursor: UUID?, limit: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> [UUID]
    {
        let after = cursor ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        let rows =
            switch promotion.audience {
            case .listedUsers:
                try await connection.query(
                    """
                    SELECT user_id FROM platform.promotion_recipients
                    WHERE promotion_id = \(promotion.id) AND user_id > \(after) ORDER BY user_id LIMIT \(limit)
                    """, logger: logger)
            case .everyoneWithADevice:
                try await connection.query(
                    "SELECT DISTINCT user_id FROM platform.devices WHERE user_id > \(after) ORDER BY user_id LIMIT \(limit)",
                    logger: logger)
            }
        var found: [UUID] = []
        for try await user in rows.decode(UUID.self) { found.append(user) }
        return found
    }

    /// Records a chunk's progress; the promotion is sent when the chunk was the last.
    func advance(
        _ promotion: Promotion, to cursor: UUID?, recipients: Int, sent: Int, finished: Bool, now: Date, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            UPDATE platform.promotions SET cursor = coalesce(\(cursor), cursor), recipient_count = recipient_count + \(recipients),
                sent_count = sent_count + \(sent), skipped_count = skipped_count + \(recipients - sent),
                state = CASE WHEN \(finished) THEN 'SENT' ELSE state END,
                complete_time = CASE WHEN \(finished) THEN \(now.postgres) ELSE complete_time END
            WHERE id = \(promotion.id)
            """, logger: logger)
    }

    static func promotions(_ rows: PostgresRowSequence) async throws -> [Promotion] {
        var found: [Promotion] = []
        for try await row in rows { found.append(try promotion(row)) }
        return found
    }

    static func promotion(_ row: PostgresRow) throws -> Promotion {
        let cells = row.makeRandomAccess()
        guard let audience = Promotion.Audience(rawValue: try cells[2].decode(String.self)),
            let state = Promotion.State(rawValue: try cells[3].decode(String.self))
        else { throw CorruptRecord(column: "promotions.audience/state") }
        return Promotion(
            id: try cells[0].decode(UUID.self), texts: try StoredJSON.decode([LocalizedText].self, try cells[1].decode(String.self)),
            audience: audience, state: state, recipientCount: try cells[4].decode(Int.self), sentCount: try cells[5].decode(Int.self),
            skippedCount: try cells[6].decode(Int.self), createTime: try cells[7].decode(Date.self),
            completeTime: try cells[8].decode(Date?.self))
    }
}
