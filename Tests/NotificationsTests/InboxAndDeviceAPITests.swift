import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents
import Testing

@testable import Notifications

/// Devices and the inbox through the API, as the apps use them.
@Suite struct InboxAndDeviceAPITests {
    @Test func theAppRegistersRefreshesAndRemovesItsDevice() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let user = UUID()
            let access = try await context.api.token(.driver, userID: user)
            let first = try await context.api.call(
                .patch, "/v1/users/me/devices/install-1", token: access, json: #"{"platform":"IOS","fcmToken":"t1-\#(user)","locale":"de"}"#)
            #expect(first.status == 200 && first.string("name") == "users/\(user.uuidString.lowercased())/devices/install-1", "\(first.text)")
            // A new FCM token for the same install refreshes the registration.
            let refreshed = try await context.api.call(
                .patch, "/v1/users/me/devices/install-1", token: access,
                json: #"{"platform":"IOS","fcmToken":"t2-\#(user)","appVersion":"2.1","locale":"de"}"#)
            #expect(refreshed.string("appVersion") == "2.1")
            let listed = try await context.api.call(.get, "/v1/users/me/devices", token: access)
            #expect(((listed["devices"] as? [[String: Any]]) ?? []).count == 1)
            #expect(!listed.text.contains("t2-"), "the token is never echoed")
            // The same token registered by someone else (the phone changed hands) moves.
            let other = UUID()
            _ = try await context.register(other, token: "t2-\(user)")
            let after = try await context.api.call(.get, "/v1/users/me/devices", token: access)
            #expect(((after["devices"] as? [[String: Any]]) ?? []).isEmpty)
            #expect(try await context.api.call(.delete, "/v1/users/me/devices/install-1", token: access).status == 404)
            let otherAccess = try await context.api.token(.passenger, userID: other)
            #expect(try await context.api.call(.delete, "/v1/users/me/devices/phone", token: otherAccess).status == 200)

            for (body, label) in [
                (#"{"platform":"IOS","fcmToken":""}"#, "empty token"), (#"{"platform":"IOS","fcmToken":"x","locale":"a b"}"#, "bad locale"),
                (#"{"platform":"SYMBIAN","fcmToken":"x"}"#, "unknown platform"),
            ] {
                let reply = try await context.api.call(.patch, "/v1/users/me/devices/install-2", token: access, json: body)
                #expect(reply.status == 400, "\(label): \(reply.text)")
            }
            #expect(
                try await context.api.call(
                    .patch, "/v1/users/me/devices/bad%20key", token: access, json: #"{"platform":"IOS","fcmToken":"x"}"#
                ).status == 400)
            #expect(try await context.api.call(.get, "/v1/users/\(other)/devices", token: access).status == 403)
            #expect(try await context.api.call(.get, "/v1/users/\(other)/devices", token: try await context.api.token(.admin)).status == 200)
        }
    }

    @Test func oneTokenRegisteredByManyAtOnceEndsWithTheLastAndFailsNone() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let token = "shared-\(UUID())"
            let users = (0..<6).map { _ in UUID() }
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for user in users { group.addTask { try await context.register(user, token: token) } }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.map(\.text))")
            let holders = try await context.database.readPrimary { client in
                let rows = try await client.query(
                    "SELECT count(*)::int FROM platform.devices WHERE fcm_token = \(token)", logger: context.logger)
                for try await count in rows.decode(Int.self) { return count }
                return 0
            }
            #expect(holders == 1)
        }
    }

    @Test func theInboxListsNewestFirstCountsUnreadAndMarksRead() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let passenger = UUID()
            let access = try await context.api.token(.passenger, userID: passenger)
            for _ in 0..<3 {
                try await context.deliver(
                    TripsV1.TripNoDriverFound(trip: "trips/\(UUID())", passenger: "users/\(passenger)", endTime: Date()))
                context.clock.advance(1)
            }
            let page = try await context.api.call(.get, "/v1/users/me/notifications?pageSize=2", token: access)
            let items = (page["notifications"] as? [[String: Any]]) ?? []
            #expect(items.count == 2 && page["unreadCount"] as? Int == 3, "\(page.text)")
            #expect(items.first?["title"] as? String == "No driver available")
            let newest = try #require(items.first?["name"] as? String)
            let read = try await context.api.call(.post, "/v1/\(newest):markRead", token: access, json: "{}")
            #expect(read["read"] as? Bool == true, "\(read.text)")
            let unread = try await context.api.call(.get, "/v1/users/me/notifications?filter=read%20%3D%20false", token: access)
            #expect(((unread["notifications"] as? [[String: Any]]) ?? []).count == 2 && unread["unreadCount"] as? Int == 2)
            let next = try await context.api.call(
                .get, "/v1/users/me/notifications?pageSize=2&pageToken=\(try #require(page.string("nextPageToken")))", token: access)
            #expect(((next["notifications"] as? [[String: Any]]) ?? []).count == 1)
            let all = try await context.api.call(.post, "/v1/users/me/notifications:markAllRead", token: access, json: "{}")
            #expect(all["marked"] as? Int == 2)
            #expect(try await context.api.call(.get, "/v1/users/me/notifications", token: access)["unreadCount"] as? Int == 0)

            let stranger = try await context.api.token(.passenger)
            #expect(try await context.api.call(.get, "/v1/users/\(passenger)/notifications", token: stranger).status == 403)
            let strangersMark = try await context.api.call(
                .post, "/v1/users/\(passenger)/notifications/\(newest.split(separator: "/").last!):markRead", token: stranger, json: "{}")
            #expect(strangersMark.status == 403)
            #expect(try await context.api.call(.get, "/v1/users/me/notifications?filter=kind%3Dx", token: access).status == 400)
        }
    }

    @Test func liveOnlyMessagesGoAfterTheStreamWindowAndTheInboxKeepsItsOwnLonger() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let driver = UUID()
            try await context.deliver(
                DispatchV1.OfferCreated(
                    offer: "offers/\(UUID())", trip: "trips/\(UUID())", driver: "drivers/\(driver)",
                    pickup: GeoPoint(latitude: 1, longitude: 1), dropoff: GeoPoint(latitude: 1, longitude: 1.01), pickupEtaSeconds: 60,
                    expireTime: Date().addingTimeInterval(15), createTime: Date()))
            try await context.deliver(
                PaymentsV1.TipAdded(
                    payment: "payments/\(UUID())", trip: "trips/\(UUID())", passenger: "users/\(UUID())", driver: "drivers/\(driver)",
                    amount: MoneyAmount(currencyCode: "USD", minorUnits: 300), tipTime: Date()))
            #expect(try await context.stored(driver).map(\.kind) == ["offer.created", "payment.tip"])
            context.clock.advance(73 * 3600)
            try await context.module.maintenance.purge()
            #expect(try await context.stored(driver).map(\.kind) == ["payment.tip"])
            context.clock.advance(91 * 86_400)
            try await context.module.maintenance.purge()
            #expect(try await context.stored(driver).isEmpty)
        }
    }

    @Test func tripAndPaymentMessagesCannotBeTurnedOffPromotionsCan() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let access = try await context.api.token(.passenger)
            let initial = try await context.api.call(.get, "/v1/users/me/notificationPreferences", token: access)
            #expect(((initial["categories"] as? [[String: Any]]) ?? []).allSatisfy { $0["enabled"] as? Bool == true }, "\(initial.text)")
            let off = try await context.api.call(
                .patch, "/v1/users/me/notificationPreferences", token: access,
                json: #"{"categories":[{"category":"PROMOTIONS","enabled":false}]}"#)
            let promotions = ((off["categories"] as? [[String: Any]]) ?? []).first { $0["category"] as? String == "PROMOTIONS" }
            #expect(promotions?["enabled"] as? Bool == false, "\(off.text)")
            let refused = try await context.api.call(
                .patch, "/v1/users/me/notificationPreferences", token: access,
                json: #"{"categories":[{"category":"TRIP_UPDATES","enabled":false}]}"#)
            #expect(refused.status == 400)
        }
    }
}
