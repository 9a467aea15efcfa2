import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import Notifications

/// The operator's promotions: words in each user's language, only to those who want them, each
/// recipient once however many instances send.
@Suite struct PromotionTests {
    static let texts = """
        [{"languageCode":"en","title":"Rainy day?","body":"20% off your next ride."},
         {"languageCode":"de","title":"Regentag?","body":"20 % Rabatt auf deine nächste Fahrt."}]
        """

    func create(_ context: NotificationsContext, recipients: [UUID]?, requestID: UUID = UUID()) async throws -> Reply {
        let listed = recipients.map { #","recipients":[\#($0.map { "\"users/\($0.uuidString.lowercased())\"" }.joined(separator: ","))]"# }
        return try await context.api.call(
            .post, "/v1/promotions?requestId=\(requestID)", token: try await context.api.token(.admin),
            json: #"{"texts":\#(Self.texts)\#(listed ?? "")}"#)
    }

    /// Runs the module's sender until it finds nothing to send.
    func sendAll(_ sender: PromotionSender) async throws {
        while try await sender.pass() {}
    }

    @Test func listedUsersGetItInTheirLanguageExceptThoseWhoTurnedPromotionsOff() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let (english, german, optedOut, noDevice) = (UUID(), UUID(), UUID(), UUID())
            try await context.register(english, token: "tok-\(english)")
            try await context.register(german, token: "tok-\(german)", locale: "de-AT")
            try await context.register(optedOut, token: "tok-\(optedOut)")
            let off = try await context.api.call(
                .patch, "/v1/users/me/notificationPreferences", token: try await context.api.token(.passenger, userID: optedOut),
                json: #"{"categories":[{"category":"PROMOTIONS","enabled":false}]}"#)
            #expect(off.status == 200, "\(off.text)")

            let created = try await create(context, recipients: [english, german, optedOut, noDevice])
            #expect(created.status == 200, "\(created.text)")
            #expect(created.string("state") == "SENDING" && created.string("audience") == "LISTED_USERS")
            let name = try #require(created.string("name"))
            try await sendAll(context.module.promotionSender)

            let sent = try await context.api.call(.get, "/v1/\(name)", token: try await context.api.token(.admin))
            #expect(sent.string("state") == "SENT" && sent["completeTime"] != nil, "\(sent.text)")
            #expect(sent["recipientCount"] as? Int == 4 && sent["sentCount"] as? Int == 3 && sent["skippedCount"] as? Int == 1)
            // Only this test's promotion (another test's may go to everyone with a device).
            func received(_ user: UUID) async throws -> [StoredNotification] {
                try await context.stored(user).filter { $0.data["promotion"] == name }
            }
            #expect(try await received(english).map(\.title) == ["Rainy day?"])
            #expect(try await received(german).map(\.title) == ["Regentag?"])
            #expect(try await received(optedOut).isEmpty)
            // Without a device it still waits in the inbox, in English.
            let inbox = try await received(noDevice)
            #expect(inbox.map(\.body) == ["20% off your next ride."] && inbox.first?.inInbox == true)
            #expect(inbox.first?.category == .promotions && inbox.first?.data["promotion"] == name)
            #expect(try await context.pushStates(english) == ["PENDING"])
            #expect(try await context.pushStates(noDevice).isEmpty)
        }
    }

    @Test func aRetryCreatesNothingNewAndOnlyAdminsMaySend() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let user = UUID()
            let requestID = UUID()
            let first = try await create(context, recipients: [user], requestID: requestID)
            let again = try await create(context, recipients: [user], requestID: requestID)
            #expect(first.status == 200 && again.string("name") == first.string("name"), "\(again.text)")
            try await sendAll(context.module.promotionSender)
            #expect(try await context.stored(user).filter { $0.data["promotion"] == first.string("name") }.count == 1)

            let listed = try await context.api.call(.get, "/v1/promotions?pageSize=1", token: try await context.api.token(.admin))
            #expect(((listed["promotions"] as? [[String: Any]]) ?? []).count == 1 && listed.string("nextPageToken") != nil)
            let passenger = try await context.api.token(.passenger, userID: user)
            let refused = try await context.api.call(.post, "/v1/promotions", token: passenger, json: #"{"texts":\#(Self.texts)}"#)
            #expect(refused.status == 403, "\(refused.text)")
            #expect(try await context.api.call(.get, "/v1/promotions", token: passenger).status == 403)
        }
    }

    @Test func badPromotionsAreRefusedWithTheField() async throws {
        try await NotificationsTestPlatform.withModule { context in
            let admin = try await context.api.token(.admin)
            let long = String(repeating: "x", count: 101)
            let cases: [(String, String)] = [
                (#"{"texts":[]}"#, "texts"),
                (#"{"texts":[{"languageCode":"english!","title":"t","body":"b"}]}"#, "texts[0].languageCode"),
                (
                    #"{"texts":[{"languageCode":"en","title":"t","body":"b"},{"languageCode":"EN","title":"t","body":"b"}]}"#,
                    "texts[1].languageCode"
                ),
                (#"{"texts":[{"languageCode":"en","title":"\#(long)","body":"b"}]}"#, "texts[0].title"),
                (#"{"texts":[{"languageCode":"en","title":"t","body":"   "}]}"#, "texts[0].body"),
                (#"{"texts":[{"languageCode":"en","title":"t","body":"b"}],"recipients":["drivers/x"]}"#, "recipients[0]"),
                (#"{"texts":[{"languageCode":"en","title":"t","body":"b"}],"recipients":[]}"#, "recipients"),
            ]
            for (body, field) in cases {
                let reply = try await context.api.call(.post, "/v1/promotions", token: admin, json: body)
                #expect(reply.status == 400 && reply.text.contains(field), "\(body): \(reply.text)")
            }
            #expect(
                try await context.api.call(.post, "/v1/promotions?requestId=nope", token: admin, json: #"{"texts":\#(Self.texts)}"#).status == 400)
            #expect(try await context.api.call(.get, "/v1/promotions/\(UUID())", token: admin).status == 404)
        }
    }

    @Test func everyoneWithADeviceGetsItOnceFromTwoInstancesSendingInChunks() async throws {
        try await NotificationsTestPlatform.withModules(count: 2, settings: ["curbside.notifications.promotion_chunk_size": "3"]) {
            api, modules, clock in
            let context = NotificationsContext(api: api, module: modules[0], clock: clock)
            let users = (0..<10).map { _ in UUID() }
            for user in users { try await context.register(user, token: "tok-\(user)") }
            let created = try await create(context, recipients: nil)
            #expect(created.string("audience") == "EVERYONE_WITH_A_DEVICE", "\(created.text)")
            let name = try #require(created.string("name"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for module in modules { group.addTask { try await sendAll(module.promotionSender) } }
                try await group.waitForAll()
            }
            for user in users {
                #expect(try await context.stored(user).filter { $0.data["promotion"] == name }.count == 1)
            }
            let sent = try await context.api.call(.get, "/v1/\(name)", token: try await context.api.token(.admin))
            #expect(sent.string("state") == "SENT", "\(sent.text)")
            let (recipients, delivered, skipped) = (
                sent["recipientCount"] as? Int ?? 0, sent["sentCount"] as? Int ?? 0, sent["skippedCount"] as? Int ?? 0
            )
            #expect(recipients >= users.count && delivered + skipped == recipients, "\(sent.text)")
        }
    }
}
