import Configuration
import Foundation

/// The notifications service's settings (`curbside.notifications.*`, e.g. `CURBSIDE_NOTIFICATIONS_FCM_CREDENTIALS_FILE`).
public struct NotificationsSettings: Sendable {
    /// A Firebase service-account JSON file; without it pushes are recorded, not sent (the local default).
    public var fcmCredentialsFile: String?
    /// FCM's base URL (a stand-in in tests).
    public var fcmBaseURL: URL?
    /// Pushes in flight at once per instance.
    public var fcmMaxConcurrentSends: Int
    /// How often due pushes are looked for.
    public var pushPollInterval: Duration
    /// Pushes claimed per round.
    public var pushBatchSize: Int
    /// How long a claimed push is held before another instance may take it.
    public var pushLease: TimeInterval
    /// Attempts before a push is given up.
    public var pushMaxAttempts: Int
    /// Messages a live subscriber may fall behind before it is cut off (it resumes from its last one).
    public var streamBufferLimit: Int
    /// How often a live subscriber looks for messages when no commit announced any.
    public var streamPollInterval: Duration
    /// How long a live subscriber's buffer may stay full before it is cut off.
    public var streamSlowClientGrace: Duration
    /// How often the live channel sends a heartbeat.
    public var streamHeartbeat: Duration
    /// How far back a reconnecting client can resume (messages not kept in the inbox are deleted after it).
    public var streamRetention: TimeInterval
    /// How long inbox notifications are kept.
    public var inboxRetention: TimeInterval
    /// How many recipients of a promotion one transaction notifies.
    public var promotionChunkSize: Int
    /// How often each instance looks for promotions to send.
    public var promotionPollInterval: Duration

    public init(_ config: ConfigReader) {
        fcmCredentialsFile = config.string(forKey: "notifications.fcm_credentials_file").flatMap { $0.isEmpty ? nil : $0 }
        fcmBaseURL = config.string(forKey: "notifications.fcm_base_url").flatMap(URL.init(string:))
        fcmMaxConcurrentSends = max(1, config.int(forKey: "notifications.fcm_max_concurrent_sends", default: 64))
        pushPollInterval = .milliseconds(max(20, config.int(forKey: "notifications.push_poll_ms", default: 250)))
        pushBatchSize = max(1, config.int(forKey: "notifications.push_batch_size", default: 200))
        pushLease = TimeInterval(max(1, config.int(forKey: "notifications.push_lease_seconds", default: 60)))
        pushMaxAttempts = max(1, config.int(forKey: "notifications.push_max_attempts", default: 10))
        streamBufferLimit = max(1, config.int(forKey: "notifications.stream_buffer_limit", default: 256))
        streamPollInterval = .milliseconds(max(50, config.int(forKey: "notifications.stream_poll_ms", default: 30_000)))
        streamSlowClientGrace = .milliseconds(max(10, config.int(forKey: "notifications.stream_slow_client_grace_ms", default: 10_000)))
        streamHeartbeat = .milliseconds(max(100, config.int(forKey: "notifications.stream_heartbeat_ms", default: 20_000)))
        streamRetention = TimeInterval(max(1, config.int(forKey: "notifications.stream_retention_hours", default: 72))) * 3600
        promotionChunkSize = min(10_000, max(1, config.int(forKey: "notifications.promotion_chunk_size", default: 500)))
        promotionPollInterval = .milliseconds(max(50, config.int(forKey: "notifications.promotion_poll_ms", default: 1000)))
        inboxRetention = max(streamRetention, TimeInterval(max(1, config.int(forKey: "notifications.inbox_retention_days", default: 90))) * 86_400)
    }
}
