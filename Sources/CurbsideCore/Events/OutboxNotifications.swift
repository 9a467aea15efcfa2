import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// Wakes relays the moment a writer commits events (`NOTIFY curbside_outbox`, sent by
/// ``OutboxWriter`` and delivered by PostgreSQL at commit), so delivery does not wait for the next
/// poll. Polling stays as the safety net: a lost connection or notification only costs latency.
public final class OutboxNotifications: Service, Sendable {
    let listener: PostgresListener
    /// Waiting relays, and whether a notification came while nobody was waiting (the next wait then
    /// returns at once: a commit during a relay's pass must not wait for the poll).
    private let state = NIOLockedValueBox<(waiters: [UUID: CheckedContinuation<Void, Never>], missed: Bool)>(([:], false))

    public init(connection: PostgresClientConfiguration, logger: Logger) {
        listener = PostgresListener(configuration: connection, channel: OutboxRelay.channel, logger: logger)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.listener.run(listening: { self.wakeAll() }, stopped: {}, notification: { _ in self.wakeAll() })
        }
        wakeAll()
    }

    /// Returns at the next notification, or after `timeout`, whichever comes first.
    public func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.nextNotification() }
            await group.next()
            group.cancelAll()
        }
    }

    private func nextNotification() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if Task.isCancelled { return true }
                    if state.missed {
                        state.missed = false
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    private func wakeAll() {
        let all = state.withLockedValue { state in
            defer { state.waiters.removeAll() }
            if state.waiters.isEmpty { state.missed = true }
            return Array(state.waiters.values)
        }
        for waiter in all { waiter.resume() }
    }
}
