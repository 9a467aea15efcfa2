import CurbsideCore
import Foundation
import Logging

/// Reading, changing, deleting and restoring accounts, and the admin's list.
public struct ProfileService: Sendable {
    let users: UserRepository
    let pageTokens: PageTokenCodec
    let deletionGracePeriod: Duration
    let clock: UsersClock

    public init(users: UserRepository, pageTokens: PageTokenCodec, deletionGracePeriod: Duration, clock: UsersClock) {
        self.users = users
        self.pageTokens = pageTokens
        self.deletionGracePeriod = deletionGracePeriod
        self.clock = clock
    }

    /// The account, if the caller may see it. Deleted accounts are visible to admins only.
    public func get(_ id: UUID, caller: Principal, logger: Logger) async throws -> User {
        try Access.requireSelfOrAdmin(caller, id)
        guard let user = try await users.user(id: id, reader: caller.userID, logger: logger),
            !user.isDeleted || caller.role == .admin
        else { throw UsersError.userNotFound("users/\(id.uuidString.lowercased())") }
        return user
    }

    /// The fields a profile update may carry; `nil` leaves a field alone, `.some(nil)` clears it.
    public struct ProfileChange: Sendable {
        public var displayName: String?
        public var email: String??
        public var phoneNumber: String??
        public var etag: String?

        public init(displayName: String?, email: String??, phoneNumber: String??, etag: String?) {
            self.displayName = displayName
            self.email = email
            self.phoneNumber = phoneNumber
            self.etag = etag
        }
    }

    public func update(_ id: UUID, change: ProfileChange, caller: Principal, logger: Logger) async throws -> User {
        try Access.requireSelfOrAdmin(caller, id)
        let displayName = try change.displayName.map { value throws(UsersError) in try DisplayName(value) }
        let email: EmailAddress?? = try change.email.map { value throws(UsersError) in
            try value.flatMap { $0.isEmpty ? nil : $0 }.map { value throws(UsersError) in try EmailAddress(value) }
        }
        let phone: PhoneNumber?? = try change.phoneNumber.map { value throws(UsersError) in
            try value.flatMap { $0.isEmpty ? nil : $0 }.map { value throws(UsersError) in try PhoneNumber(value) }
        }
        let now = clock.now()
        let etag = change.etag
        guard
            let user = try await users.update(
                id: id, writer: caller.userID, logger: logger,
                { user in
                    try ETag.check(etag, version: user.version, resource: user.name)
                    try user.updateProfile(displayName: displayName, email: email, phoneNumber: phone, now: now)
                })
        else { throw UsersError.userNotFound("users/\(id.uuidString.lowercased())") }
        return user
    }

    public func delete(_ id: UUID, etag: String?, caller: Principal, logger: Logger) async throws -> User {
        try Access.requireSelfOrAdmin(caller, id)
        let now = clock.now()
        let grace = deletionGracePeriod.inSeconds
        guard
            let user = try await users.update(
                id: id, writer: caller.userID, logger: logger,
                { user in
                    try ETag.check(etag, version: user.version, resource: user.name)
                    try user.delete(now: now, gracePeriod: grace)
                })
        else { throw UsersError.userNotFound("users/\(id.uuidString.lowercased())") }
        return user
    }

    public func undelete(_ id: UUID, etag: String?, caller: Principal, logger: Logger) async throws -> User {
        let now = clock.now()
        guard
            let user = try await users.update(
                id: id, writer: caller.userID, logger: logger,
                { user in
                    try ETag.check(etag, version: user.version, resource: user.name)
                    try user.undelete(now: now)
                })
        else { throw UsersError.userNotFound("users/\(id.uuidString.lowercased())") }
        return user
    }

    /// One page of the admin's user list and the token of the next.
    public func list(
        filter: String?, orderBy: String?, showDeleted: Bool, pageSize: Int32?, pageToken: String?, caller: Principal,
        logger: Logger
    ) async throws -> (users: [User], nextPageToken: String?) {
        let filter = try Filter(filter)
        let order = try OrderBy(orderBy, allowed: ["createTime"], defaultField: "createTime")
        let queryKey = [
            "users", filter.terms.map { "\($0.field)\($0.op.rawValue)\($0.value)" }.joined(separator: "&"),
            order.canonical, "\(showDeleted)", caller.userID.uuidString,
        ].joined(separator: "|")
        let paging = try PageRequest(pageSize: pageSize, pageToken: pageToken, query: queryKey, codec: pageTokens)
        let rows = try await users.list(
            filter: filter, order: order, showDeleted: showDeleted, after: paging.cursor, limit: paging.limit, logger: logger)
        let page = paging.page(rows) { PageTokenCodec.Cursor(sortKey: Timestamp.format($0.createTime), id: $0.id.uuidString) }
        return (page.items, page.nextPageToken)
    }
}
