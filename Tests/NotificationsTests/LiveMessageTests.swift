import CurbsideCore
import Foundation
import Testing

@testable import Notifications

/// The live channel's message text, written by hand for speed, must be what JSONEncoder wrote
/// before, byte for byte: apps and tests compare it, and whatever a template or an event puts in a
/// title, a body or the data must come out as valid, equal JSON.
@Suite struct LiveMessageTests {
    /// What the message text was before it was written by hand.
    static func encodedByJSONEncoder(_ notification: StoredNotification) throws -> String {
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
        return String(decoding: try encoder.encode(message), as: UTF8.self)
    }

    static func notification(title: String, body: String, kind: String = "trip.driverArrived", data: [String: String]) -> StoredNotification {
        StoredNotification(
            id: UUID(), userID: UUID(), seq: 9_007_199_254_740_993, eventID: UUID(), kind: kind, category: .tripUpdates, title: title,
            body: body, data: data, inInbox: true, readTime: nil, createTime: Date(timeIntervalSince1970: 1_796_000_000.123))
    }

    static let awkward = [
        "", "plain", #"quote " and backslash \ and slash /"#, "line\nfeed\r\ttab", "bell \u{07} nul \u{00} unit \u{1F} del \u{7F}",
        "é ñ 中文 🚕", "\u{2028}\u{2029}", "\u{FEFF}bom",
    ]

    @Test(arguments: awkward)
    func titlesBodiesAndDataComeOutAsJSONEncoderWroteThem(_ text: String) throws {
        let notification = Self.notification(
            title: text, body: "Your driver: \(text)", kind: "k\(text)",
            data: ["trip": "trips/\(text)", "Zeta": text, "alpha": "a", "_under": "u", "10": "ten", "9": "nine", text: "key"])
        #expect(LiveMessage.json(notification) == (try Self.encodedByJSONEncoder(notification)))
    }

    @Test func emptyDataIsAnEmptyObject() throws {
        let notification = Self.notification(title: "t", body: "b", data: [:])
        let text = LiveMessage.json(notification)
        #expect(text == (try Self.encodedByJSONEncoder(notification)))
        #expect(text.contains(#""data":{}"#))
    }
}
