import Foundation

/// Words in one language, given by whoever sends them (a promotion) rather than a template.
public struct LocalizedText: Sendable, Equatable, Codable {
    /// BCP 47, e.g. `en`, `de`, `pt-BR`.
    public var languageCode: String
    public var title: String
    public var body: String

    public init(languageCode: String, title: String, body: String) {
        self.languageCode = languageCode
        self.title = title
        self.body = body
    }
}

/// The operator's own message to many users, sent in the background a chunk of recipients at a time.
public struct Promotion: Sendable, Equatable {
    public enum Audience: String, Sendable {
        case listedUsers = "LISTED_USERS"
        case everyoneWithADevice = "EVERYONE_WITH_A_DEVICE"
    }

    public enum State: String, Sendable {
        case sending = "SENDING"
        case sent = "SENT"
    }

    public let id: UUID
    public var texts: [LocalizedText]
    public var audience: Audience
    public var state: State
    /// Recipients gone through so far; of those, how many were sent it and how many had opted out.
    public var recipientCount: Int
    public var sentCount: Int
    public var skippedCount: Int
    public let createTime: Date
    public var completeTime: Date?

    /// `promotions/{promotion}`.
    public var name: String { "promotions/\(id.uuidString.lowercased())" }

    /// The limits of a promotion's words and list.
    public static let maxTexts = 20
    public static let maxTitleLength = 100
    public static let maxBodyLength = 1000
    public static let maxRecipients = 10_000
}
