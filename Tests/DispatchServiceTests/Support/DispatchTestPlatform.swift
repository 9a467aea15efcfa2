import CurbsideCore
import CurbsideTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import IntegrationEvents
import Logging
import PostgresNIO
import UsersClient

@testable import DispatchService

/// Stands in for the users service: every driver is eligible unless listed.
struct FakeDirectory: DriverDirectory {
    var ineligible: Set<UUID> = []

    func eligibility(driverID: UUID, vehicleID: UUID) async throws -> DriverEligibility {
        ineligible.contains(driverID)
            ? DriverEligibility(eligible: false, reasons: ["DRIVER_NOT_APPROVED", "VEHICLE_NOT_APPROVED"], vehicleClass: nil)
            : DriverEligibility(eligible: true, reasons: [], vehicleClass: "ECONOMY")
    }

    func displayName(driverID: UUID) async throws -> String? { "Test Driver" }

    func vehicle(driverID: UUID, vehicleID: UUID) async throws -> VehicleDetails? {
        VehicleDetails(make: "Toyota", model: "Prius", color: "Blue", licensePlate: "CB-\(vehicleID.uuidString.prefix(6))", vehicleClass: "ECONOMY")
    }
}

/// Dispatch modules on the cluster `make test` started, with their schema migrated once per process.
enum DispatchTestPlatform {
    private static let migrated = MigrationOnce(service: .dispatch, migrations: DispatchModule.migrations)

    /// Runs `body` with one or more dispatch modules (same database) behind one router.
    static func withModules(
        count: Int = 1, settings extra: [String: String] = [:], directory: FakeDirectory = FakeDirectory(),
        _ body: @Sendable (TestAPI, [DispatchModule]) async throws -> Void
    ) async throws {
        let platform = extra.isEmpty ? try await TestEnvironment.platform() : try await TestEnvironment.platform(extra)
        try await migrated.run(platform.settings)
        let modules = try (0..<count).map { _ in try DispatchModule(platform: platform, routing: .curbside, drivers: directory) }
        let router = try PlatformApplication.router(platform: platform, modules: [modules[0]])
        var app = Application(router: router, logger: TestEnvironment.logger)
        for module in modules { for client in module.databases.clients { app.addServices(client) } }
        try await app.test(.router) { client in
            try await body(TestAPI(client: client, platform: platform), modules)
        }
    }

    static func withModule(
        settings extra: [String: String] = [:], directory: FakeDirectory = FakeDirectory(),
        _ body: @Sendable (TestAPI, DispatchModule) async throws -> Void
    ) async throws {
        try await withModules(count: 1, settings: extra, directory: directory) { api, modules in try await body(api, modules[0]) }
    }

    /// A random spot on Earth, so that parallel tests never see each other's drivers.
    static func randomArea() -> Coordinate {
        Coordinate(latitude: Double.random(in: -60...60), longitude: Double.random(in: -170...170))
    }
}

extension Coordinate {
    /// The point `meters` north of this one.
    func north(_ meters: Double) -> Coordinate { Coordinate(latitude: latitude + meters / 111_195, longitude: longitude) }
}

/// Steps most dispatch tests share.
extension TestAPI {
    func driverToken(_ driver: UUID) async throws -> String { try await token(.driver, userID: driver) }

    @discardableResult
    func goOnline(_ driver: UUID, at point: Coordinate) async throws -> Reply {
        let id = driver.uuidString.lowercased()
        return try await call(
            .post, "/v1/drivers/\(id):goOnline", token: try await driverToken(driver),
            json:
                #"{"vehicle":"drivers/\#(id)/vehicles/\#(UUID().uuidString.lowercased())","location":{"latitude":\#(point.latitude),"longitude":\#(point.longitude)}}"#
        )
    }

    @discardableResult
    func report(_ driver: UUID, at point: Coordinate, time: Date = Date(), extra: String = "") async throws -> Reply {
        try await call(
            .post, "/v1/drivers/\(driver.uuidString.lowercased())/location:report", token: try await driverToken(driver),
            json: #"{"location":{"latitude":\#(point.latitude),"longitude":\#(point.longitude)},"recordTime":"\#(Timestamp.format(time))"\#(extra)}"#)
    }

    /// The names of the driver's open offers.
    func openOffers(_ driver: UUID) async throws -> [String] {
        let reply = try await call(.get, "/v1/drivers/\(driver.uuidString.lowercased())/offers", token: try await driverToken(driver))
        guard reply.status == 200 else { throw TestFailure("offers: \(reply.status) \(reply.text)") }
        return ((reply["offers"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
    }

    func answer(_ offer: String, _ verb: String, as driver: UUID) async throws -> Reply {
        try await call(.post, "/v1/\(offer):\(verb)", token: try await driverToken(driver), json: "{}")
    }
}

/// Trips' events, as the relay would deliver them.
enum TripEvents {
    static func requested(trip: UUID = UUID(), passenger: UUID = UUID(), at pickup: Coordinate) -> TripsV1.TripRequested {
        TripsV1.TripRequested(
            trip: "trips/\(trip.uuidString.lowercased())", passenger: "users/\(passenger.uuidString.lowercased())", city: "cities/test",
            vehicleClass: "ECONOMY", pickup: GeoPoint(latitude: pickup.latitude, longitude: pickup.longitude),
            dropoff: GeoPoint(latitude: pickup.latitude + 0.02, longitude: pickup.longitude),
            quotedFare: MoneyAmount(currencyCode: "USD", minorUnits: 1250), estimatedDistanceMeters: 2300, estimatedDurationSeconds: 420,
            requestTime: Date())
    }

    static func cancelled(_ trip: String, passenger: String) -> TripsV1.TripCancelled {
        TripsV1.TripCancelled(
            trip: trip, passenger: passenger, driver: nil, cancelledBy: "PASSENGER", reason: nil, cancellationFee: nil, cancelTime: Date())
    }

    static func envelope(_ event: some IntegrationEvent) throws -> EventEnvelope {
        try EventEnvelope(event, occurTime: Date(), traceID: nil)
    }
}

extension DispatchModule {
    func deliver(_ event: some IntegrationEvent) async throws {
        try await receiver.receive(try TripEvents.envelope(event))
    }

    /// Rows of `sql` (one integer column) on the dispatch database, for checking invariants directly.
    func count(_ sql: String) async throws -> Int {
        try await databases.platform.readPrimary { client in
            let rows = try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
            for try await value in rows.decode(Int.self) { return value }
            return 0
        }
    }
}
