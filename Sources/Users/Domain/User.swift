import Foundation

/// An account: a passenger, a driver or an admin. Profile changes, deletion and restoration are
/// methods that enforce the rules; an illegal change throws.
public struct User: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case passenger = "PASSENGER"
        case driver = "DRIVER"
        case admin = "ADMIN"
    }

    public enum State: Sendable, Equatable {
        case active
        /// Deleted at `at`; erased for good at `purgeAt` unless restored before.
        case deleted(at: Date, purgeAt: Date)
    }

    public let id: UUID
    public let role: Role
    public private(set) var email: EmailAddress?
    public private(set) var phoneNumber: PhoneNumber?
    public private(set) var displayName: DisplayName
    public private(set) var passwordHash: String
    public private(set) var state: State
    public let createTime: Date
    public private(set) var updateTime: Date
    /// Incremented by every change; the etag is derived from it.
    public private(set) var version: Int

    /// A new account. At least one way to sign in (email or phone) is required.
    public init(
        id: UUID = UUID(), role: Role, email: EmailAddress?, phoneNumber: PhoneNumber?, displayName: DisplayName,
        passwordHash: String, now: Date
    ) throws(UsersError) {
        guard email != nil || phoneNumber != nil else {
            throw .invalidField(field: "email", message: "an email or a phoneNumber is required", reason: "CONTACT_REQUIRED")
        }
        self.init(
            id: id, role: role, email: email, phoneNumber: phoneNumber, displayName: displayName,
            passwordHash: passwordHash, state: .active, createTime: now, updateTime: now, version: 1)
    }

    /// Restores a stored account (the repository's use only).
    public init(
        id: UUID, role: Role, email: EmailAddress?, phoneNumber: PhoneNumber?, displayName: DisplayName,
        passwordHash: String, state: State, createTime: Date, updateTime: Date, version: Int
    ) {
        self.id = id
        self.role = role
        self.email = email
        self.phoneNumber = phoneNumber
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.state = state
        self.createTime = createTime
        self.updateTime = updateTime
        self.version = version
    }

    /// The AIP resource name.
    public var name: String { "users/\(id.uuidString.lowercased())" }

    public var isDeleted: Bool { if case .deleted = state { true } else { false } }

    /// Applies a profile change; clearing both email and phone is refused.
    public mutating func updateProfile(
        displayName: DisplayName?, email: EmailAddress??, phoneNumber: PhoneNumber??, now: Date
    ) throws(UsersError) {
        guard !isDeleted else { throw .userNotFound(name) }
        let newEmail = email ?? self.email
        let newPhone = phoneNumber ?? self.phoneNumber
        guard newEmail != nil || newPhone != nil else {
            throw .invalidField(field: "email", message: "an email or a phoneNumber is required", reason: "CONTACT_REQUIRED")
        }
        if let displayName { self.displayName = displayName }
        self.email = newEmail
        self.phoneNumber = newPhone
        touch(now)
    }

    /// Soft-deletes the account; it can be restored until `now + gracePeriod`.
    public mutating func delete(now: Date, gracePeriod: TimeInterval) throws(UsersError) {
        guard !isDeleted else { throw .userNotFound(name) }
        state = .deleted(at: now, purgeAt: now.addingTimeInterval(gracePeriod))
        touch(now)
    }

    /// Restores a deleted account before it is purged.
    public mutating func undelete(now: Date) throws(UsersError) {
        guard case .deleted(_, let purgeAt) = state else {
            throw .illegalTransition(resource: name, from: "ACTIVE", action: "undelete")
        }
        guard now < purgeAt else { throw .userNotFound(name) }
        state = .active
        touch(now)
    }

    private mutating func touch(_ now: Date) {
        updateTime = now
        version += 1
    }
}
