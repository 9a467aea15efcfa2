import Foundation

/// A notification as a user sees it: in the inbox (when kept there) and on the live channel (by `seq`).
public struct StoredNotification: Sendable, Equatable, Codable {
    public let id: UUID
    public let userID: UUID
    /// The user's live-channel sequence: increasing, with gaps, never reused.
    public let seq: Int64
    public let eventID: UUID
    public let kind: String
    public let category: NotificationCategory
    public let title: String
    public let body: String
    public let data: [String: String]
    public let inInbox: Bool
    public var readTime: Date?
    public let createTime: Date

    /// `users/{user}/notifications/{notification}`.
    public var name: String { "users/\(userID.uuidString.lowercased())/notifications/\(id.uuidString.lowercased())" }
}
