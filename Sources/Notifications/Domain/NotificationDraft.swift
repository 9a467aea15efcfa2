import Foundation

/// Why a user is told something; only promotions respect a user's opt-out.
public enum NotificationCategory: String, Sendable, Codable, CaseIterable {
    case tripUpdates = "TRIP_UPDATES"
    case payments = "PAYMENTS"
    case promotions = "PROMOTIONS"

    /// Transactional messages are always sent: a rider must learn that their driver arrived.
    public var isTransactional: Bool { self != .promotions }
}

/// How a notification goes out as a push, besides the inbox and the live channel.
public struct PushPolicy: Sendable, Equatable {
    public enum Priority: String, Sendable { case high, normal }
    public var priority: Priority
    /// After this the push is worthless (an offer that expired): FCM drops it rather than deliver it late.
    public var timeToLive: Duration?
    /// A newer push with the same key replaces an undelivered older one on the device.
    public var collapseKey: String?

    public init(priority: Priority, timeToLive: Duration? = nil, collapseKey: String? = nil) {
        self.priority = priority
        self.timeToLive = timeToLive
        self.collapseKey = collapseKey
    }
}

/// What one user is to be told about one event, before it is rendered in their language.
public struct NotificationDraft: Sendable, Equatable {
    public var recipient: UUID
    /// The template key, e.g. `trip.driverArrived`.
    public var kind: String
    public var category: NotificationCategory
    /// Values for the template's placeholders (`{plate}`, `{amount}`).
    public var values: [String: String]
    /// What the app gets with it (`trip`, `offer`, `state`): names, never personal data.
    public var data: [String: String]
    /// Nil: live channel (and inbox) only.
    public var push: PushPolicy?
    /// Whether it is kept in the user's in-app inbox.
    public var inbox: Bool
    /// Notifications that only the newest matters of (the driver's position): recording one with a
    /// key removes the user's older ones with that key, so a reconnecting client catches up with
    /// the latest rather than replaying every step.
    public var collapseKey: String?
    /// The sender's own words per language (a promotion), used instead of the kind's template.
    public var texts: [LocalizedText]?

    public init(
        recipient: UUID, kind: String, category: NotificationCategory, values: [String: String] = [:], data: [String: String],
        push: PushPolicy?, inbox: Bool, collapseKey: String? = nil, texts: [LocalizedText]? = nil
    ) {
        self.recipient = recipient
        self.kind = kind
        self.category = category
        self.values = values
        self.data = data
        self.push = push
        self.inbox = inbox
        self.collapseKey = collapseKey
        self.texts = texts
    }
}
