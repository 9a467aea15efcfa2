import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Sessions (refresh-token families) and their refresh tokens, stored only as SHA-256 digests.
public struct SessionRepository: Sendable {
    let database: Database

    public init(databases: ServiceDatabases) {
        database = databases.platform
    }

    /// What presenting a refresh token led to.
    public enum Rotation: Sendable, Equatable {
        /// The token was current: it is now spent and `newDigest` is the session's current token.
        case rotated(sessionID: UUID, userID: UUID, sessionExpiry: Date)
        /// The token had already been exchanged: the whole session is now revoked.
        case reused
        /// Unknown, expired, or its session was revoked.
        case invalid
    }

    /// Opens a session whose first refresh token has `digest`.
    public func open(sessionID: UUID, userID: UUID, digest: String, now: Date, expiry: Date, logger: Logger) async throws {
        try await database.transaction(writer: userID, logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO platform.sessions (id, user_id, create_time, expire_time)
                VALUES (\(sessionID), \(userID), \(now.postgres), \(expiry.postgres))
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO platform.refresh_tokens (digest, session_id, create_time, expire_time)
                VALUES (\(digest), \(sessionID), \(now.postgres), \(expiry.postgres))
                """, logger: logger)
        }
    }

    /// Spends the token with `digest` and issues `newDigest` in its place, atomically. Two
    /// concurrent presentations of one token serialize on its row: the second sees it spent.
    public func rotate(digest: String, newDigest: String, now: Date, logger: Logger) async throws -> Rotation {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT t.session_id, s.user_id, t.rotate_time, t.expire_time, s.revoke_time, s.expire_time
                FROM platform.refresh_tokens t JOIN platform.sessions s ON s.id = t.session_id
                WHERE t.digest = \(digest)
                FOR UPDATE OF t, s
                """, logger: logger)
            var found: (UUID, UUID, Date?, Date, Date?, Date)?
            for try await row in rows.decode((UUID, UUID, Date?, Date, Date?, Date).self) { found = row }
            guard let (sessionID, userID, rotateTime, tokenExpiry, revokeTime, sessionExpiry) = found else { return .invalid }
            guard revokeTime == nil, tokenExpiry > now, sessionExpiry > now else { return .invalid }
            if rotateTime != nil {
                try await connection.query(
                    """
                    UPDATE platform.sessions SET revoke_time = \(now.postgres), revoke_reason = 'REFRESH_TOKEN_REUSED'
                    WHERE id = \(sessionID)
                    """, logger: logger)
                return .reused
            }
            try await connection.query(
                "UPDATE platform.refresh_tokens SET rotate_time = \(now.postgres) WHERE digest = \(digest)", logger: logger)
            try await connection.query(
                """
                INSERT INTO platform.refresh_tokens (digest, session_id, create_time, expire_time)
                VALUES (\(newDigest), \(sessionID), \(now.postgres), \(sessionExpiry.postgres))
                """, logger: logger)
            return .rotated(sessionID: sessionID, userID: userID, sessionExpiry: sessionExpiry)
        }
    }

    /// Revokes the session the token belongs to. False if the token is unknown.
    public func revoke(digest: String, reason: String, now: Date, logger: Logger) async throws -> Bool {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE platform.sessions SET revoke_time = COALESCE(revoke_time, \(now.postgres)),
                    revoke_reason = COALESCE(revoke_reason, \(reason))
                WHERE id = (SELECT session_id FROM platform.refresh_tokens WHERE digest = \(digest))
                RETURNING id
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    /// Whether a session is still open (not revoked, not expired).
    public func isActive(sessionID: UUID, now: Date, logger: Logger) async throws -> Bool {
        try await database.readPrimary { client in
            let rows = try await client.query(
                "SELECT 1 FROM platform.sessions WHERE id = \(sessionID) AND revoke_time IS NULL AND expire_time > \(now.postgres)",
                logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    /// Deletes sessions that ended (expired or revoked) more than `retention` ago; their tokens go with them.
    public func deleteEnded(before cutoff: Date, logger: Logger) async throws -> Int {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                DELETE FROM platform.sessions
                WHERE expire_time < \(cutoff) OR (revoke_time IS NOT NULL AND revoke_time < \(cutoff))
                RETURNING id
                """, logger: logger)
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
    }
}
