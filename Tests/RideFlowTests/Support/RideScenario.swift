import CurbsideCore
import CurbsideTesting
import Foundation
import Testing
import Users

/// A ride from the admin's city set-up to both ratings, through the public HTTP APIs only, as the
/// passenger app, the driver app and the operator's tools use them. The five base URLs may be one
/// server (`curbside serve`) or five (`--service X`).
struct RideScenario: Sendable {
    let users: String
    let trips: String
    let dispatch: String
    let payments: String
    let notifications: String

    /// A city around a random point, so that runs never see each other's drivers.
    let center = (latitude: Double.random(in: -40...40), longitude: Double.random(in: -120...120))

    func point(north meters: Double, east: Double = 0) -> (latitude: Double, longitude: Double) {
        let latitude = center.latitude + meters / 111_320
        return (latitude, center.longitude + east / (111_320 * cos(center.latitude * .pi / 180)))
    }

    func latLng(_ point: (latitude: Double, longitude: Double)) -> String {
        #"{"latitude":\#(point.latitude),"longitude":\#(point.longitude)}"#
    }

    /// Runs the whole ride and checks every step.
    func run() async throws {
        let admin = try await adminToken()
        let city = try await setUpCity(admin: admin)
        let driver = try await approvedDriver(admin: admin)
        let pickup = point(north: 0)
        let dropoff = point(north: 3_000, east: 1_000)

        // The driver goes online 300 m from the pickup.
        let online = try await LiveHTTP.call(
            .post, dispatch + "/v1/drivers/me:goOnline", token: driver.token,
            json: #"{"vehicle":"\#(driver.vehicle)","location":\#(latLng(point(north: -300)))}"#)
        #expect(online.status == 200, "go online: \(online.text)")

        // The passenger adds a card (tokenized as the gateway's SDK would), asks for a price, then
        // requests the ride with the signed quote: payments places the hold before dispatch.
        let passenger = try await signedIn(role: "PASSENGER")
        let card = try await LiveHTTP.call(
            .post, payments + "/v1/sandbox/cardTokens", token: passenger.token,
            json: #"{"number":"4242424242424242","expMonth":12,"expYear":2099,"cvc":"123"}"#)
        let cardToken = try #require(card.string("token"), "tokenize: \(card.text)")
        let method = try await LiveHTTP.call(
            .post, payments + "/v1/users/me/paymentMethods", token: passenger.token, json: #"{"card":{"token":"\#(cardToken)"}}"#)
        #expect(method.status == 200 && method["isDefault"] as? Bool == true, "add card: \(method.text)")
        let device = try await LiveHTTP.call(
            .patch, notifications + "/v1/users/me/devices/install-1", token: passenger.token,
            json: #"{"platform":"ANDROID","fcmToken":"fcm-\#(passenger.id)","locale":"en"}"#)
        #expect(device.status == 200, "register device: \(device.text)")
        // Both apps hold their live channel open from here on, as the apps do.
        let passengerChannel = LiveChannelRecorder(base: notifications, token: passenger.token)
        let driverChannel = LiveChannelRecorder(base: notifications, token: driver.token)
        defer {
            Task {
                await passengerChannel.close()
                await driverChannel.close()
            }
        }
        // Passengers read cities and prices from a replica: what was set up a moment ago may take a few ms to appear.
        let estimate = try await LiveHTTP.poll(
            .post, trips + "/v1/trips:estimateFare", token: passenger.token,
            json: #"{"pickup":\#(latLng(pickup)),"dropoff":\#(latLng(dropoff)),"vehicleClass":"ECONOMY"}"#
        ) { $0.status == 200 }
        #expect(estimate.status == 200, "estimate: \(estimate.text)")
        #expect(estimate.string("city") == city)
        let quote = try #require(estimate.string("quoteToken"))
        let created = try await LiveHTTP.call(
            .post, trips + "/v1/trips?requestId=\(UUID())", token: passenger.token, json: #"{"quoteToken":"\#(quote)"}"#)
        #expect(created.status == 200, "request: \(created.text)")
        let tripName = try #require(created.string("name"))
        let tripID = String(tripName.dropFirst("trips/".count))
        #expect(created.string("state") == "DISPATCHING")

        // Dispatch offers it to the driver (the event crossed from trips to dispatch); the driver accepts.
        let offers = try await LiveHTTP.poll(.get, dispatch + "/v1/drivers/me/offers", token: driver.token) {
            (($0["offers"] as? [[String: Any]]) ?? []).contains { $0["trip"] as? String == tripName }
        }
        let offer = try #require(((offers["offers"] as? [[String: Any]]) ?? []).first { $0["trip"] as? String == tripName })
        let offerName = try #require(offer["name"] as? String)
        #expect(try await driverChannel.first("offer.created").data["offer"] == offerName)
        let accepted = try await LiveHTTP.call(.post, dispatch + "/v1/\(offerName):accept", token: driver.token, json: "{}")
        #expect(accepted.status == 200, "accept: \(accepted.text)")

        // Trips learns of the assignment (an event from dispatch); the passenger sees driver, vehicle and PIN.
        let assigned = try await LiveHTTP.poll(.get, trips + "/v1/trips/\(tripID)", token: passenger.token) {
            $0.string("state") == "DRIVER_ASSIGNED"
        }
        #expect(assigned.string("driver") == "drivers/\(driver.id)")
        #expect((assigned["vehicle"] as? [String: Any])?["licensePlate"] as? String == driver.plate)
        let pin = try #require(assigned.string("pickupPin"))
        let position = try await LiveHTTP.call(.get, dispatch + "/v1/trips/\(tripID)/driverLocation", token: passenger.token)
        #expect(position.status == 200, "driver location: \(position.text)")
        #expect(try await passengerChannel.first("trip.driverAssigned").data["trip"] == tripName)
        let someoneElse = try await signedIn(role: "PASSENGER")
        #expect(try await LiveHTTP.call(.get, trips + "/v1/trips/\(tripID)", token: someoneElse.token).status != 200)

        // The driver reaches the pickup, arrives, starts with the PIN, drives, completes.
        try await report(driver, at: pickup)
        // The driver's position moves on the passenger's map (dispatch shares it, notifications forwards it).
        let shared = try await passengerChannel.first("trip.driverPosition")
        #expect(shared.data["trip"] == tripName)
        #expect(abs((shared.data["latitude"].flatMap(Double.init) ?? 0) - pickup.latitude) < 1e-6, "\(shared.data)")
        let arrived = try await LiveHTTP.call(.post, trips + "/v1/trips/\(tripID):arrive", token: driver.token, json: "{}")
        #expect(arrived.string("state") == "DRIVER_ARRIVED", "arrive: \(arrived.text)")
        let wrongPIN = pin == "0000" ? "0001" : "0000"
        let refused = try await LiveHTTP.call(
            .post, trips + "/v1/trips/\(tripID):start", token: driver.token, json: #"{"pin":"\#(wrongPIN)"}"#)
        #expect(refused.status == 400)
        let started = try await LiveHTTP.call(
            .post, trips + "/v1/trips/\(tripID):start", token: driver.token, json: #"{"pin":"\#(pin)"}"#)
        #expect(started.string("state") == "IN_PROGRESS", "start: \(started.text)")
        for step in 1...5 {
            try await Task.sleep(for: .milliseconds(300))
            try await report(driver, at: point(north: Double(step) * 12))
        }
        let completed = try await LiveHTTP.call(.post, trips + "/v1/trips/\(tripID):complete", token: driver.token, json: "{}")
        #expect(completed.string("state") == "COMPLETED", "complete: \(completed.text)")
        #expect(completed["receipt"] != nil)

        // Payments captures the final fare from the hold (an event from trips) and credits the driver.
        let settled = try await LiveHTTP.poll(.get, payments + "/v1/payments/\(tripID)", token: passenger.token) {
            $0.string("state") == "SETTLED"
        }
        let fare = try #require((completed["receipt"] as? [String: Any])?["fare"] as? [String: Any])
        let total = try #require(fare["total"] as? [String: Any])
        let collected = try #require(settled["collected"] as? [String: Any])
        #expect(collected["units"] as? String == total["units"] as? String, "\(settled.text)")
        #expect(collected["nanos"] as? Int == total["nanos"] as? Int, "\(settled.text)")
        let tipped = try await LiveHTTP.call(
            .post, payments + "/v1/payments/\(tripID):tip?requestId=\(UUID())", token: passenger.token,
            json: #"{"amount":{"currencyCode":"USD","units":"2"}}"#)
        #expect(tipped.status == 200 && (tipped["tip"] as? [String: Any])?["units"] as? String == "2", "tip: \(tipped.text)")
        let balance = try await LiveHTTP.call(.get, payments + "/v1/drivers/me/balance", token: driver.token)
        let earnings = try #require(((balance["balances"] as? [[String: Any]])?.first)?["earnings"] as? [String: Any], "\(balance.text)")
        #expect(Int(earnings["units"] as? String ?? "") ?? 0 >= 2, "balance: \(balance.text)")
        let audit = try await LiveHTTP.call(.get, payments + "/v1/ledger:audit", token: admin)
        #expect(audit["balanced"] as? Bool == true, "ledger: \(audit.text)")

        // The passenger was told of each step (events from trips and payments reached notifications).
        let inbox = try await LiveHTTP.poll(.get, notifications + "/v1/users/me/notifications", token: passenger.token) {
            (($0["notifications"] as? [[String: Any]]) ?? []).count >= 4
        }
        let kinds = Set(((inbox["notifications"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String })
        #expect(kinds.isSuperset(of: ["trip.driverAssigned", "trip.driverArrived", "trip.completed.passenger", "payment.settled"]), "\(kinds)")
        // The live channel had them too, in order, each once, and only the passenger's own.
        _ = try await passengerChannel.first("payment.settled")
        let live = passengerChannel.messages
        #expect(live.map(\.seq) == live.map(\.seq).sorted() && Set(live.map(\.seq)).count == live.count)
        #expect(live.allSatisfy { $0.data["trip"] == nil || $0.data["trip"] == tripName })
        // Trips' events keep their order; the receipt comes from payments, on its own relay.
        let tripKinds = live.map(\.kind).filter { $0.hasPrefix("trip.") && $0 != "trip.driverPosition" }
        #expect(tripKinds == ["trip.driverAssigned", "trip.driverArrived", "trip.started", "trip.completed.passenger"], "\(tripKinds)")

        // Both rate each other; the trip is in both histories; dispatch frees the driver.
        let rated = try await LiveHTTP.call(
            .post, trips + "/v1/trips/\(tripID):rate", token: passenger.token, json: #"{"stars":5,"comment":"smooth"}"#)
        #expect(rated.status == 200, "passenger rating: \(rated.text)")
        let ratedBack = try await LiveHTTP.call(.post, trips + "/v1/trips/\(tripID):rate", token: driver.token, json: #"{"stars":4}"#)
        #expect(ratedBack.status == 200, "driver rating: \(ratedBack.text)")
        let history = try await LiveHTTP.call(.get, trips + "/v1/trips", token: passenger.token)
        #expect(((history["trips"] as? [[String: Any]]) ?? []).map { $0["name"] as? String } == [tripName])
        let driverHistory = try await LiveHTTP.call(.get, trips + "/v1/trips", token: driver.token)
        #expect(((driverHistory["trips"] as? [[String: Any]]) ?? []).map { $0["name"] as? String } == [tripName])
        _ = try await LiveHTTP.poll(.get, dispatch + "/v1/drivers/me/availability", token: driver.token) {
            $0.string("state") == "ONLINE"
        }
    }

    struct Actor: Sendable {
        let id: String
        let token: String
        var vehicle = ""
        var plate = ""
    }

    func report(_ driver: Actor, at point: (latitude: Double, longitude: Double)) async throws {
        let reply = try await LiveHTTP.call(
            .post, dispatch + "/v1/drivers/me/location:report", token: driver.token,
            json: #"{"location":\#(latLng(point)),"accuracyMeters":5,"recordTime":"\#(Timestamp.format(Date()))"}"#)
        #expect(reply.status == 200, "location report: \(reply.text)")
    }

    /// An admin, created the way `curbside admin create` does (admins cannot sign up), then signed in.
    func adminToken() async throws -> String {
        let platform = try await TestEnvironment.platform()
        let module = try UsersModule(platform: platform)
        let email = "admin-\(UUID().uuidString.prefix(12).lowercased())@example.com"
        let password = "admin-\(UUID().uuidString.prefix(8))-1"
        _ = try await withRunningClients(module.databases.clients) {
            try await module.accounts.signUp(
                .init(role: .admin, email: email, phoneNumber: nil, displayName: "Ops", password: password), requestID: nil,
                allowAdmin: true, logger: TestEnvironment.logger)
        }
        return try await signIn(email: email, password: password).token
    }

    func signedIn(role: String) async throws -> Actor {
        let email = "\(role.lowercased())-\(UUID().uuidString.prefix(12).lowercased())@example.com"
        let password = "pass-\(UUID().uuidString.prefix(8))-1"
        let signUp = try await LiveHTTP.call(
            .post, users + "/v1/users?requestId=\(UUID())",
            json: #"{"role":"\#(role)","email":"\#(email)","displayName":"Test \#(role)","password":"\#(password)"}"#)
        guard signUp.status == 200 else { throw TestFailure("sign-up: \(signUp.status) \(signUp.text)") }
        return try await signIn(email: email, password: password)
    }

    func signIn(email: String, password: String) async throws -> Actor {
        let reply = try await LiveHTTP.call(.post, users + "/v1/sessions", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        guard reply.status == 200, let token = reply.string("accessToken"),
            let user = (reply["user"] as? [String: Any])?["uid"] as? String ?? reply.string("uid")
        else { throw TestFailure("sign-in: \(reply.status) \(reply.text)") }
        return Actor(id: user, token: token)
    }

    /// A driver with an approved ECONOMY vehicle and valid documents.
    func approvedDriver(admin: String) async throws -> Actor {
        var driver = try await signedIn(role: "DRIVER")
        driver.plate = "R" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(7))
        let vehicle = try await LiveHTTP.call(
            .post, users + "/v1/drivers/me/vehicles?requestId=\(UUID())", token: driver.token,
            json:
                #"{"make":"Toyota","model":"Prius","year":2022,"licensePlate":"\#(driver.plate)","color":"blue","seatCount":4,"vehicleClass":"ECONOMY"}"#
        )
        driver.vehicle = try #require(vehicle.string("name"), "vehicle: \(vehicle.text)")
        let nextYear = Timestamp.format(Date().addingTimeInterval(365 * 86_400))
        for (type, vehiclePart) in [("DRIVERS_LICENSE", ""), ("INSURANCE", ""), ("VEHICLE_REGISTRATION", #","vehicle":"\#(driver.vehicle)""#)] {
            let document = try await LiveHTTP.call(
                .post, users + "/v1/drivers/me/documents", token: driver.token,
                json: #"{"type":"\#(type)","documentNumber":"N-\#(type)","expireTime":"\#(nextYear)"\#(vehiclePart)}"#)
            #expect(document.status == 200, "\(type): \(document.text)")
        }
        #expect(try await LiveHTTP.call(.post, users + "/v1/drivers/\(driver.id):approve", token: admin, json: "{}").status == 200)
        #expect(try await LiveHTTP.call(.post, users + "/v1/\(driver.vehicle):approve", token: admin, json: "{}").status == 200)
        return driver
    }

    /// A city around `center` with ECONOMY prices in USD. Returns its name.
    func setUpCity(admin: String) async throws -> String {
        let id = "c" + String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10))
        let city = try await LiveHTTP.call(
            .post, trips + "/v1/cities?cityId=\(id)", token: admin,
            json: #"{"displayName":"Test City","center":\#(latLng(point(north: 0))),"radiusKm":30,"currencyCode":"USD","timeZone":"UTC"}"#)
        #expect(city.status == 200, "city: \(city.text)")
        func usd(_ cents: Int) -> String { #"{"currencyCode":"USD","units":"\#(cents / 100)","nanos":\#((cents % 100) * 10_000_000)}"# }
        let rule = try await LiveHTTP.call(
            .patch, trips + "/v1/cities/\(id)/pricingRules/ECONOMY", token: admin,
            json: """
                {"baseFare":\(usd(250)),"perKm":\(usd(120)),"perMinute":\(usd(30)),"bookingFee":\(usd(150)),\
                "minimumFare":\(usd(700)),"cancellationFee":\(usd(500)),"surgeCap":3.0}
                """)
        #expect(rule.status == 200, "pricing rule: \(rule.text)")
        return "cities/\(id)"
    }
}
