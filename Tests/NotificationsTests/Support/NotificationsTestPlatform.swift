import CurbsideCore
import CurbsideTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import IntegrationEvents
import Logging
import PostgresNIO

@testable import Notifications

/// Notifications modules on the cluster `make test` started, with their schema migrated once per process.
enum NotificationsTestPlatform {
    private static let migrated = MigrationOnce(service: .notifications, migrations: NotificationsModule.migrations)

    static var logger: Logger { TestEnvironment.logger }

    /// Runs `body` with a notifications module (behind a router) whose pushes go to `sender`.
    static func withModule(
        sender: any PushSender = RecordingPushSender(), _ body: @Sendable (NotificationsContext) async throws -> Void
    ) async throws {
        try await withModules(count: 1, settings: [:], sender: sender) { api, modules, clock in
            try await body(NotificationsContext(api: api, module: modules[0], clock: clock))
        }
    }

    /// Several instances of the module on one database (each with its stream listener running),
    /// the first behind the router.
    static func withModules(
        count: Int, settings extra: [String: String], sender: any PushSender = RecordingPushSender(),
        _ body: @Sendable (TestAPI, [NotificationsModule], MovableClock) async throws -> Void
    ) async throws {
        let platform = extra.isEmpty ? try await TestEnvironment.platform() : try await TestEnvironment.platform(extra)
        try await migrated.run(platform.settings)
        let clock = MovableClock()
        let modules = try (0..<count).map { _ in
            try NotificationsModule(platform: platform, routing: .curbside, sender: sender, clock: NotificationsClock(clock.source))
        }
        let router = try PlatformApplication.router(platform: platform, modules: [modules[0]])
        var app = Application(router: router, logger: logger)
        for module in modules {
            for client in module.databases.clients { app.addServices(client) }
            app.addServices(module.stream)
        }
        try await app.test(.router) { client in
            try await body(TestAPI(client: client, platform: platform), modules, clock)
        }
    }
}

/// One test's module, API and clock, and the steps most notifications tests share.
struct NotificationsContext: Sendable {
    let api: TestAPI
    let module: NotificationsModule
    let clock: MovableClock

    var logger: Logger { NotificationsTestPlatform.logger }
    var database: Database { module.databases.platform }

    /// Registers a device for `user` through the API.
    @discardableResult
    func register(_ user: UUID, token: String, device: String = "phone", locale: String = "en") async throws -> Reply {
        let access = try await api.token(.passenger, userID: user)
        return try await api.call(
            .patch, "/v1/users/me/devices/\(device)", token: access,
            json: #"{"platform":"ANDROID","fcmToken":"\#(token)","appVersion":"1.0.0","locale":"\#(locale)"}"#)
    }

    /// Delivers an event to the notifications subscriber, as the relay does.
    func deliver(_ event: some IntegrationEvent, id: UUID = UUID()) async throws {
        let envelope = try EventEnvelope(event, id: id, occurTime: Date(), traceID: nil)
        guard let receiver = module.eventReceivers[EventRouting.notifications] else { throw TestFailure("no receiver") }
        try await receiver.receive(envelope)
    }

    /// Runs the push worker until nothing is due: the test database keeps other tests' pushes (and
    /// earlier runs' when it is reused), so one pass of a batch need not reach this test's push.
    func sendDuePushes() async throws {
        for _ in 0..<1_000 {
            if try await module.pushWorker.pass() == 0 { return }
        }
        throw TestFailure("pushes still due after 1,000 passes")
    }

    /// The user's notifications, oldest first, straight from the table.
    func stored(_ user: UUID) async throws -> [StoredNotification] {
        try await module.inbox.notifications.since(user: user, seq: 0, limit: 1_000, on: database, logger: logger)
    }

    /// Push deliveries by state for the user's notifications.
    func pushStates(_ user: UUID) async throws -> [String] {
        try await database.readPrimary { client in
            let rows = try await client.query(
                """
                SELECT p.state FROM platform.push_deliveries p JOIN platform.notifications n ON n.id = p.notification_id
                WHERE n.user_id = \(user) ORDER BY n.seq
                """, logger: logger)
            var states: [String] = []
            for try await state in rows.decode(String.self) { states.append(state) }
            return states
        }
    }
}
