import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Accounts (`platform.users`) with their audience records (`passenger.passengers`, `driver.drivers`).
///
/// Every write runs in one transaction on the primary; `update` locks the row, applies the change
/// through the aggregate, and saves it with its version incremented.
public struct UserRepository: Sendable {
    let databases: ServiceDatabases

    public init(databases: ServiceDatabases) {
        self.databases = databases
    }

    /// Stores a new account and its passenger or driver record, once per request id.
    /// Returns the id of the account created by the first request with that id.
    public func create(_ user: User, requestID: UUID?, requestHash: String, logger: Logger) async throws -> UUID {
        // The audience record lives in the audience's schema, so the audience's role writes both.
        let database = user.role == .driver ? databases.driver : databases.passenger
        do {
            return try await database.transaction(writer: user.id, logger: logger) { connection in
                try await IdempotencyKeys.createOnce(
                    scope: "users.createUser", requestID: requestID, requestHash: requestHash, id: user.id, on: connection,
                    logger: logger
                ) {
                    try await insertAccount(user, on: connection, logger: logger)
                }
            }
        } catch let error as PSQLError {
            throw Self.translate(error)
        }
    }

    private func insertAccount(_ user: User, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO platform.users (\(unescaped: UserRecord.columns))
            VALUES (\(user.id), \(user.role.rawValue), \(user.email?.value), \(user.phoneNumber?.value),
                    \(user.displayName.value), \(user.passwordHash), NULL, NULL, \(user.createTime.postgres), \(user.updateTime.postgres),
                    \(user.version))
            """, logger: logger)
        switch user.role {
        case .passenger:
            try await connection.query(
                "INSERT INTO passenger.passengers (user_id, create_time) VALUES (\(user.id), \(user.createTime.postgres))",
                logger: logger)
        case .driver:
            let driver = Driver(userID: user.id, now: user.createTime)
            try await connection.query(
                """
                INSERT INTO driver.drivers (user_id, approval_state, create_time, update_time, version)
                VALUES (\(driver.userID), \(driver.approvalState.rawValue), \(driver.createTime.postgres), \(driver.updateTime.postgres),
                        \(driver.version))
                """, logger: logger)
        case .admin:
            break
        }
    }

    /// The account with `id`, deleted or not. `reader` gets read-your-writes from a replica.
    public func user(id: UUID, reader: UUID?, logger: Logger) async throws -> User? {
        try await databases.platform.read(reader: reader, logger: logger) { client in
            let rows = try await client.query(
                "SELECT \(unescaped: UserRecord.columns) FROM platform.users WHERE id = \(id)", logger: logger)
            return try await UserRecord.users(from: rows).first
        }
    }

    /// The account signing in with this email or phone (read on the primary: sign-in must see sign-up).
    public func user(email: EmailAddress?, phoneNumber: PhoneNumber?, logger: Logger) async throws -> User? {
        try await databases.platform.readPrimary { client in
            let rows =
                if let email {
                    try await client.query(
                        "SELECT \(unescaped: UserRecord.columns) FROM platform.users WHERE email = \(email.value)",
                        logger: logger)
                } else {
                    try await client.query(
                        "SELECT \(unescaped: UserRecord.columns) FROM platform.users WHERE phone_number = \(phoneNumber?.value ?? "")",
                        logger: logger)
                }
            return try await UserRecord.users(from: rows).first
        }
    }

    /// Locks the account, applies `change`, saves the result. `nil` if there is no such account.
    public func update(
        id: UUID, writer: UUID?, logger: Logger, _ change: @Sendable (inout User) throws -> Void
    ) async throws -> User? {
        do {
            return try await databases.platform.transaction(writer: writer, logger: logger) { connection in
                let rows = try await connection.query(
                    "SELECT \(unescaped: UserRecord.columns) FROM platform.users WHERE id = \(id) FOR UPDATE",
                    logger: logger)
                guard var user = try await UserRecord.users(from: rows).first else { return nil }
                try change(&user)
                try await connection.query(
                    """
                    UPDATE platform.users SET email = \(user.email?.value), phone_number = \(user.phoneNumber?.value),
                        display_name = \(user.displayName.value), password_hash = \(user.passwordHash),
                        delete_time = \((UserRecord.deleteTime(user))?.postgres), purge_time = \((UserRecord.purgeTime(user))?.postgres),
                        update_time = \(user.updateTime.postgres), version = \(user.version)
                    WHERE id = \(id)
                    """, logger: logger)
                if user.isDeleted {
                    try await connection.query(
                        """
                        UPDATE platform.sessions SET revoke_time = now(), revoke_reason = 'ACCOUNT_DELETED'
                        WHERE user_id = \(id) AND revoke_time IS NULL
                        """, logger: logger)
                }
                return user
            }
        } catch let error as PSQLError {
            throw Self.translate(error)
        }
    }

    /// A page of accounts matching `filter`, ordered by creation time, after `cursor`.
    public func list(
        filter: Filter, order: OrderBy, showDeleted: Bool, after cursor: PageTokenCodec.Cursor?, limit: Int, logger: Logger
    ) async throws -> [User] {
        var query = SQLBuilder("SELECT \(UserRecord.columns) FROM platform.users WHERE true")
        if !showDeleted { query.append(" AND delete_time IS NULL") }
        try filter.apply(
            to: &query,
            fields: [
                FilterField(
                    "role", column: "role",
                    kind: .enumeration(Dictionary(uniqueKeysWithValues: User.Role.allCases.map { ($0.rawValue, $0.rawValue) }))),
                FilterField(
                    "state", column: "(CASE WHEN delete_time IS NULL THEN 'ACTIVE' ELSE 'DELETED' END)",
                    kind: .enumeration(["ACTIVE": "ACTIVE", "DELETED": "DELETED"])),
                FilterField("createTime", column: "create_time", kind: .timestamp),
            ])
        try KeysetPage.apply(cursor: cursor, order: order, sortColumn: "create_time", idColumn: "id", limit: limit, to: &query)
        let built = query
        return try await databases.platform.read(logger: logger) { client in
            try await UserRecord.users(from: try await client.query(built.query, logger: logger))
        }
    }

    /// Erases accounts whose grace period has ended; their sessions, driver and passenger records go with them.
    public func purgeDeleted(now: Date, logger: Logger) async throws -> Int {
        try await databases.platform.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                "DELETE FROM platform.users WHERE purge_time IS NOT NULL AND purge_time <= \(now.postgres) RETURNING id",
                logger: logger)
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
    }

    static func translate(_ error: PSQLError) -> any Error {
        switch error.violatedUniqueConstraint {
        case "users_email_key": UsersError.emailTaken
        case "users_phone_number_key": UsersError.phoneNumberTaken
        case "vehicles_license_plate_key": UsersError.plateTaken
        default: error
        }
    }
}
