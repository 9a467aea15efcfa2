import CurbsideCore
import CurbsideTesting
import DispatchService
import Foundation
import HTTPTypes
import Notifications
import Payments
import Testing
import Trips
import Users

/// Own versus another user's resource, for every operation of the five documents that passengers or
/// drivers may call on something they address (`x-curbside-owner`): on a live server with a real
/// ride in progress, each is called by a stranger of the caller's role on the owner's resources
/// (refused with 403, whatever the method), then each read by the owner (200, so the refusals were
/// about ownership and the strangers' writes changed nothing). Operations declared `none` answer
/// strangers too.
@Suite struct OwnershipMatrixTests {
    /// One side of the ride: the owner, a stranger of the same role, and the owner's resources by
    /// path placeholder.
    struct Party {
        let owner: RideScenario.Actor
        let stranger: RideScenario.Actor
        let placeholders: [String: String]
        /// Every query parameter an operation may require (extra ones are ignored).
        var query: String {
            "?requestId=\(UUID())&latitude=1&longitude=1&vehicleClass=ECONOMY&vehicle=\(placeholders["vehicleName"] ?? "")"
        }
    }

    /// Bodies the owner could send, for writes whose body `{}` would fail validation: the stranger
    /// must be refused for whose resource it is, not for a missing field. `$vehicle` is the owner's vehicle.
    static let validBodies: [String: String] = [
        "POST /v1/trips/{trip}:rate": #"{"stars":5}"#,
        "POST /v1/trips/{trip}:start": #"{"pin":"0000"}"#,
        "POST /v1/drivers/{driver}/location:report":
            #"{"location":{"latitude":1,"longitude":1},"accuracyMeters":5,"recordTime":"\#(Timestamp.format(Date()))"}"#,
        "POST /v1/drivers/{driver}:goOnline": #"{"vehicle":"$vehicle","location":{"latitude":1,"longitude":1}}"#,
        "POST /v1/payments/{payment}:tip": #"{"amount":{"currencyCode":"USD","units":"1"}}"#,
        "POST /v1/users/{user}/paymentMethods": #"{"card":{"token":"tok_unused"}}"#,
        "PATCH /v1/users/{user}/devices/{device}": #"{"platform":"ANDROID","fcmToken":"fcm-stranger","locale":"en"}"#,
        "PATCH /v1/users/{user}/notificationPreferences": #"{"categories":[{"category":"PROMOTIONS","enabled":false}]}"#,
    ]

    @Test func everyOwnedOperationRefusesStrangersAndServesItsOwner() async throws {
        try await AllInOneServer.run { server in
            let base = server.baseURL
            let scenario = RideScenario(users: base, trips: base, dispatch: base, payments: base, notifications: base)
            let parties = try await rideInProgress(scenario)
            let documents = [
                try UsersModule.loadDocument().withPlatformOperations(service: .users, hostsSubscribers: false),
                try TripsModule.loadDocument().withPlatformOperations(service: .trips, hostsSubscribers: true),
                try DispatchModule.loadDocument().withPlatformOperations(service: .dispatch, hostsSubscribers: true),
                try PaymentsModule.loadDocument().withPlatformOperations(service: .payments, hostsSubscribers: true),
                try NotificationsModule.loadDocument().withPlatformOperations(service: .notifications, hostsSubscribers: true),
            ]
            var ownerReads: [(label: String, path: String, token: String)] = []
            var refusals = 0
            for operation in documents.flatMap(\.operations) {
                for (role, party) in parties {
                    guard let owner = operation.owners[role], let path = fill(operation.path, from: party.placeholders) else { continue }
                    let method = HTTPRequest.Method(operation.method)!
                    let label = "\(operation.method) \(operation.path) as another \(role.rawValue)"
                    var body: String?
                    if method == .post || method == .patch {
                        body = (Self.validBodies["\(operation.method) \(operation.path)"] ?? "{}")
                            .replacingOccurrences(of: "$vehicle", with: party.placeholders["vehicleName"] ?? "")
                    }
                    let reply = try await LiveHTTP.call(method, base + path + party.query, token: party.stranger.token, json: body)
                    if owner == .shared {
                        #expect(reply.status == 200 || (method != .get && reply.status < 500 && reply.status != 403), "\(label): \(reply.text)")
                    } else {
                        // A 400 here means the request failed validation before ownership was checked: give
                        // `validBodies` a body that is valid for the owner.
                        #expect(reply.status == 403, "\(label): \(reply.text)")
                        refusals += 1
                    }
                    if method == .get {
                        ownerReads.append(("\(operation.method) \(operation.path) as its \(role.rawValue)", path + party.query, party.owner.token))
                    }
                }
            }
            #expect(refusals >= 40)
            for read in ownerReads {
                let reply = try await LiveHTTP.call(.get, base + read.path, token: read.token)
                #expect(reply.status == 200, "\(read.label): \(reply.text)")
            }
        }
    }

    /// The operation's path with each placeholder replaced, or nil when the party has nothing of that kind.
    func fill(_ template: String, from placeholders: [String: String]) -> String? {
        var path = template
        while let open = path.firstIndex(of: "{"), let close = path[open...].firstIndex(of: "}") {
            guard let value = placeholders[String(path[path.index(after: open)..<close])] else { return nil }
            path.replaceSubrange(open...close, with: value)
        }
        return path
    }

    /// A passenger and a driver on an assigned trip with a held payment, each with a registered
    /// device and a notification in the inbox, the driver with a vehicle and documents; a stranger of each role
    /// with resources of their own.
    func rideInProgress(_ scenario: RideScenario) async throws -> [Role: Party] {
        let base = scenario.trips
        let admin = try await scenario.adminToken()
        let city = try await scenario.setUpCity(admin: admin)
        let driver = try await scenario.approvedDriver(admin: admin)
        let otherDriver = try await scenario.approvedDriver(admin: admin)
        let passenger = try await scenario.signedIn(role: "PASSENGER")
        let otherPassenger = try await scenario.signedIn(role: "PASSENGER")
        var methods: [String: String] = [:]
        for actor in [passenger, otherPassenger] {
            let card = try await LiveHTTP.call(
                .post, base + "/v1/sandbox/cardTokens", token: actor.token,
                json: #"{"number":"4242424242424242","expMonth":12,"expYear":2099,"cvc":"123"}"#)
            let method = try await LiveHTTP.call(
                .post, base + "/v1/users/me/paymentMethods", token: actor.token, json: #"{"card":{"token":"\#(card.string("token") ?? "")"}}"#)
            methods[actor.id] = try #require(method.string("name"), "\(method.text)").components(separatedBy: "/").last
        }
        for actor in [passenger, otherPassenger, driver, otherDriver] {
            let device = try await LiveHTTP.call(
                .patch, base + "/v1/users/me/devices/install-1", token: actor.token,
                json: #"{"platform":"ANDROID","fcmToken":"fcm-\#(actor.id)","locale":"en"}"#)
            #expect(device.status == 200, "register device: \(device.text)")
        }
        // Everyone gets a notification in their inbox (a driver's ride messages are push-only).
        let recipients = [passenger, otherPassenger, driver, otherDriver].map { "\"users/\($0.id)\"" }.joined(separator: ",")
        let promotion = try await LiveHTTP.call(
            .post, base + "/v1/promotions?requestId=\(UUID())", token: admin,
            json: #"{"texts":[{"languageCode":"en","title":"Welcome","body":"Ride with us"}],"recipients":[\#(recipients)]}"#)
        #expect(promotion.status == 200, "promotion: \(promotion.text)")
        let online = try await LiveHTTP.call(
            .post, base + "/v1/drivers/me:goOnline", token: driver.token,
            json: #"{"vehicle":"\#(driver.vehicle)","location":\#(scenario.latLng(scenario.point(north: -300)))}"#)
        #expect(online.status == 200, "go online: \(online.text)")
        let estimate = try await LiveHTTP.poll(
            .post, base + "/v1/trips:estimateFare", token: passenger.token,
            json:
                #"{"pickup":\#(scenario.latLng(scenario.point(north: 0))),"dropoff":\#(scenario.latLng(scenario.point(north: 2_000))),"vehicleClass":"ECONOMY"}"#
        ) { $0.status == 200 }
        #expect(estimate.string("city") == city)
        let created = try await LiveHTTP.call(
            .post, base + "/v1/trips?requestId=\(UUID())", token: passenger.token,
            json: #"{"quoteToken":"\#(try #require(estimate.string("quoteToken")))"}"#)
        let trip = try #require(created.string("name"), "request: \(created.text)").components(separatedBy: "/").last!
        let offers = try await LiveHTTP.poll(.get, base + "/v1/drivers/me/offers", token: driver.token) {
            !(($0["offers"] as? [[String: Any]]) ?? []).isEmpty
        }
        let offer = try #require((offers["offers"] as? [[String: Any]])?.first?["name"] as? String).components(separatedBy: "/").last!
        #expect(try await LiveHTTP.call(.post, base + "/v1/offers/\(offer):accept", token: driver.token, json: "{}").status == 200)
        _ = try await LiveHTTP.poll(.get, base + "/v1/trips/\(trip)", token: passenger.token) { $0.string("state") == "DRIVER_ASSIGNED" }

        func firstNotification(of actor: RideScenario.Actor) async throws -> String {
            let inbox = try await LiveHTTP.poll(.get, base + "/v1/users/me/notifications", token: actor.token) {
                !(($0["notifications"] as? [[String: Any]]) ?? []).isEmpty
            }
            return try #require((inbox["notifications"] as? [[String: Any]])?.first?["name"] as? String).components(separatedBy: "/").last!
        }
        func first(_ collection: String, of driver: RideScenario.Actor) async throws -> String {
            let list = try await LiveHTTP.call(.get, base + "/v1/drivers/me/\(collection)", token: driver.token)
            let name = (list[collection] as? [[String: Any]])?.first?["name"] as? String
            return try #require(name, "\(list.text)").components(separatedBy: "/").last!
        }
        let shared = [
            "trip": trip, "payment": trip, "device": "install-1", "city": city.components(separatedBy: "/").last!, "vehicleClass": "ECONOMY",
        ]
        return [
            .passenger: Party(
                owner: passenger, stranger: otherPassenger,
                placeholders: shared.merging([
                    "user": passenger.id, "passenger": passenger.id, "driver": driver.id, "paymentMethod": methods[passenger.id]!,
                    "notification": try await firstNotification(of: passenger),
                ]) { $1 }),
            .driver: Party(
                owner: driver, stranger: otherDriver,
                placeholders: shared.merging([
                    "user": driver.id, "driver": driver.id, "passenger": passenger.id, "offer": offer,
                    "notification": try await firstNotification(of: driver),
                    "vehicle": try await first("vehicles", of: driver), "vehicleName": driver.vehicle,
                    "document": try await first("documents", of: driver),
                ]) { $1 }),
        ]
    }
}
