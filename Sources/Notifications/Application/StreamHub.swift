import CurbsideCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// The live channel's core, independent of the socket it is carried on: a user's notifications as
/// an ordered stream that resumes after any sequence number, fed by every instance.
///
/// Notifications are durable rows numbered per user, so a stream starts as a cursor over them: it
/// reads what follows its last sequence number. A commit anywhere sends `NOTIFY curbside_stream`
/// with the message as the client will receive it; each instance listens once, and hands a message
/// that is the next in its user's sequence straight to that user's streams (a user's notifications
/// are numbered under a row lock, so they commit, and are announced, in sequence order). Anything
/// else sends the stream back to the table: a gap (an announcement lost while the listener
/// reconnected, a message too large to announce), a full buffer, the listener reconnecting, or a
/// quiet poll interval. Each stream has a bounded buffer: a consumer that stays behind it past a
/// grace period is ended (it resumes from its last sequence number) rather than buffered without
/// bound or allowed to slow anyone else.
public final class StreamHub: Service, Sendable {
    /// The PostgreSQL channel commits announce notifications on.
    public static let channel = "curbside_stream"

    /// Why a subscription ended other than by its consumer.
    public enum End: Error, Sendable, Equatable {
        /// The consumer stayed `bufferLimit` messages behind for longer than the grace period.
        case tooSlow
    }

    let notifications: NotificationStore
    let database: Database
    let listener: PostgresListener
    let bufferLimit: Int
    let pollInterval: Duration
    /// How long a consumer's buffer may stay full before it is cut off.
    let slowClientGrace: Duration
    let logger: Logger
    private let subscribers = NIOLockedValueBox<[UUID: [UUID: Subscriber]]>([:])
    /// Whether the listener is connected: streams rely on announcements then, and poll the table
    /// every second while it is not.
    private let listening = NIOLockedValueBox(false)

    init(
        notifications: NotificationStore, database: Database, listener: PostgresClientConfiguration, bufferLimit: Int,
        pollInterval: Duration, slowClientGrace: Duration, logger: Logger
    ) {
        self.notifications = notifications
        self.database = database
        self.listener = PostgresListener(configuration: listener, channel: Self.channel, logger: logger)
        self.bufferLimit = bufferLimit
        self.pollInterval = pollInterval
        self.slowClientGrace = slowClientGrace
        self.logger = logger
    }

    /// Listens for commits until shutdown, reconnecting when the connection drops (streams poll
    /// meanwhile, so a lost announcement costs latency, never a message).
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.listener.run(
                listening: {
                    // Listening again: whatever was committed while nobody listened was not heard.
                    self.listening.withLockedValue { $0 = true }
                    self.everySubscriber { $0.readTable() }
                },
                stopped: { self.listening.withLockedValue { $0 = false } },
                notification: { self.deliver($0) })
        }
    }

    /// The user's notifications after `seq`, oldest first, then each new one as it is committed.
    /// The stream ends with ``End/tooSlow`` when the consumer falls too far behind.
    public func subscribe(user: UUID, after seq: Int64) -> AsyncThrowingStream<LiveMessage, any Error> {
        let (stream, continuation) = AsyncThrowingStream<LiveMessage, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(bufferLimit))
        let id = UUID()
        let subscriber = Subscriber(after: seq, continuation: continuation)
        subscribers.withLockedValue { $0[user, default: [:]][id] = subscriber }
        let pump = Task { await catchUp(subscriber, user: user) }
        continuation.onTermination = { [weak self] _ in
            pump.cancel()
            self?.subscribers.withLockedValue { all in
                all[user]?.removeValue(forKey: id)
                if all[user]?.isEmpty == true { all.removeValue(forKey: user) }
            }
        }
        return stream
    }

    /// The stream's reader of the table: brings the subscriber up to date, hands it over to the
    /// announcements, and waits until it is needed again.
    private func catchUp(_ subscriber: Subscriber, user: UUID) async {
        let limit = 200
        // Since when the consumer's buffer has been full: a burst may fill it for a moment, a
        // consumer that stays behind for `slowClientGrace` is cut off.
        var fullSince: ContinuousClock.Instant?
        do {
            while !Task.isCancelled {
                let last = subscriber.startReading()
                let batch = try await notifications.since(user: user, seq: last, limit: limit, on: database, logger: logger)
                switch subscriber.enqueue(batch.map(LiveMessage.init)) {
                case .full:
                    let since = fullSince ?? .now
                    fullSince = since
                    if ContinuousClock.now - since > slowClientGrace {
                        subscriber.finish(throwing: End.tooSlow)
                        return
                    }
                    try await Task.sleep(for: .milliseconds(20))
                    continue
                case .enqueued:
                    fullSince = nil
                }
                if batch.count == limit { continue }
                // Up to date: from here announcements reach the consumer directly, unless one that
                // arrived during the read shows a gap.
                guard subscriber.goLive() else { continue }
                let interval = listening.withLockedValue { $0 } ? pollInterval : min(pollInterval, .seconds(1))
                // Woken (a gap, a full buffer, the listener back), or a quiet interval: read again.
                await subscriber.waitUntilNeeded(upTo: interval)
            }
        } catch {
            subscriber.finish(throwing: error)
        }
    }

    /// Announces, inside the caller's transaction, notifications recorded in it (PostgreSQL
    /// delivers them at commit, to every instance, in commit order and in the order given).
    static func announce(_ notifications: [StoredNotification], on connection: PostgresConnection, logger: Logger) async throws {
        guard !notifications.isEmpty else { return }
        let payloads = notifications.map { Announcement.payload(LiveMessage($0)) }
        let rows = try await connection.query(
            "SELECT pg_notify(\(channel), payload) FROM unnest(\(payloads)::text[]) AS payload", logger: logger)
        for try await _ in rows {}
    }

    /// How many users have a subscriber here (for /metrics and tests).
    var subscribedUsers: Int { subscribers.withLockedValue { $0.count } }

    private func everySubscriber(_ body: (Subscriber) -> Void) {
        for subscriber in subscribers.withLockedValue({ $0.values.flatMap(\.values) }) { body(subscriber) }
    }

    /// Hands an announcement to the streams of its user on this instance.
    func deliver(_ payload: String) {
        guard let (user, message) = Announcement.parse(payload) else { return }
        let waiting = subscribers.withLockedValue { $0[user].map { Array($0.values) } ?? [] }
        for subscriber in waiting {
            if let message { subscriber.announced(message) } else { subscriber.readTable() }
        }
    }
}
