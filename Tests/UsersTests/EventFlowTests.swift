import CurbsideCore
import CurbsideTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import IntegrationEvents
import NIOConcurrencyHelpers
import Testing

@testable import Users

/// Collects what it receives.
final class CollectingReceiver: EventReceiver {
    let received = NIOLockedValueBox<[EventEnvelope]>([])
    func receive(_ envelope: EventEnvelope) async throws { received.withLockedValue { $0.append(envelope) } }
}

/// Events from the users service reaching a subscriber in another process over HTTP, and the
/// analytics export, as the platform wires them.
@Suite struct EventFlowTests {
    @Test func aDriverApprovalReachesASubscriberInAnotherProcess() async throws {
        // The subscriber's process: a platform hosting the "probe" inbox.
        let probe = CollectingReceiver()
        let subscriberPlatform = try await TestPlatform.platform()
        let subscriberRouter = try PlatformApplication.router(platform: subscriberPlatform, modules: [])
        subscriberPlatform.events.local.register(probe, as: "probe")
        let subscriberApp = Application(router: subscriberRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await subscriberApp.test(.live) { subscriberClient in
            // The publisher's process: users, routing approvals to the probe at the subscriber's URL.
            var settings = try TestPlatform.settings()
            settings.events.subscriberURLs = ["probe": "http://127.0.0.1:\(subscriberClient.port!)"]
            settings.events.exportDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("flow-\(UUID())").path
            settings.events.exportMaxAge = .zero
            let platform = try await Platform(settings: settings, logger: TestPlatform.logger)
            let routing = EventRouting(byType: [UsersV1.DriverApproved.eventType: ["probe"]], everything: [EventRouting.analytics])
            try await TestPlatform.withAPI(platform: platform, routing: routing) { api, module in
                let driver = try await api.signUp(role: "DRIVER")
                let admin = try await api.adminSession(module: module)
                _ = try await api.call(.post, "/v1/drivers/\(driver.id):approve", token: admin.accessToken, json: "{}")

                let services = PlatformApplication.eventServices(for: module, platform: platform)
                let relay = try #require(services.compactMap { $0 as? OutboxRelay }.first)
                let exporter = try #require(services.compactMap { $0 as? AnalyticsExporter }.first)
                for _ in 0..<50 where !probe.received.withLockedValue({ $0.contains { $0.aggregateID == "drivers/\(driver.id)" } }) {
                    _ = try await relay.runOnce()
                    try await Task.sleep(for: .milliseconds(20))
                }
                let delivered = try #require(probe.received.withLockedValue { $0.first { $0.aggregateID == "drivers/\(driver.id)" } })
                let event = try #require(try delivered.decode(as: UsersV1.DriverApproved.self))
                #expect(event.driver == "drivers/\(driver.id)")

                let files = try await exporter.runOnce()
                #expect(files.contains { $0.path.contains("/users.v1.DriverApproved/event_date=") })
            }
        }
    }

    @Test func theInboxAcceptsOnlyServiceIdentities() async throws {
        try await TestPlatform.withAPI { api, _ in
            let passenger = try await api.newSession()
            let body = try String(
                decoding: EventEnvelope(UsersV1.DriverApproved(driver: "drivers/x", approveTime: Date()), occurTime: Date(), traceID: nil)
                    .encoded(), as: UTF8.self)
            #expect(try await api.call(.post, "/v1/inboxes/probe/events:receive", json: body).status == 401)
            #expect(try await api.call(.post, "/v1/inboxes/probe/events:receive", token: passenger.accessToken, json: body).status == 403)
            let service = try await api.serviceToken()
            #expect(try await api.call(.post, "/v1/inboxes/nobody/events:receive", token: service, json: body).status == 404)
            #expect(try await api.call(.post, "/v1/inboxes/nobody/events:receive", token: service, json: "{}").status == 400)
        }
    }

    @Test func adminsSeeParkedEventsAndRequeueThem() async throws {
        var settings = try TestPlatform.settings()
        settings.events.maxAttempts = 1
        let platform = try await Platform(settings: settings, logger: TestPlatform.logger)
        // "nowhere" has no receiver in this process and no URL: every delivery to it fails.
        let routing = EventRouting(byType: [UsersV1.DriverSuspended.eventType: ["nowhere"]], everything: [])
        try await TestPlatform.withAPI(platform: platform, routing: routing) { api, module in
            let driver = try await api.signUp(role: "DRIVER")
            let admin = try await api.adminSession(module: module)
            _ = try await api.call(.post, "/v1/drivers/\(driver.id):approve", token: admin.accessToken, json: "{}")
            _ = try await api.call(.post, "/v1/drivers/\(driver.id):suspend", token: admin.accessToken, json: #"{"reason":"test"}"#)
            let relay = try #require(PlatformApplication.eventServices(for: module, platform: platform).compactMap { $0 as? OutboxRelay }.first)
            _ = try await relay.runOnce()

            let base = "/v1/outboxes/users/subscribers/nowhere/parkedEvents"
            var parked: [[String: Any]] = []
            var token: String?
            repeat {
                let page = try await api.call(.get, base + "?pageSize=1" + (token.map { "&pageToken=\($0)" } ?? ""), token: admin.accessToken)
                #expect(page.status == 200)
                parked += page.json["parkedEvents"] as? [[String: Any]] ?? []
                token = page.string("nextPageToken")
            } while token != nil
            let mine = try #require(parked.first { $0["aggregate"] as? String == "driver/drivers/\(driver.id)" })
            #expect(mine["type"] as? String == "users.v1.DriverSuspended")
            #expect(mine["attempts"] as? Int == 1)
            let event = try #require(mine["event"] as? String)

            #expect(try await api.call(.post, "\(base)/\(event):requeue", token: admin.accessToken, json: "{}").status == 200)
            #expect(try await api.call(.post, "\(base)/\(event):requeue", token: admin.accessToken, json: "{}").status == 404)
            let after = try await api.call(.get, base + "?pageSize=1000", token: admin.accessToken)
            #expect(!(after.json["parkedEvents"] as? [[String: Any]] ?? []).contains { $0["event"] as? String == event })
        }
    }
}
