/// One push notification for one device, as the notification rules chose it; the sender decides
/// how each platform receives it (``FCMSender`` maps it onto FCM's `android` and `apns` blocks).
public struct PushMessage: Sendable, Equatable {
    /// How urgently the platform delivers the message.
    public enum Priority: Sendable, Equatable {
        /// Delivered at once, waking the device: offers, arrivals, anything a rider waits for.
        case high
        /// Delivered when the platform sees fit (battery saving may batch it).
        case normal
    }

    /// The device's FCM registration token.
    public var token: String
    /// The visible title; with ``body`` nil as well, the message carries data only.
    public var title: String?
    /// The visible text.
    public var body: String?
    /// Key-value pairs the app reads (FCM accepts string values only).
    public var data: [String: String]
    /// How urgently the platform delivers the message.
    public var priority: Priority
    /// How long the platform keeps trying a device that is offline; nil leaves the platform's
    /// default (four weeks for FCM), zero means now or never.
    public var timeToLive: Duration?
    /// Messages with the same key replace each other on a device that has not received them yet,
    /// so a phone coming back online sees only the latest of, say, several position updates.
    public var collapseKey: String?

    /// A message; everything but the token is optional.
    public init(
        token: String, title: String? = nil, body: String? = nil, data: [String: String] = [:], priority: Priority = .normal,
        timeToLive: Duration? = nil, collapseKey: String? = nil
    ) {
        self.token = token
        self.title = title
        self.body = body
        self.data = data
        self.priority = priority
        self.timeToLive = timeToLive
        self.collapseKey = collapseKey
    }
}

/// What became of one attempt to send a ``PushMessage``; what the caller does next follows from
/// the case alone.
public enum PushResult: Sendable, Equatable {
    /// Accepted by the push service, which named the message `messageID` (FCM's `name`).
    case sent(messageID: String)
    /// The token no longer reaches an installation of the app (uninstalled, expired, or issued for
    /// another sender): the caller deletes the registration and never sends to it again.
    case tokenGone(reason: String)
    /// The push service refused the message itself or the sender's configuration: sending the same
    /// again would fail the same way, so it is never retried.
    case rejected(reason: String)
    /// Not sent for now (rate limited, the service or the network in trouble): the caller sends
    /// again no earlier than `after` from now, with the next attempt number.
    case retry(after: Duration, reason: String)
}

/// Sends push notifications to devices.
public protocol PushSender: Sendable {
    /// Sends `message` once and says what became of it; never throws, every failure is a ``PushResult``.
    ///
    /// - Parameter attempt: How many times this message was sent before (0 the first time); the
    ///   delay of a ``PushResult/retry(after:reason:)`` grows with it.
    func send(_ message: PushMessage, attempt: Int) async -> PushResult
}

/// The sender when no push credentials are configured (local runs, tests): sends nothing, keeps
/// every message it was given, and reports each as sent.
public actor RecordingPushSender: PushSender {
    /// Every message given to ``send(_:attempt:)``, oldest first.
    public private(set) var sent: [PushMessage] = []

    /// An empty recorder.
    public init() {}

    /// Records `message` and answers `.sent(messageID: "recorded/<n>")`, n counting from 1.
    public func send(_ message: PushMessage, attempt: Int) -> PushResult {
        sent.append(message)
        return .sent(messageID: "recorded/\(sent.count)")
    }
}
