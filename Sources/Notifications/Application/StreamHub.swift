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
/// `NOTIFY curbside_stream '<user>'`; each instance listens once and wakes its subscribers of that
/// user, so a message reaches the user whatever instance holds the connection. Each subscriber
/// has a bounded buffer: when it is full the subscriber's reader pauses (the rows wait in the
/// database), and a subscriber that stays full past a grace period is ended (it resumes from its
/// last sequence number) rather than buffered without bound or allowed to slow anyone else.
public final class StreamHub: Service, Sendable {
    /// The PostgreSQL channel commits announce users on.
    public static let channel = "curbside_stream"

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
    private let wakers = NIOLockedValueBox<[UUID: [UUID: @Sendable () -> Void]]>([:])

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
    /// poll meanwhile, so a lost notification costs latency, never a message).
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await SingleConnection.with(self.listener, logger: self.logger) { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            for try await notification in notifications {
                                if let user = UUID(uuidString: notification.payload) { self.wake(user) }
                            }
                        }
                    }
                } catch {
                    if !Task.isCancelled {
                        self.logger.debug("stream listener reconnecting", metadata: ["error.message": "\(String(reflecting: error))"])
                    }
                }
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
        let signal = Signal()
        wakers.withLockedValue { $0[user, default: [:]][id] = { signal.fire() } }
        let (limit, grace, poll) = (200, slowClientGrace, pollInterval)
        let pump = Task {
            var last = seq
            // Since when the consumer's buffer has been full: a burst may fill it for a moment, a
            // consumer that stays behind for `grace` is cut off.
            var fullSince: ContinuousClock.Instant?
            do {
                while !Task.isCancelled {
                    // Read everything after the last message enqueued before waiting: a commit between
                    // the read and the wait fires the signal, which the wait then sees at once.
                    signal.reset()
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
                    await signal.wait(upTo: poll)
                }
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { [weak self] _ in
            pump.cancel()
            self?.wakers.withLockedValue { waiting in
                waiting[user]?.removeValue(forKey: id)
                if waiting[user]?.isEmpty == true { waiting.removeValue(forKey: user) }
            }
        }
        return stream
    }

    /// Announces, inside the caller's transaction, that `user` has new notifications (PostgreSQL
    /// delivers it at commit, to every instance).
    static func announce(_ user: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(channel), \(user.uuidString))", logger: logger)
    }

    /// How many users have a subscriber here (for /metrics and tests).
    var subscribedUsers: Int { wakers.withLockedValue { $0.count } }

    private func wake(_ user: UUID) {
        let waiting = wakers.withLockedValue { $0[user].map { Array($0.values) } ?? [] }
        for wake in waiting { wake() }
    }
}

/// A one-shot wake-up a pump can wait on with a timeout; a fire while nobody waits is kept.
final class Signal: Sendable {
    private let state = NIOLockedValueBox<(fired: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func fire() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.fired = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    func reset() { state.withLockedValue { $0.fired = false } }

    /// Returns when fired (at once if it fired since the last reset) or after `timeout`.
    func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let now = self.state.withLockedValue { state -> Bool in
                            if state.fired || Task.isCancelled {
                                state.fired = false
                                return true
                            }
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
            }
            await group.next()
            group.cancelAll()
        }
    }
}
