import CurbsideCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// The live channel's core, independent of the socket it is carried on: a user's notifications as
/// an ordered stream that resumes after any sequence number, fed by every instance.
///
/// Notifications are durable rows numbered per user, so the stream is a cursor over them: a
/// subscriber reads what follows its last sequence number, then waits. A commit anywhere sends
/// `NOTIFY curbside_stream` with the notification itself; each instance listens once and hands it to
/// that user's subscribers, so a message reaches the user whatever instance holds the connection,
/// without a query per message and subscriber. A subscriber takes an announced message only when it
/// is the next in sequence (a user's notifications are numbered under a row lock, so they commit,
/// and are announced, in sequence order); after a gap (an announcement lost while the listener
/// reconnected, a message too large to announce, a subscriber that fell behind) it reads the table
/// again; every subscriber reads it when the listener (re)connects, and while the listener is down
/// subscribers poll. Each subscriber has a bounded buffer: when it is full the subscriber's reader pauses (the
/// rows wait in the database), and a subscriber that stays full past a grace period is ended (it
/// resumes from its last sequence number) rather than buffered without bound or allowed to slow
/// anyone else.
public final class StreamHub: Service, Sendable {
    /// The PostgreSQL channel commits announce notifications on.
    public static let channel = "curbside_stream"
    /// PostgreSQL refuses `NOTIFY` payloads of 8,000 bytes or more: larger notifications are
    /// announced by their user's id alone, and read from the table.
    static let maxAnnouncedBytes = 7_900

    /// Why a subscription ended other than by its consumer.
    public enum End: Error, Sendable, Equatable {
        /// The consumer stayed `bufferLimit` messages behind for longer than the grace period.
        case tooSlow
    }

    let notifications: NotificationStore
    let database: Database
    let listener: PostgresClientConfiguration
    let bufferLimit: Int
    let pollInterval: Duration
    /// How long a consumer's buffer may stay full before it is cut off.
    let slowClientGrace: Duration
    let logger: Logger
    private let mailboxes = NIOLockedValueBox<[UUID: [UUID: Mailbox]]>([:])
    /// Whether the listener is connected: subscribers rely on announcements then, and poll the
    /// table every second while it is not.
    private let listening = NIOLockedValueBox(false)

    init(
        notifications: NotificationStore, database: Database, listener: PostgresClientConfiguration, bufferLimit: Int,
        pollInterval: Duration, slowClientGrace: Duration, logger: Logger
    ) {
        self.notifications = notifications
        self.database = database
        self.listener = listener
        self.bufferLimit = bufferLimit
        self.pollInterval = pollInterval
        self.slowClientGrace = slowClientGrace
        self.logger = logger
    }

    /// Listens for commits until shutdown, reconnecting when the connection drops (subscribers
    /// poll meanwhile, so a lost announcement costs latency, never a message).
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await SingleConnection.with(self.listener, logger: self.logger) { connection in
                        try await connection.listen(on: Self.channel) { announcements in
                            // Listening again: whatever was committed while nobody listened was not heard.
                            self.listening.withLockedValue { $0 = true }
                            self.wakeEveryone()
                            for try await announcement in announcements { self.deliver(announcement.payload) }
                        }
                    }
                } catch {
                    if !Task.isCancelled {
                        self.logger.debug("stream listener reconnecting", metadata: ["error.message": "\(String(reflecting: error))"])
                    }
                }
                self.listening.withLockedValue { $0 = false }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// The user's notifications after `seq`, oldest first, then each new one as it is committed.
    /// The stream ends with ``End/tooSlow`` when the consumer falls too far behind.
    public func subscribe(user: UUID, after seq: Int64) -> AsyncThrowingStream<StoredNotification, any Error> {
        let (stream, continuation) = AsyncThrowingStream<StoredNotification, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(bufferLimit))
        let id = UUID()
        let mailbox = Mailbox()
        mailboxes.withLockedValue { $0[user, default: [:]][id] = mailbox }
        let (limit, grace, poll) = (200, slowClientGrace, pollInterval)
        let pump = Task {
            var last = seq
            // Since when the consumer's buffer has been full: a burst may fill it for a moment, a
            // consumer that stays behind for `grace` is cut off.
            var fullSince: ContinuousClock.Instant?
            var readTable = true
            do {
                while !Task.isCancelled {
                    if readTable {
                        // Announcements arriving during the read stay in the mailbox; those the read
                        // already covered are skipped below by their sequence number.
                        mailbox.forgetWake()
                        let batch = try await notifications.since(user: user, seq: last, limit: limit, on: database, logger: logger)
                        var full = false
                        for message in batch {
                            if case .dropped = continuation.yield(message) {
                                full = true
                                break
                            }
                            last = message.seq
                            fullSince = nil
                        }
                        if full {
                            let since = fullSince ?? .now
                            fullSince = since
                            if ContinuousClock.now - since > grace {
                                continuation.finish(throwing: End.tooSlow)
                                return
                            }
                            try await Task.sleep(for: .milliseconds(20))
                            continue
                        }
                        if batch.count == limit { continue }
                        readTable = false
                    }
                    let (announced, woken) = mailbox.take()
                    if woken {
                        readTable = true
                        continue
                    }
                    for message in announced where message.seq > last {
                        // Not the next one: something in between was not announced here.
                        guard message.seq == last + 1, case .enqueued = continuation.yield(message) else {
                            readTable = true
                            break
                        }
                        last = message.seq
                        fullSince = nil
                    }
                    if readTable { continue }
                    // Nothing heard for a whole poll interval: read the table in case an announcement was lost.
                    let interval = listening.withLockedValue { $0 } ? poll : min(poll, .seconds(1))
                    readTable = await !mailbox.wait(upTo: interval)
                }
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { [weak self] _ in
            pump.cancel()
            self?.mailboxes.withLockedValue { waiting in
                waiting[user]?.removeValue(forKey: id)
                if waiting[user]?.isEmpty == true { waiting.removeValue(forKey: user) }
            }
        }
        return stream
    }

    /// Announces, inside the caller's transaction, notifications recorded in it (PostgreSQL
    /// delivers them at commit, to every instance, in commit order and in the order given).
    static func announce(_ notifications: [StoredNotification], on connection: PostgresConnection, logger: Logger) async throws {
        guard !notifications.isEmpty else { return }
        let rows = try await connection.query(
            "SELECT pg_notify(\(channel), payload) FROM unnest(\(notifications.map(Announcement.payload))::text[]) AS payload",
            logger: logger)
        for try await _ in rows {}
    }

    /// How many users have a subscriber here (for /metrics and tests).
    var subscribedUsers: Int { mailboxes.withLockedValue { $0.count } }

    /// Has every subscriber here read the table.
    private func wakeEveryone() {
        let waiting = mailboxes.withLockedValue { $0.values.flatMap(\.values) }
        for mailbox in waiting { mailbox.put(nil) }
    }

    /// Hands an announcement to the subscribers of its user on this instance.
    func deliver(_ payload: String) {
        guard let (user, notification) = Announcement.parse(payload) else { return }
        let waiting = mailboxes.withLockedValue { $0[user].map { Array($0.values) } ?? [] }
        for mailbox in waiting { mailbox.put(notification) }
    }
}

/// What travels on the `NOTIFY` channel: the notification as JSON, or only the user's id when it
/// is too large (subscribers then read it from the table).
enum Announcement {
    static func payload(_ notification: StoredNotification) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        if let data = try? encoder.encode(notification), data.count <= StreamHub.maxAnnouncedBytes {
            return String(decoding: data, as: UTF8.self)
        }
        return notification.userID.uuidString
    }

    /// The user and, unless only the user was announced, the notification.
    static func parse(_ payload: String) -> (UUID, StoredNotification?)? {
        if let user = UUID(uuidString: payload) { return (user, nil) }
        guard let notification = try? JSONDecoder().decode(StoredNotification.self, from: Data(payload.utf8)) else { return nil }
        return (notification.userID, notification)
    }
}

/// One subscriber's inbox of announcements, which its pump waits on with a timeout. Announcements
/// and bare wake-ups that arrive while nobody waits are kept.
final class Mailbox: Sendable {
    private struct State {
        var announced: [StoredNotification] = []
        /// Something was committed that was not announced in full: read the table.
        var woken = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    /// Adds an announced notification, or (nil) a wake-up to read the table.
    func put(_ notification: StoredNotification?) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if let notification { state.announced.append(notification) } else { state.woken = true }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Forgets a wake-up (the pump is about to read the table anyway); keeps announcements.
    func forgetWake() { state.withLockedValue { $0.woken = false } }

    /// Takes what arrived, announcements in the order they were committed.
    func take() -> (announced: [StoredNotification], woken: Bool) {
        state.withLockedValue { state in
            defer {
                state.announced = []
                state.woken = false
            }
            return (state.announced, state.woken)
        }
    }

    /// Waits until something arrives (at once if something did since the last `take`); false after `timeout`.
    func wait(upTo timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let now = self.state.withLockedValue { state -> Bool in
                            if state.woken || !state.announced.isEmpty || Task.isCancelled { return true }
                            state.waiter = continuation
                            return false
                        }
                        if now { continuation.resume() }
                    }
                } onCancel: {
                    self.state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                        defer { state.waiter = nil }
                        return state.waiter
                    }?.resume()
                }
                return true
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
