import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import Trips

/// Who may see and move whose trip, and what hostile input gets back.
@Suite struct AccessAPITests {
    @Test func onlyTheTripsPartiesSeeIt() async throws {
        try await TripsTestPlatform.withAPI { context in
            let api = context.api
            let city = try await context.makeCity()
            let passenger = try await api.token(.passenger)
            let stranger = try await api.token(.passenger)
            let driver = try await api.token(.driver)
            let trip = try await context.requestTrip(city, passenger: passenger)
            #expect(try await api.call(.get, "/v1/trips/\(trip)", token: passenger).status == 200)
            let other = try await api.call(.get, "/v1/trips/\(trip)", token: stranger)
            #expect(other.status == 403 && other.errorReason == "NOT_TRIP_PARTY")
            #expect(try await api.call(.get, "/v1/trips/\(trip)", token: driver).status == 403)
            let admin = try await api.call(.get, "/v1/trips/\(trip)", token: try await context.adminToken())
            #expect(admin.status == 200 && admin.string("pickupPin") == nil)
            // A missing trip: 403 for a passenger (existence does not leak), 404 for an admin.
            #expect(try await api.call(.get, "/v1/trips/\(UUID())", token: passenger).status == 403)
            #expect(try await api.call(.get, "/v1/trips/\(UUID())", token: try await context.adminToken()).status == 404)
            #expect(try await api.call(.get, "/v1/trips/\(trip)").status == 401)
            // A stranger's list does not show it.
            let list = try await api.call(.get, "/v1/trips", token: stranger)
            #expect((list["trips"] as? [Any])?.isEmpty == true)
            #expect(try await api.call(.post, "/v1/trips/\(trip):cancel", token: stranger, json: "{}").status == 403)
        }
    }

    @Test func aDriverWhoIsNotAssignedCannotMoveTheTrip() async throws {
        try await TripsTestPlatform.withAPI { context in
            let api = context.api
            let city = try await context.makeCity()
            let passenger = try await api.token(.passenger)
            let assignedID = UUID()
            let intruderID = UUID()
            let intruder = try await api.token(.driver, userID: intruderID)
            let trip = try await context.requestTrip(city, passenger: passenger)
            try await context.assign(trip: trip, driver: assignedID)
            context.placeDriver(intruderID, at: city)
            for verb in ["arrive", "complete", "cancel"] {
                let reply = try await api.call(.post, "/v1/trips/\(trip):\(verb)", token: intruder, json: "{}")
                #expect(reply.status == 403, "\(verb): \(reply.text)")
            }
            let start = try await api.call(.post, "/v1/trips/\(trip):start", token: intruder, json: #"{"pin":"1234"}"#)
            #expect(start.status == 403)
            // Roles the document does not allow are refused before anything runs.
            #expect(try await api.call(.post, "/v1/trips/\(trip):arrive", token: passenger, json: "{}").status == 403)
            let estimate = try await context.estimate(city, passenger: intruder)
            #expect(estimate.status == 403 && estimate.errorReason == "ROLE_NOT_ALLOWED")
            #expect(try await api.call(.post, "/v1/cities?cityId=nope", token: passenger, json: "{}").status == 403)
            let otherRating = try await api.call(.get, "/v1/passengers/\(UUID())/rating", token: passenger)
            #expect(otherRating.status == 403)
            #expect(try await api.call(.get, "/v1/passengers/\(UUID())/rating", token: intruder).status == 200)
            #expect(try await api.call(.get, "/v1/drivers/not-a-uuid/rating", token: passenger).status == 400)
            let parked = try await api.call(.get, "/v1/outboxes/trips/subscribers/dispatch/parkedEvents", token: try await context.adminToken())
            #expect(parked.status == 200 && parked["parkedEvents"] != nil, "\(parked.text)")
            #expect(try await api.call(.get, "/v1/outboxes/trips/subscribers/dispatch/parkedEvents", token: passenger).status == 403)
        }
    }

    @Test func staleEtagsAreRefused() async throws {
        try await TripsTestPlatform.withAPI { context in
            let api = context.api
            let city = try await context.makeCity()
            let passenger = try await api.token(.passenger)
            let driverID = UUID()
            let driver = try await api.token(.driver, userID: driverID)
            let trip = try await context.requestTrip(city, passenger: passenger)
            let before = try await api.call(.get, "/v1/trips/\(trip)", token: passenger)
            try await context.assign(trip: trip, driver: driverID)
            let stale = try await api.call(
                .post, "/v1/trips/\(trip):arrive", token: driver, json: #"{"etag":"\#(before.string("etag") ?? "")"}"#)
            #expect(stale.status == 409 && stale.errorReason == "ETAG_MISMATCH")
        }
    }

    @Test func hostileInputGetsA4xx() async throws {
        try await TripsTestPlatform.withAPI { context in
            let api = context.api
            let city = try await context.makeCity()
            let passengerID = UUID()
            let passenger = try await api.token(.passenger, userID: passengerID)
            let bodies = [
                #"{"pickup":{"latitude":91,"longitude":0},"dropoff":{"latitude":0,"longitude":0},"vehicleClass":"ECONOMY"}"#,
                #"{"pickup":{"latitude":0,"longitude":-180.01},"dropoff":{"latitude":0,"longitude":0},"vehicleClass":"ECONOMY"}"#,
                #"{"pickup":{"latitude":1e308,"longitude":0},"dropoff":{"latitude":0,"longitude":0},"vehicleClass":"ECONOMY"}"#,
                #"{"pickup":{"latitude":"x","longitude":0},"dropoff":{"latitude":0,"longitude":0},"vehicleClass":"ECONOMY"}"#,
                #"{"pickup":{"latitude":0,"longitude":0},"dropoff":{"latitude":0,"longitude":0},"vehicleClass":"SPACESHIP"}"#,
                #"{"pickup":{"latitude":0,"longitude":0},"vehicleClass":"ECONOMY"}"#,
                #"{"pickup":{"latitude":0,"longitude":0},"dropoff":{"latitude":0,"longitude":0},"vehicleClass":"ECONOMY"}"#,
                "not json", "[]", "{\"pickup\":",
            ]
            for body in bodies {
                let reply = try await api.call(.post, "/v1/trips:estimateFare", token: passenger, json: body)
                #expect((400..<500).contains(reply.status), "\(body) → \(reply.status) \(reply.text)")
                #expect(reply.errorReason != nil)
            }
            let coordinates = try await api.call(.post, "/v1/trips:estimateFare", token: passenger, json: bodies[0])
            #expect(coordinates.errorReason == "INVALID_COORDINATES")
            let outside = try await api.call(.post, "/v1/trips:estimateFare", token: passenger, json: bodies[6])
            #expect(outside.errorReason == "OUTSIDE_SERVICE_AREA" || outside.errorReason == "VEHICLE_CLASS_UNAVAILABLE")
            let noRule = try await context.estimate(city, passenger: passenger, vehicleClass: "PREMIUM")
            #expect(noRule.status == 400 && noRule.errorReason == "VEHICLE_CLASS_UNAVAILABLE")
            let far = try await context.estimate(city, passenger: passenger, northMeters: 400_000)
            #expect(far.errorReason == "ROUTE_TOO_LONG")

            // Quotes: forged, someone else's, expired, huge.
            let token = try await context.quoteToken(city, passenger: passenger)
            let someoneElses = try await context.quoteToken(city, passenger: try await api.token(.passenger))
            for (quote, reason) in [
                ("garbage", "QUOTE_INVALID"), (String(token.dropLast(3)) + "AAA", "QUOTE_INVALID"), (someoneElses, "QUOTE_INVALID"),
                (String(repeating: "A", count: 4000), "QUOTE_INVALID"),
            ] {
                let reply = try await api.call(.post, "/v1/trips", token: passenger, json: #"{"quoteToken":"\#(quote)"}"#)
                #expect(reply.status == 400 && reply.errorReason == reason, "\(reply.text)")
            }
            let longMethod = try await api.call(
                .post, "/v1/trips", token: passenger, json: #"{"quoteToken":"\#(token)","paymentMethod":"\#(String(repeating: "p", count: 201))"}"#)
            #expect(longMethod.status == 400 && longMethod.errorReason == "INVALID_PAYMENT_METHOD")
            let huge = try await api.call(
                .post, "/v1/trips", token: passenger, json: #"{"quoteToken":"\#(String(repeating: "A", count: 60_000))"}"#)
            #expect((400..<500).contains(huge.status))
            context.clock.advance(121)
            let expired = try await api.call(.post, "/v1/trips", token: passenger, json: #"{"quoteToken":"\#(token)"}"#)
            #expect(expired.status == 400 && expired.errorReason == "QUOTE_EXPIRED")

            // Paths, pages, filters, request ids.
            #expect(try await api.call(.get, "/v1/trips/not-a-uuid", token: passenger).status == 400)
            #expect(try await api.call(.get, "/v1/trips/'%3B%20DROP%20TABLE%20trips", token: passenger).status == 400)
            #expect(try await api.call(.get, "/v1/trips?pageSize=-1", token: passenger).status == 400)
            #expect(try await api.call(.get, "/v1/trips?pageToken=forged", token: passenger).errorReason == "INVALID_PAGE_TOKEN")
            #expect(try await api.call(.get, "/v1/trips?filter=driver%20%3D%20x", token: passenger).errorReason == "INVALID_FILTER")
            #expect(try await api.call(.get, "/v1/trips?filter=state%20%3D%20FLYING", token: passenger).errorReason == "INVALID_FILTER")
            #expect(try await api.call(.get, "/v1/trips?orderBy=fare", token: passenger).status == 400)
            let badRequestID = try await api.call(.post, "/v1/trips?requestId=nope", token: passenger, json: #"{"quoteToken":"x"}"#)
            #expect(badRequestID.errorReason == "INVALID_REQUEST_ID")
            let trip = try await context.requestTrip(city, passenger: passenger)
            let longReason = try await api.call(
                .post, "/v1/trips/\(trip):cancel", token: passenger, json: #"{"reason":"\#(String(repeating: "x", count: 201))"}"#)
            #expect(longReason.status == 400)
            let comment = try await api.call(
                .post, "/v1/trips/\(trip):rate", token: passenger, json: #"{"stars":5,"comment":"\#(String(repeating: "x", count: 501))"}"#)
            #expect(comment.status == 400 && comment.errorReason == "INVALID_COMMENT")
            let stars = try await api.call(.post, "/v1/trips/\(trip):rate", token: passenger, json: #"{"stars":99999999999}"#)
            #expect(stars.status == 400)
        }
    }

    @Test func historyPagesThroughEveryTripOnce() async throws {
        try await TripsTestPlatform.withAPI { context in
            let api = context.api
            let city = try await context.makeCity()
            let passenger = try await api.token(.passenger)
            var created: [String] = []
            for _ in 0..<5 {
                let trip = try await context.requestTrip(city, passenger: passenger)
                _ = try await api.call(.post, "/v1/trips/\(trip):cancel", token: passenger, json: "{}")
                created.append(trip)
            }
            for order in ["createTime%20desc", "createTime"] {
                var seen: [String] = []
                var token: String?
                repeat {
                    let query = "pageSize=2&orderBy=\(order)" + (token.map { "&pageToken=\($0)" } ?? "")
                    let page = try await api.call(.get, "/v1/trips?\(query)", token: passenger)
                    #expect(page.status == 200, "\(page.text)")
                    seen += (page["trips"] as? [[String: Any]] ?? []).compactMap { $0["uid"] as? String }
                    token = page.string("nextPageToken")
                } while token != nil
                #expect(seen == (order == "createTime" ? created : created.reversed()))
            }
            let cancelled = try await api.call(
                .get, "/v1/trips?filter=state%20%3D%20%22CANCELLED%22%20AND%20createTime%20%3E%3D%20%222000-01-01T00:00:00Z%22",
                token: passenger)
            #expect((cancelled["trips"] as? [Any])?.count == 5)
            let active = try await api.call(.get, "/v1/trips?filter=state%20!%3D%20%22CANCELLED%22", token: passenger)
            #expect((active["trips"] as? [Any])?.isEmpty == true)

            // An admin finds one passenger's trips among everyone's.
            let owner = try #require(try await api.call(.get, "/v1/trips/\(created[0])", token: passenger).string("passenger"))
            let admin = try await api.token(.admin)
            func adminList(_ filter: String) async throws -> Reply {
                try await api.call(
                    .get, "/v1/trips?pageSize=100&filter=" + (filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
                    token: admin)
            }
            let theirs = try await adminList(#"passenger = "\#(owner)""#)
            #expect(Set((theirs["trips"] as? [[String: Any]] ?? []).compactMap { $0["uid"] as? String }) == Set(created))
            #expect((try await adminList(#"passenger = "users/\#(UUID().uuidString.lowercased())""#)["trips"] as? [Any] ?? []).isEmpty)
            #expect(try await adminList(#"driver = "users/\#(UUID().uuidString.lowercased())""#).errorReason == "INVALID_FILTER")
            #expect(try await adminList(#"passenger > "\#(owner)""#).errorReason == "INVALID_FILTER")
        }
    }
}
