import CurbsideCore
import Foundation
import IntegrationEvents

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

    /// The client's JSON, keys in the order JSONEncoder's `.sortedKeys` puts them, written by hand:
    /// through JSONEncoder it was 6 % of the server's time at the fan-out's ceiling (BENCHMARKS.md).
    static func json(_ notification: StoredNotification) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(320 + notification.title.utf8.count + notification.body.utf8.count)
        bytes += #"{"body":"#.utf8
        JSONText.append(notification.body, to: &bytes)
        bytes += #","category":"#.utf8
        JSONText.append(notification.category.rawValue, to: &bytes)
        bytes += #","createTime":"#.utf8
        JSONText.append(Timestamp.format(notification.createTime), to: &bytes)
        bytes += #","data":{"#.utf8
        for (index, key) in notification.data.keys.sorted().enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONText.append(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            JSONText.append(notification.data[key] ?? "", to: &bytes)
        }
        bytes += #"},"kind":"#.utf8
        JSONText.append(notification.kind, to: &bytes)
        bytes += #","name":"#.utf8
        JSONText.append(notification.name, to: &bytes)
        bytes += #","seq":""#.utf8
        bytes += String(notification.seq).utf8
        bytes += #"","title":"#.utf8
        JSONText.append(notification.title, to: &bytes)
        bytes += #","type":"notification"}"#.utf8
        return String(decoding: bytes, as: UTF8.self)
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
