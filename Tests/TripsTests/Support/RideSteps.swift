import CurbsideCore
import CurbsideTesting
import Foundation
import IntegrationEvents

@testable import Trips

/// The steps most trip tests share: a city of their own, a quote, a trip, an assignment.
extension TripsTestPlatform.Context {
    /// A city with an ECONOMY rule, at a random place on Earth so that parallel tests never share one.
    struct TestCity: Sendable {
        let id: String
        let latitude: Double
        let longitude: Double

        /// A point `northMeters` north of the centre.
        func point(northMeters: Double = 0, eastMeters: Double = 0) -> (Double, Double) {
            let lat = latitude + northMeters / 111_195
            let lng = longitude + eastMeters / (111_195 * cos(latitude * .pi / 180))
            return (lat, lng)
        }
    }

    func adminToken() async throws -> String { try await api.token(.admin) }

    @discardableResult
    func makeCity(
        baseFare: Int = 250, perKm: Int = 120, perMinute: Int = 30, bookingFee: Int = 150, minimumFare: Int = 700,
        cancellationFee: Int = 500, surgeCap: Double = 2.0
    ) async throws -> TestCity {
        let admin = try await adminToken()
        let id = "c-" + UUID().uuidString.prefix(12).lowercased()
        let latitude = Double.random(in: -55...55)
        let longitude = Double.random(in: -170...170)
        let city = try await api.call(
            .post, "/v1/cities?cityId=\(id)", token: admin,
            json: #"""
                {"displayName":"Test \#(id)","center":{"latitude":\#(latitude),"longitude":\#(longitude)},"radiusKm":5,
                 "currencyCode":"USD","timeZone":"UTC"}
                """#)
        guard city.status == 200 else { throw TestFailure("city: \(city.status) \(city.text)") }
        func money(_ cents: Int) -> String { #"{"currencyCode":"USD","units":"\#(cents / 100)","nanos":\#((cents % 100) * 10_000_000)}"# }
        let rule = try await api.call(
            .patch, "/v1/cities/\(id)/pricingRules/ECONOMY", token: admin,
            json: """
                {"baseFare":\(money(baseFare)),"perKm":\(money(perKm)),"perMinute":\(money(perMinute)),"bookingFee":\(money(bookingFee)),
                 "minimumFare":\(money(minimumFare)),"cancellationFee":\(money(cancellationFee)),"surgeCap":\(surgeCap)}
                """)
        guard rule.status == 200 else { throw TestFailure("rule: \(rule.status) \(rule.text)") }
        return TestCity(id: id, latitude: latitude, longitude: longitude)
    }

    func estimate(_ city: TestCity, passenger: String, northMeters: Double = 2000, vehicleClass: String = "ECONOMY") async throws
        -> Reply
    {
        let pickup = city.point()
        let dropoff = city.point(northMeters: northMeters)
        return try await api.call(
            .post, "/v1/trips:estimateFare", token: passenger,
            json: #"""
                {"pickup":{"latitude":\#(pickup.0),"longitude":\#(pickup.1)},
                 "dropoff":{"latitude":\#(dropoff.0),"longitude":\#(dropoff.1)},"vehicleClass":"\#(vehicleClass)"}
                """#)
    }

    func quoteToken(_ city: TestCity, passenger: String) async throws -> String {
        let reply = try await estimate(city, passenger: passenger)
        guard reply.status == 200, let token = reply.string("quoteToken") else {
            throw TestFailure("estimate: \(reply.status) \(reply.text)")
        }
        return token
    }

    /// A DISPATCHING trip's id.
    func requestTrip(_ city: TestCity, passenger: String) async throws -> String {
        let token = try await quoteToken(city, passenger: passenger)
        let reply = try await api.call(.post, "/v1/trips", token: passenger, json: #"{"quoteToken":"\#(token)"}"#)
        guard reply.status == 200, let id = reply.string("uid") else { throw TestFailure("request: \(reply.status) \(reply.text)") }
        return id
    }

    func assignedEvent(trip: String, driver: UUID) throws -> EventEnvelope {
        try EventEnvelope(
            DispatchV1.DriverAssigned(
                trip: "trips/\(trip)", offer: "offers/\(UUID().uuidString.lowercased())", driver: "drivers/\(driver.uuidString.lowercased())",
                vehicle: VehicleSnapshot(
                    vehicle: "drivers/\(driver.uuidString.lowercased())/vehicles/\(UUID().uuidString.lowercased())", vehicleClass: "ECONOMY",
                    make: "Toyota", model: "Prius", color: "White", licensePlate: "T-\(Int.random(in: 1000...9999))"),
                pickupEtaSeconds: 240, assignTime: Date()),
            occurTime: Date(), traceID: nil)
    }

    func deliver(_ envelope: EventEnvelope) async throws {
        guard let receiver = module.eventReceivers[EventRouting.trips] else { throw TestFailure("no trips receiver") }
        try await receiver.receive(envelope)
    }

    /// Assigns `driver` as dispatch would.
    func assign(trip: String, driver: UUID) async throws {
        try await deliver(try assignedEvent(trip: trip, driver: driver))
    }

    /// Puts the driver at the trip's pickup, as dispatch would report.
    func placeDriver(_ driver: UUID, at city: TestCity, northMeters: Double = 0) {
        let point = city.point(northMeters: northMeters)
        dispatch.update { $0.locations[driver] = .init(latitude: point.0, longitude: point.1, recordTime: Date()) }
    }

    func pin(of trip: String, passenger: String) async throws -> String {
        let reply = try await api.call(.get, "/v1/trips/\(trip)", token: passenger)
        guard let pin = reply.string("pickupPin") else { throw TestFailure("no PIN: \(reply.text)") }
        return pin
    }

    func state(of trip: String, token: String) async throws -> String? {
        try await api.call(.get, "/v1/trips/\(trip)", token: token).string("state")
    }
}

extension Reply {
    /// A Money field's value in cents (two-decimal currencies).
    func cents(_ path: String...) -> Int? {
        var value: Any? = json
        for key in path { value = (value as? [String: Any])?[key] }
        guard let money = value as? [String: Any], let units = Int(money["units"] as? String ?? "0") else { return nil }
        return units * 100 + ((money["nanos"] as? Int) ?? 0) / 10_000_000
    }

    func value(_ path: String...) -> Any? {
        var value: Any? = json
        for key in path { value = (value as? [String: Any])?[key] }
        return value
    }
}
