import Foundation

/// A role a caller can hold. Every operation declares which roles may call it (`x-curbside-roles`).
public enum Role: String, Sendable, Codable, CaseIterable {
    case passenger
    case driver
    case admin
    /// Another Curbside service calling on its own behalf.
    case service
}

/// The verified identity behind a request: who (user id), as what (role), through which session.
public struct Principal: Sendable, Equatable {
    public var userID: UUID
    public var role: Role
    /// The refresh-token family the access token was issued from; `nil` for service tokens.
    public var sessionID: UUID?

    public init(userID: UUID, role: Role, sessionID: UUID?) {
        self.userID = userID
        self.role = role
        self.sessionID = sessionID
    }

    /// True when the caller is the user `id` or an admin.
    public func isSelfOrAdmin(_ id: UUID) -> Bool { role == .admin || userID == id }
}
