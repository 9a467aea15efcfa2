import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

@testable import Trips

/// Cities and versioned pricing rules through the admin API.
@Suite struct PricingAPITests {
    @Test func citiesAreCreatedReadAndUpdatedWithEtags() async throws {
        try await TripsTestPlatform.withAPI { context in
            let api = context.api
            let admin = try await context.adminToken()
            let id = "city-" + UUID().uuidString.prefix(8).lowercased()
            let body =
                #"{"displayName":"Gotham","center":{"latitude":10,"longitude":20},"radiusKm":12.5,"currencyCode":"EUR","timeZone":"Europe/Paris"}"#
            let created = try await api.call(.post, "/v1/cities?cityId=\(id)", token: admin, json: body)
            #expect(created.status == 200, "\(created.text)")
            #expect(created.string("name") == "cities/\(id)" && created.value("radiusKm") as? Double == 12.5)
            let duplicate = try await api.call(.post, "/v1/cities?cityId=\(id)", token: admin, json: body)
            #expect(duplicate.status == 409 && duplicate.errorReason == "CITY_EXISTS")

            let passenger = try await api.token(.passenger)
            #expect(try await api.call(.get, "/v1/cities/\(id)", token: passenger).string("displayName") == "Gotham")
            let list = try await api.call(.get, "/v1/cities", token: passenger)
            #expect((list["cities"] as? [[String: Any]] ?? []).contains { $0["name"] as? String == "cities/\(id)" })

            let etag = try #require(created.string("etag"))
            let renamed = try await api.call(
                .patch, "/v1/cities/\(id)?updateMask=displayName", token: admin,
                json: #"{"displayName":"Metropolis","radiusKm":99,"etag":"\#(etag)"}"#)
            #expect(renamed.status == 200 && renamed.string("displayName") == "Metropolis" && renamed.value("radiusKm") as? Double == 12.5)
            let stale = try await api.call(.patch, "/v1/cities/\(id)", token: admin, json: #"{"displayName":"X","etag":"\#(etag)"}"#)
            #expect(stale.status == 409 && stale.errorReason == "ETAG_MISMATCH")
            let badMask = try await api.call(.patch, "/v1/cities/\(id)?updateMask=createTime", token: admin, json: "{}")
            #expect(badMask.errorReason == "INVALID_UPDATE_MASK")
            #expect(try await api.call(.get, "/v1/cities/nowhere-\(UUID().uuidString.prefix(4))", token: admin).status == 404)

            for (bad, reason) in [
                (
                    #"{"displayName":"","center":{"latitude":0,"longitude":0},"radiusKm":5,"currencyCode":"USD","timeZone":"UTC"}"#,
                    "INVALID_DISPLAY_NAME"
                ),
                (
                    #"{"displayName":"A","center":{"latitude":95,"longitude":0},"radiusKm":5,"currencyCode":"USD","timeZone":"UTC"}"#,
                    "INVALID_COORDINATES"
                ),
                (#"{"displayName":"A","center":{"latitude":0,"longitude":0},"radiusKm":0,"currencyCode":"USD","timeZone":"UTC"}"#, "INVALID_RADIUS"),
                (
                    #"{"displayName":"A","center":{"latitude":0,"longitude":0},"radiusKm":5,"currencyCode":"usd","timeZone":"UTC"}"#,
                    "INVALID_CURRENCY"
                ),
                (
                    #"{"displayName":"A","center":{"latitude":0,"longitude":0},"radiusKm":5,"currencyCode":"USD","timeZone":"Mars/Base"}"#,
                    "INVALID_TIME_ZONE"
                ),
                (#"{"displayName":"A"}"#, "MISSING_FIELD"),
            ] {
                let reply = try await api.call(.post, "/v1/cities?cityId=c-\(UUID().uuidString.prefix(8).lowercased())", token: admin, json: bad)
                #expect(reply.status == 400 && reply.errorReason == reason, "\(reply.text)")
            }
            let badID = try await api.call(.post, "/v1/cities?cityId=Bad%20Id", token: admin, json: body)
            #expect(badID.errorReason == "INVALID_CITY_ID")
        }
    }

    @Test func ruleEditsWriteRevisionsAndTripsKeepTheirs() async throws {
        try await TripsTestPlatform.withAPI { context in
            let api = context.api
            let admin = try await context.adminToken()
            let city = try await context.makeCity(baseFare: 250)
            let passenger = try await api.token(.passenger)
            let first = try await api.call(.get, "/v1/cities/\(city.id)/pricingRules/ECONOMY", token: passenger)
            #expect(first.value("revision") as? Int == 1 && first.cents("baseFare") == 250)
            #expect(first.value("baseFare", "units") as? String == "2" && first.value("baseFare", "nanos") as? Int == 500_000_000)
            let trip = try await context.requestTrip(city, passenger: passenger)

            let revised = try await api.call(
                .patch, "/v1/cities/\(city.id)/pricingRules/ECONOMY", token: admin,
                json: #"{"baseFare":{"currencyCode":"USD","units":"9"},"surgeCap":3.25,"etag":"\#(first.string("etag") ?? "")"}"#)
            #expect(revised.status == 200, "\(revised.text)")
            #expect(revised.value("revision") as? Int == 2 && revised.cents("baseFare") == 900 && revised.cents("perKm") == 120)
            #expect(revised.value("surgeCap") as? Double == 3.25)
            let stale = try await api.call(
                .patch, "/v1/cities/\(city.id)/pricingRules/ECONOMY", token: admin,
                json: #"{"baseFare":{"currencyCode":"USD","units":"1"},"etag":"\#(first.string("etag") ?? "")"}"#)
            #expect(stale.status == 409)
            let old = try await api.call(.get, "/v1/cities/\(city.id)/pricingRules/ECONOMY?revision=1", token: passenger)
            #expect(old.cents("baseFare") == 250)
            let rules = try await api.call(.get, "/v1/cities/\(city.id)/pricingRules", token: passenger)
            #expect((rules["pricingRules"] as? [[String: Any]])?.count == 1)

            // The trip requested before the edit keeps revision 1.
            let stored = try await api.call(.get, "/v1/trips/\(trip)", token: passenger)
            #expect(stored.value("pricingRuleRevision") as? Int == 1 && stored.cents("quotedFare", "baseFare") == 250)
            let estimate = try await context.estimate(city, passenger: passenger)
            #expect(estimate.value("pricingRuleRevision") as? Int == 2 && estimate.cents("fare", "baseFare") == 900)

            // The currency is fixed once rules exist; amounts must be in it and whole minor units.
            let currency = try await api.call(.patch, "/v1/cities/\(city.id)", token: admin, json: #"{"currencyCode":"EUR"}"#)
            #expect(currency.errorReason == "CURRENCY_FIXED")
            for (money, reason) in [
                (#"{"currencyCode":"EUR","units":"1"}"#, "CURRENCY_MISMATCH"), (#"{"currencyCode":"USD","units":"1","nanos":5}"#, "INVALID_AMOUNT"),
                (#"{"currencyCode":"USD","units":"-1"}"#, "INVALID_AMOUNT"),
                (#"{"currencyCode":"USD","units":"99999999999999999999"}"#, "INVALID_AMOUNT"),
                (#"{"currencyCode":"USD","units":"1e3"}"#, "INVALID_AMOUNT"),
            ] {
                let reply = try await api.call(.patch, "/v1/cities/\(city.id)/pricingRules/ECONOMY", token: admin, json: #"{"bookingFee":\#(money)}"#)
                #expect(reply.status == 400 && reply.errorReason == reason, "\(money): \(reply.text)")
            }
            let cap = try await api.call(.patch, "/v1/cities/\(city.id)/pricingRules/ECONOMY", token: admin, json: #"{"surgeCap":0.5}"#)
            #expect(cap.errorReason == "INVALID_SURGE_CAP")
            let incomplete = try await api.call(
                .patch, "/v1/cities/\(city.id)/pricingRules/XL", token: admin, json: #"{"baseFare":{"currencyCode":"USD","units":"1"}}"#)
            #expect(incomplete.errorReason == "MISSING_FIELD")
            let badClass = try await api.call(.get, "/v1/cities/\(city.id)/pricingRules/BOAT", token: passenger)
            #expect(badClass.errorReason == "INVALID_VEHICLE_CLASS")
            #expect(try await api.call(.get, "/v1/cities/\(city.id)/pricingRules/XL", token: passenger).status == 404)
        }
    }

    @Test func concurrentRuleEditsEachGetTheirOwnRevision() async throws {
        try await TripsTestPlatform.withAPI { context in
            let admin = try await context.adminToken()
            let city = try await context.makeCity()
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for cents in 1...5 {
                    group.addTask {
                        try await context.api.call(
                            .patch, "/v1/cities/\(city.id)/pricingRules/ECONOMY", token: admin,
                            json: #"{"bookingFee":{"currencyCode":"USD","units":"0","nanos":\#(cents * 10_000_000)}}"#)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 200 })
            #expect(Set(replies.compactMap { $0.value("revision") as? Int }) == Set(2...6))
        }
    }
}
