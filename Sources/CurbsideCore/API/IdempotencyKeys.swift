import Foundation
import Logging
import PostgresNIO

/// AIP-155 request ids, remembered in the service's own database in the same transaction as the
/// effect they guard.
///
/// The first request with an id inserts its row and performs the effect; a concurrent duplicate
/// blocks on that row's unique key until the first commits (or rolls back), then receives the
/// stored result. The same id with a different request body is a 400.
public enum IdempotencyKeys {
    /// The table every service creates in its `platform` schema.
    public static let migrationSQL = """
        CREATE TABLE platform.idempotency_keys (
            scope text NOT NULL,
            request_id uuid NOT NULL,
            request_hash text NOT NULL,
            response bytea,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (scope, request_id)
        );
        CREATE INDEX idempotency_keys_created_at ON platform.idempotency_keys (created_at);
        """

    /// Runs `effect` once per (`scope`, `requestID`) inside the caller's transaction and returns its
    /// encoded result, or the result stored by an earlier request with the same id.
    public static func once(
        scope: String, requestID: UUID, requestHash: String, on connection: PostgresConnection, logger: Logger,
        _ effect: () async throws -> [UInt8]
    ) async throws -> [UInt8] {
        let claimed = try await connection.query(
            """
            INSERT INTO platform.idempotency_keys (scope, request_id, request_hash)
            VALUES (\(scope), \(requestID), \(requestHash))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger)
        var isFirst = false
        for try await _ in claimed { isFirst = true }
        if isFirst {
            let response = try await effect()
            try await connection.query(
                """
                UPDATE platform.idempotency_keys SET response = \(ByteBuffer(bytes: response))
                WHERE scope = \(scope) AND request_id = \(requestID)
                """, logger: logger)
            return response
        }
        let rows = try await connection.query(
            """
            SELECT request_hash, response FROM platform.idempotency_keys
            WHERE scope = \(scope) AND request_id = \(requestID)
            """, logger: logger)
        for try await (storedHash, response) in rows.decode((String, ByteBuffer?).self) {
            guard storedHash == requestHash else {
                throw AIPError.invalidArgument(
                    "requestId was already used for a different request", field: "requestId",
                    reason: "REQUEST_ID_REUSED")
            }
            if let response { return Array(buffer: response) }
        }
        throw AIPError(.aborted, reason: "REQUEST_IN_PROGRESS", message: "a request with this requestId is still in progress; retry")
    }

    /// Creates a resource once per request id: runs `insert` (which stores the resource `id`) the first
    /// time and returns `id`; a repeated request returns the id of the resource the first one created.
    /// Without a request id, simply inserts.
    public static func createOnce(
        scope: String, requestID: UUID?, requestHash: String, id: UUID, on connection: PostgresConnection,
        logger: Logger, _ insert: () async throws -> Void
    ) async throws -> UUID {
        guard let requestID else {
            try await insert()
            return id
        }
        let stored = try await once(
            scope: scope, requestID: requestID, requestHash: requestHash, on: connection, logger: logger
        ) {
            try await insert()
            return Array(id.uuidString.utf8)
        }
        guard let original = UUID(uuidString: String(decoding: stored, as: UTF8.self)) else { throw AIPError.internalError }
        return original
    }

    /// Forgets request ids older than `age` (run periodically).
    public static func purge(olderThan age: Duration, on client: PostgresClient, logger: Logger) async throws {
        let seconds = Int(age.components.seconds)
        try await client.query(
            "DELETE FROM platform.idempotency_keys WHERE created_at < now() - make_interval(secs => \(seconds))",
            logger: logger)
    }
}
