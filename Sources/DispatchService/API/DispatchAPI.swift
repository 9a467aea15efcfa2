import CurbsideCore
import Foundation
import Logging
import OpenAPIRuntime

/// The generated `APIProtocol` of the dispatch service: maps DTOs to use cases and back; no rules here.
///
/// Roles are enforced before these methods run (``GuardedTransport`` reads `x-curbside-roles`);
/// whose resource a caller may touch is decided in the application layer.
struct DispatchAPI: APIProtocol {
    let availability: AvailabilityService
    let locations: LocationService
    let offers: OfferService
    let zones: ZoneService

    var logger: Logger { RequestScope.current.logger }

    func caller() throws -> Principal { try RequestScope.current.requirePrincipal() }

    func lookupZone(_ input: Operations.LookupZone.Input) async throws -> Operations.LookupZone.Output {
        try await DispatchErrorMapping.translating {
            let q = input.query
            let conditions = try await zones.lookup(
                latitude: q.latitude, longitude: q.longitude, vehicleClass: q.vehicleClass.rawValue, logger: logger)
            return .ok(
                .init(
                    body: .json(
                        .init(
                            zone: conditions.zone, surgeMultiplier: Int32(conditions.surgeHundredths),
                            availableDrivers: Int32(clamping: conditions.availableDrivers),
                            pickupEta: conditions.pickupEtaSeconds.map(DispatchMapping.duration)))))
        }
    }

    func getDriverLocation(_ input: Operations.GetDriverLocation.Input) async throws -> Operations.GetDriverLocation.Output {
        try await DispatchErrorMapping.translating {
            let caller = try caller()
            let driver = try DispatchMapping.userID(input.path.driver, caller: caller, field: "driver")
            return .ok(.init(body: .json(DispatchMapping.location(try await locations.position(driver, caller: caller, logger: logger)))))
        }
    }

    func getTripTrail(_ input: Operations.GetTripTrail.Input) async throws -> Operations.GetTripTrail.Output {
        try await DispatchErrorMapping.translating {
            let trip = try DispatchMapping.uuid(input.path.trip, field: "trip")
            let trail = try await locations.trail(trip, since: input.query.startTime, logger: logger)
            return .ok(
                .init(
                    body: .json(
                        .init(
                            trip: Names.trip(trip), distanceMeters: Int64(trail.distanceMeters.rounded()),
                            duration: DispatchMapping.duration(Int(trail.durationSeconds.rounded())), pointCount: Int32(trail.pointCount)))))
        }
    }

    func reportLocation(_ input: Operations.ReportLocation.Input) async throws -> Operations.ReportLocation.Output {
        try await DispatchErrorMapping.translating {
            let caller = try caller()
            let driver = try DispatchMapping.userID(input.path.driver, caller: caller, field: "driver")
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let kept = try await locations.report(
                driver, latitude: body.location.latitude, longitude: body.location.longitude, accuracyMeters: body.accuracyMeters,
                headingDegrees: body.headingDegrees, speedMetersPerSecond: body.speedMetersPerSecond, recordTime: body.recordTime,
                caller: caller, logger: logger)
            return .ok(.init(body: .json(.init(accepted: kept))))
        }
    }

    func getTripDriverLocation(_ input: Operations.GetTripDriverLocation.Input) async throws -> Operations.GetTripDriverLocation.Output {
        try await DispatchErrorMapping.translating {
            let trip = try DispatchMapping.uuid(input.path.trip, field: "trip")
            let position = try await locations.tripDriverPosition(trip, caller: try caller(), logger: logger)
            return .ok(.init(body: .json(DispatchMapping.location(position))))
        }
    }

    func listNearbyDrivers(_ input: Operations.ListNearbyDrivers.Input) async throws -> Operations.ListNearbyDrivers.Output {
        try await DispatchErrorMapping.translating {
            let caller = try caller()
            let q = input.query
            let found = try await locations.nearby(
                latitude: q.latitude, longitude: q.longitude, radiusMeters: q.radiusMeters.map(Int.init),
                vehicleClass: q.vehicleClass?.rawValue, caller: caller, logger: logger)
            let identities = caller.role == .admin
            let drivers = found.drivers.map { driver in
                Components.Schemas.NearbyDriver(
                    driver: identities ? Names.driver(driver.driverID) : nil, location: DispatchMapping.latLng(driver.coordinate),
                    vehicleClass: driver.vehicleClass.flatMap(Components.Schemas.VehicleClass.init(rawValue:)))
            }
            return .ok(.init(body: .json(.init(count: Int32(clamping: found.count), drivers: drivers))))
        }
    }
}
