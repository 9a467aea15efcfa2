import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Testing

@testable import Notifications

/// The live channel's core: each user's notifications as a stream that resumes after any sequence
/// number, fed by every instance, never showing one user another's messages.
@Suite(.serialized) struct StreamHubTests {
    func noDriver(_ user: UUID) -> TripsV1.TripNoDriverFound {
        TripsV1.TripNoDriverFound(trip: "trips/\(UUID())", passenger: "users/\(user)", endTime: Date())
    }

    /// The next `count` messages, or a failure after `timeout`.
    func take(
        _ count: Int, from stream: AsyncThrowingStream<LiveMessage, any Error>, timeout: Duration = .seconds(5)
    ) async throws -> [LiveMessage] {
        try await withThrowingTaskGroup(of: [LiveMessage]?.self) { group in
            group.addTask {
                var taken: [LiveMessage] = []
                for try await message in stream {
                    taken.append(message)
                    if taken.count == count { break }
                }
                return taken
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw TestFailure("timed out waiting for \(count) messages") }
            return first
        }
    }

    @Test func aClientThatResumesGetsEveryMessageOnceInOrderAndNoOneElses() async throws {
        // A long poll: only the commit announcements can make these messages arrive in time.
        try await NotificationsTestPlatform.withModules(count: 1, settings: ["curbside.notifications.stream_poll_ms": "60000"]) {
            api, modules, clock in
            let context = NotificationsContext(api: api, module: modules[0], clock: clock)
            let user = UUID()
            let other = UUID()
            let live = modules[0].stream.subscribe(user: user, after: 0)
            for _ in 0..<3 {
                try await context.deliver(noDriver(user))
                try await context.deliver(noDriver(other))
            }
            let first = try await take(3, from: live)
            #expect(first.allSatisfy { $0.userID == user })
            #expect(first.map(\.seq) == first.map(\.seq).sorted() && Set(first.map(\.notificationID)).count == 3)

            // Disconnected (the stream dropped), two more arrive; resuming after the last seen gets exactly those.
            for _ in 0..<2 { try await context.deliver(noDriver(user)) }
            let resumed = modules[0].stream.subscribe(user: user, after: first.last!.seq)
            let rest = try await take(2, from: resumed)
            #expect(rest.allSatisfy { $0.userID == user && $0.seq > first.last!.seq })
            #expect(Set(first.map(\.notificationID)).isDisjoint(with: rest.map(\.notificationID)))
            let everything = try await context.stored(user)
            #expect((first + rest).map(\.notificationID) == everything.map(\.id))
        }
    }

    @Test func aMessageReachesTheUserWhateverInstanceHoldsTheConnection() async throws {
        try await NotificationsTestPlatform.withModules(count: 2, settings: ["curbside.notifications.stream_poll_ms": "60000"]) {
            api, modules, _ in
            let user = UUID()
            // Connected to instance B; the event is processed by instance A. B polls only every
            // minute, so arriving within seconds means A's commit announcement woke it.
            let onB = modules[1].stream.subscribe(user: user, after: 0)
            try await Task.sleep(for: .milliseconds(300))  // B's listener is up
            try await NotificationsContext(api: api, module: modules[0], clock: MovableClock()).deliver(noDriver(user))
            let received = try await take(1, from: onB, timeout: .seconds(5))
            #expect(received.map(\.userID) == [user])
        }
    }

    @Test func aClientThatFallsBehindIsCutOffAndResumesWithoutLoss() async throws {
        try await NotificationsTestPlatform.withModules(
            count: 1, settings: ["curbside.notifications.stream_buffer_limit": "3", "curbside.notifications.stream_slow_client_grace_ms": "200"]
        ) {
            api, modules, clock in
            let context = NotificationsContext(api: api, module: modules[0], clock: clock)
            let user = UUID()
            for _ in 0..<8 { try await context.deliver(noDriver(user)) }
            // Not read for longer than the grace period while eight wait: the stream ends rather than
            // buffering without bound. A reader that keeps up gets all eight through a buffer of three.
            let slow = modules[0].stream.subscribe(user: user, after: 0)
            try await Task.sleep(for: .milliseconds(500))
            var got: [LiveMessage] = []
            var ending: (any Error)?
            do {
                for try await message in slow { got.append(message) }
            } catch {
                ending = error
            }
            #expect(ending as? StreamHub.End == .tooSlow)
            #expect(got.count == 3)
            let resumed = try await take(5, from: modules[0].stream.subscribe(user: user, after: got.last!.seq))
            #expect((got + resumed).map(\.notificationID) == (try await context.stored(user)).map(\.id))
        }
    }

    /// Records a notification for `user` straight through the store, announced or not.
    func record(_ context: NotificationsContext, for user: UUID, note: String = "", announced: Bool) async throws {
        let draft = NotificationDraft(
            recipient: user, kind: "trip.noDriverFound", category: .tripUpdates, data: ["note": note], push: nil, inbox: true)
        try await context.database.transaction(logger: context.logger) { connection in
            let stored = try await NotificationRecorder().record(
                [.init(draft: draft, title: "No driver available", body: "", eventID: UUID(), devices: [])], now: Date(), on: connection,
                logger: context.logger)
            if announced { try await StreamHub.announce(stored, on: connection, logger: context.logger) }
        }
    }

    @Test func aGapInTheAnnouncementsIsFilledFromTheTableInOrder() async throws {
        // A long poll: only an announcement can make anything arrive in time.
        try await NotificationsTestPlatform.withModules(count: 1, settings: ["curbside.notifications.stream_poll_ms": "60000"]) {
            api, modules, clock in
            let context = NotificationsContext(api: api, module: modules[0], clock: clock)
            let user = UUID()
            let live = modules[0].stream.subscribe(user: user, after: 0)
            try await Task.sleep(for: .milliseconds(300))  // the listener is up
            try await record(context, for: user, announced: true)
            let first = try await take(1, from: live)
            // The second is never announced (as if the listener were reconnecting); the third is.
            try await record(context, for: user, announced: false)
            try await record(context, for: user, announced: true)
            let rest = try await take(2, from: live)
            #expect((first + rest).map(\.seq) == [1, 2, 3])
            #expect((first + rest).map(\.notificationID) == (try await context.stored(user)).map(\.id))
        }
    }

    @Test func aNotificationTooLargeToAnnounceIsReadFromTheTable() async throws {
        try await NotificationsTestPlatform.withModules(count: 1, settings: ["curbside.notifications.stream_poll_ms": "60000"]) {
            api, modules, clock in
            let context = NotificationsContext(api: api, module: modules[0], clock: clock)
            let user = UUID()
            let live = modules[0].stream.subscribe(user: user, after: 0)
            try await Task.sleep(for: .milliseconds(300))
            let large = String(repeating: "x", count: 10_000)
            try await record(context, for: user, note: large, announced: true)
            let received = try await take(1, from: live)
            let json = try JSONSerialization.jsonObject(with: Data(received[0].text.utf8)) as? [String: Any]
            #expect((json?["data"] as? [String: String])?["note"] == large)
            #expect(Announcement.payload(received[0]) == user.uuidString)
        }
    }

    @Test func whatWasCommittedWhileTheListenerWasDownArrivesWhenItReconnects() async throws {
        try await NotificationsTestPlatform.withModules(count: 1, settings: ["curbside.notifications.stream_poll_ms": "60000"]) {
            api, modules, clock in
            let context = NotificationsContext(api: api, module: modules[0], clock: clock)
            let user = UUID()
            let live = modules[0].stream.subscribe(user: user, after: 0)
            try await Task.sleep(for: .milliseconds(300))
            // The database drops the listening connection (a restart, a failover); meanwhile a
            // message is committed that nobody hears announced.
            _ = try await context.database.readPrimary { client in
                try await client.query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%curbside_stream%'",
                    logger: context.logger)
            }
            try await record(context, for: user, announced: false)
            let received = try await take(1, from: live, timeout: .seconds(10))
            #expect(received.map(\.seq) == [1])
        }
    }
}
