import CurbsideCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import Notifications

/// When each live-channel message was announced, as any notifications instance hears it.
///
/// The service announces a notification on a PostgreSQL channel as its transaction commits; every
/// instance listens there and forwards the message to its sockets. The benchmark listens on the same
/// channel and notes when it heard each `(user, seq)`: the start of the fan-out step, which the
/// issue's goal is about, apart from the inbox's transaction that precedes it.
final class AnnouncementWatch: Sendable {
    private struct Key: Hashable {
        let user: UUID
        let seq: Int64
    }

    private let heard = NIOLockedValueBox<[Key: Date]>([:])
    private let listening = NIOLockedValueBox(false)

    /// Listens until the task is cancelled.
    func run(settings: PlatformSettings, logger: Logger) async {
        let database = settings.database
        let configuration = DatabaseCredentials(settings: database).configuration(
            service: .notifications, role: .platform, host: database.host, port: database.port)
        let listener = PostgresListener(configuration: configuration, channel: StreamHub.channel, logger: logger)
        await listener.run(
            listening: { self.listening.withLockedValue { $0 = true } },
            stopped: { self.listening.withLockedValue { $0 = false } },
            notification: { self.note($0, at: Date()) })
    }

    /// Returns once the channel is being listened to (messages announced before are not timed).
    func waitUntilListening() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !listening.withLockedValue({ $0 }) {
            guard ContinuousClock.now < deadline else { throw WatchNotListening() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// When the message `seq` of `user` was heard, if it was.
    func announceTime(user: UUID, seq: Int64) -> Date? {
        heard.withLockedValue { $0[Key(user: user, seq: seq)] }
    }

    /// Read with the service's own parser, so the benchmark follows the announcement's format.
    private func note(_ payload: String, at time: Date) {
        guard let (user, message) = Announcement.parse(payload), let seq = message?.seq else { return }
        heard.withLockedValue { $0[Key(user: user, seq: seq)] = time }
    }
}

/// The benchmark could not listen on the notifications service's channel.
struct WatchNotListening: Error, CustomStringConvertible {
    var description: String { "could not LISTEN on the live channel's announcements within 10 s" }
}
