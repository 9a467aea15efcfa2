import CurbsideCore
import Foundation

/// One notification as the live channel sends it: who it is for, its place in the user's sequence,
/// and the JSON text the client receives, encoded once when the notification is recorded (the
/// announcement carries it to every instance, which forwards it unchanged).
public struct LiveMessage: Sendable, Equatable {
    public let userID: UUID
    public let seq: Int64
    public let notificationID: UUID
    /// `{"type":"notification","seq":"…","name":…,"kind":…,"category":…,"title":…,"body":…,"data":{…},"createTime":…}`.
    public let text: String

    init(userID: UUID, seq: Int64, notificationID: UUID, text: String) {
        self.userID = userID
        self.seq = seq
        self.notificationID = notificationID
        self.text = text
    }

    init(_ notification: StoredNotification) {
        self.init(
            userID: notification.userID, seq: notification.seq, notificationID: notification.id, text: Self.json(notification))
    }

    static func json(_ notification: StoredNotification) -> String {
        struct Message: Encodable {
            var type = "notification"
            var seq: String
            var name: String
            var kind: String
            var category: String
            var title: String
            var body: String
            var data: [String: String]
            var createTime: String
        }
        let message = Message(
            seq: String(notification.seq), name: notification.name, kind: notification.kind, category: notification.category.rawValue,
            title: notification.title, body: notification.body, data: notification.data,
            createTime: Timestamp.format(notification.createTime))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(message), as: UTF8.self)) ?? "{}"
    }
}

/// What travels on the `NOTIFY` channel: `<user> <seq> <notification id> <client JSON>`, or only the
/// user's id when that is too large (subscribers then read the table). Parsing it takes no JSON
/// decoding, so an instance forwards a message for the cost of splitting a string.
public enum Announcement {
    /// PostgreSQL refuses `NOTIFY` payloads of 8,000 bytes or more.
    static let maxBytes = 7_900

    static func payload(_ message: LiveMessage) -> String {
        let full = "\(message.userID.uuidString) \(message.seq) \(message.notificationID.uuidString) \(message.text)"
        return full.utf8.count <= maxBytes ? full : message.userID.uuidString
    }

    /// The user and, unless only the user was announced, the message.
    public static func parse(_ payload: String) -> (UUID, LiveMessage?)? {
        let parts = payload.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard let user = UUID(uuidString: String(parts[0])) else { return nil }
        guard parts.count == 4 else { return parts.count == 1 ? (user, nil) : nil }
        guard let seq = Int64(parts[1]), let id = UUID(uuidString: String(parts[2])) else { return nil }
        return (user, LiveMessage(userID: user, seq: seq, notificationID: id, text: String(parts[3])))
    }
}
