import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Testing

@testable import Notifications

/// The push worker against a sender that answers as scripted: each FCM outcome leaves the right trace.
@Suite(.serialized) struct PushWorkerTests {
    /// Answers each token's sends from its script (then "sent"), and remembers every call.
    actor ScriptedSender: PushSender {
        var scripts: [String: [PushResult]] = [:]
        var calls: [(token: String, attempt: Int)] = []

        func script(_ token: String, _ results: [PushResult]) { scripts[token] = results }

        func send(_ message: PushMessage, attempt: Int) async -> PushResult {
            calls.append((message.token, attempt))
            guard var queue = scripts[message.token], !queue.isEmpty else { return .sent(messageID: "m-\(calls.count)") }
            let next = queue.removeFirst()
            scripts[message.token] = queue
            return next
        }

        func count(_ token: String) -> Int { calls.filter { $0.token == token }.count }
    }

    func arrival(for passenger: UUID) -> TripsV1.TripDriverArrived {
        TripsV1.TripDriverArrived(
            trip: "trips/\(UUID())", passenger: "users/\(passenger)", driver: "drivers/\(UUID())", arriveTime: Date())
    }

    @Test func aTokenFCMNoLongerKnowsRemovesTheRegistration() async throws {
        let sender = ScriptedSender()
        try await NotificationsTestPlatform.withModule(sender: sender) { context in
            let user = UUID()
            let token = "gone-\(user)"
            await sender.script(token, [.tokenGone(reason: "UNREGISTERED")])
            try await context.register(user, token: token)
            try await context.deliver(arrival(for: user))
            try await context.sendDuePushes()
            let access = try await context.api.token(.passenger, userID: user)
            let devices = try await context.api.call(.get, "/v1/users/me/devices", token: access)
            #expect((devices["devices"] as? [[String: Any]])?.isEmpty == true, "\(devices.text)")
            #expect(try await context.pushStates(user).isEmpty)
            // The inbox still has it.
            #expect(try await context.stored(user).count == 1)
        }
    }

    @Test func aPushToRetryWaitsAtLeastAsLongAsFCMAsked() async throws {
        let sender = ScriptedSender()
        try await NotificationsTestPlatform.withModule(sender: sender) { context in
            let user = UUID()
            let token = "busy-\(user)"
            await sender.script(token, [.retry(after: .seconds(120), reason: "QUOTA_EXCEEDED")])
            try await context.register(user, token: token)
            try await context.deliver(arrival(for: user))
            try await context.sendDuePushes()
            context.clock.advance(60)
            try await context.sendDuePushes()
            #expect(await sender.count(token) == 1)
            #expect(try await context.pushStates(user) == ["PENDING"])
            context.clock.advance(61)
            try await context.sendDuePushes()
            #expect(await sender.count(token) == 2)
            #expect(await sender.calls.last { $0.token == token }?.attempt == 1)
            #expect(try await context.pushStates(user) == ["SENT"])
        }
    }

    @Test func aRefusedPushIsNotRetriedAndAnExpiredOneIsNotSent() async throws {
        let sender = ScriptedSender()
        try await NotificationsTestPlatform.withModule(sender: sender) { context in
            let user = UUID()
            let token = "bad-\(user)"
            await sender.script(token, [.rejected(reason: "INVALID_ARGUMENT")])
            try await context.register(user, token: token)
            try await context.deliver(arrival(for: user))
            try await context.sendDuePushes()
            context.clock.advance(3_600)
            try await context.sendDuePushes()
            #expect(await sender.count(token) == 1)
            #expect(try await context.pushStates(user) == ["FAILED"])

            // An offer's push lives only until the offer expires.
            let driver = UUID()
            let driverToken = "late-\(driver)"
            try await context.register(driver, token: driverToken)
            try await context.deliver(
                DispatchV1.OfferCreated(
                    offer: "offers/\(UUID())", trip: "trips/\(UUID())", driver: "drivers/\(driver)",
                    pickup: GeoPoint(latitude: 1, longitude: 1), dropoff: GeoPoint(latitude: 1, longitude: 1.01), pickupEtaSeconds: 60,
                    expireTime: Date().addingTimeInterval(15), createTime: Date()))
            context.clock.advance(30)
            try await context.sendDuePushes()
            #expect(await sender.count(driverToken) == 0)
            #expect(try await context.pushStates(driver) == ["EXPIRED"])
        }
    }
}
