import CurbsideCore
import CurbsideTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import IntegrationEvents
import NIOConcurrencyHelpers
import Testing

/// Applies what it is given, except events of one aggregate it always refuses.
final class RefusingReceiver: EventReceiver {
    let refused: String
    let applied = NIOLockedValueBox<[UUID]>([])
    init(refusing aggregateID: String) { refused = aggregateID }

    func receive(_ envelope: EventEnvelope) async throws {
        if envelope.aggregateID == refused { throw TestFailure("refused \(envelope.aggregateID)") }
        applied.withLockedValue { $0.append(envelope.id) }
    }
}

/// `events:receiveBatch`: what relays in other processes call, one request per batch.
@Suite struct EventBatchInboxTests {
    static func envelope(_ driver: String) throws -> EventEnvelope {
        try EventEnvelope(UsersV1.DriverApproved(driver: driver, approveTime: Date()), occurTime: Date(), traceID: nil)
    }

    static func body(_ events: [EventEnvelope]) throws -> String {
        let list = try events.map { String(decoding: try $0.encoded(), as: UTF8.self) }.joined(separator: ",")
        return #"{"events":["# + list + "]}"
    }

    @Test func aBatchAppliesWhatItCanAndNamesTheEventsThatFailed() async throws {
        let platform = try await TestPlatform.platform()
        let probe = RefusingReceiver(refusing: "drivers/bad")
        platform.events.local.register(probe, as: "probe")
        try await TestPlatform.withAPI(platform: platform) { api, _ in
            let service = try await api.serviceToken()
            let first = try Self.envelope("drivers/a")
            let refused = try Self.envelope("drivers/bad")
            // Behind the refused event in its aggregate: must not overtake it.
            let heldBack = try Self.envelope("drivers/bad")
            let second = try Self.envelope("drivers/b")
            let reply = try await api.call(
                .post, "/v1/inboxes/probe/events:receiveBatch", token: service, json: try Self.body([first, refused, heldBack, second]))
            #expect(reply.status == 200)
            let failed = (reply.json["failedEvents"] as? [[String: Any]] ?? []).compactMap {
                ($0["eventId"] as? String).flatMap { UUID(uuidString: $0) }
            }
            #expect(Set(failed) == [refused.id, heldBack.id])
            #expect(Set(probe.applied.withLockedValue { $0 }) == [first.id, second.id])
        }
    }

    @Test func theBatchInboxRefusesBadCallsWithClearErrors() async throws {
        var settings = try TestPlatform.settings()
        // Room for 501 envelopes, so that the count is what gets refused, not the size.
        settings.http.maxBodyBytes = 4 << 20
        let platform = try await Platform(settings: settings, logger: TestPlatform.logger)
        platform.events.local.register(RefusingReceiver(refusing: "-"), as: "probe")
        try await TestPlatform.withAPI(platform: platform) { api, _ in
            let path = "/v1/inboxes/probe/events:receiveBatch"
            let one = try Self.body([try Self.envelope("drivers/a")])
            #expect(try await api.call(.post, path, json: one).status == 401)
            let passenger = try await api.newSession()
            #expect(try await api.call(.post, path, token: passenger.accessToken, json: one).status == 403)
            let service = try await api.serviceToken()
            #expect(try await api.call(.post, "/v1/inboxes/nobody/events:receiveBatch", token: service, json: one).status == 404)
            for bad in ["{}", #"{"events":[]}"#, #"{"events":[{"id":"x"}]}"#, "[1,2]", "not json"] {
                let reply = try await api.call(.post, path, token: service, json: bad)
                #expect(reply.status == 400, "\(bad)")
            }
            let tooMany = try Self.body((0...500).map { _ in try Self.envelope("drivers/a") })
            let reply = try await api.call(.post, path, token: service, json: tooMany)
            #expect(reply.status == 400)
            #expect(reply.errorReason == "INVALID_BATCH_SIZE")
        }
    }
}

extension EventBatchInboxTests {
    @Test func theHTTPTransportSendsABatchInOneRequestAndReportsWhatFailed() async throws {
        let subscriberPlatform = try await TestPlatform.platform()
        let probe = RefusingReceiver(refusing: "drivers/bad")
        subscriberPlatform.events.local.register(probe, as: "probe")
        let router = try PlatformApplication.router(platform: subscriberPlatform, modules: [])
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            let transport = HTTPEventTransport(baseURLs: ["probe": base, "missing": base], tokens: subscriberPlatform.tokens)
            let good = try Self.envelope("drivers/a")
            let refused = try Self.envelope("drivers/bad")
            let failures = await transport.deliver(batch: [good, refused], to: "probe")
            #expect(Set(failures.keys) == [refused.id])
            #expect(probe.applied.withLockedValue { $0 } == [good.id])
            // A subscriber the other process does not host: the whole batch failed, nothing lost.
            let unknown = await transport.deliver(batch: [good, refused], to: "missing")
            #expect(Set(unknown.keys) == [good.id, refused.id])
        }
    }
}
