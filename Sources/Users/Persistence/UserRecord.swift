import Foundation
import PostgresNIO

/// The columns of `platform.users` in the order every query selects them.
enum UserRecord {
    static let columns = """
        id, role, email, phone_number, display_name, password_hash, delete_time, purge_time, create_time, update_time, version
        """

    typealias Row = (UUID, String, String?, String?, String, String, Date?, Date?, Date, Date, Int)

    static func user(from row: Row) -> User {
        let (id, role, email, phone, displayName, hash, deleteTime, purgeTime, createTime, updateTime, version) = row
        let state: User.State =
            if let deleteTime, let purgeTime { .deleted(at: deleteTime, purgeAt: purgeTime) } else { .active }
        return User(
            id: id, role: User.Role(rawValue: role) ?? .passenger, email: email.map(EmailAddress.stored),
            phoneNumber: phone.map(PhoneNumber.stored), displayName: DisplayName.stored(displayName),
            passwordHash: hash, state: state, createTime: createTime, updateTime: updateTime, version: version)
    }

    static func users(from rows: PostgresRowSequence) async throws -> [User] {
        var users: [User] = []
        for try await row in rows.decode(Row.self) { users.append(user(from: row)) }
        return users
    }

    static func deleteTime(_ user: User) -> Date? {
        if case .deleted(let at, _) = user.state { at } else { nil }
    }

    static func purgeTime(_ user: User) -> Date? {
        if case .deleted(_, let purgeAt) = user.state { purgeAt } else { nil }
    }
}

extension PSQLError {
    /// The name of the unique constraint a write violated, if that is why it failed.
    var violatedUniqueConstraint: String? {
        guard serverInfo?[.sqlState] == "23505" else { return nil }
        return serverInfo?[.constraintName]
    }
}
