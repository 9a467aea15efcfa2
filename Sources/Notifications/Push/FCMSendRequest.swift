import Foundation

/// The body of `messages:send` (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages):
/// the message for the device's token, with what Android and APNs each need to honour its priority,
/// lifetime and collapse key. Absent parts are left out rather than sent as null.
struct FCMSendRequest: Encodable, Equatable {
    struct Message: Encodable, Equatable {
        var token: String
        var notification: Notification?
        var data: [String: String]?
        var android: Android
        var apns: APNs
    }

    struct Notification: Encodable, Equatable {
        var title: String?
        var body: String?
    }

    struct Android: Encodable, Equatable {
        var priority: String
        var ttl: String?
        var collapseKey: String?

        enum CodingKeys: String, CodingKey {
            case priority, ttl
            case collapseKey = "collapse_key"
        }
    }

    /// APNs takes these as HTTP/2 headers of its own request, so FCM passes them through as such.
    struct APNs: Encodable, Equatable {
        var headers: [String: String]
    }

    var message: Message

    init(_ push: PushMessage, now: Date) {
        let ttlSeconds = push.timeToLive.map(Self.wholeSeconds)
        var apnsHeaders = ["apns-priority": push.priority == .high ? "10" : "5"]
        if let ttlSeconds {
            // APNs reads 0 as "deliver now or never", which is what a zero lifetime means; any
            // other value is the moment it gives up.
            apnsHeaders["apns-expiration"] = ttlSeconds == 0 ? "0" : String(Int64(now.timeIntervalSince1970) + ttlSeconds)
        }
        if let collapseKey = push.collapseKey { apnsHeaders["apns-collapse-id"] = collapseKey }
        message = Message(
            token: push.token,
            notification: push.title == nil && push.body == nil ? nil : Notification(title: push.title, body: push.body),
            data: push.data.isEmpty ? nil : push.data,
            android: Android(
                priority: push.priority == .high ? "HIGH" : "NORMAL", ttl: ttlSeconds.map { "\($0)s" }, collapseKey: push.collapseKey),
            apns: APNs(headers: apnsHeaders))
    }

    /// A lifetime in whole seconds, a fraction counting as a second so that it never becomes zero.
    private static func wholeSeconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return seconds + (attoseconds > 0 ? 1 : 0)
    }
}
