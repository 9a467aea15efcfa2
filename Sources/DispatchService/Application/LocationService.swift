import CurbsideCore
import Foundation
import Logging

/// Location reports, positions, nearby search and trip trails.
struct LocationService: Sendable {
    let drivers: DriverStore
    let database: Database
    let store: MatchingStore
    let writer: LocationWriter
    let policy: MatchingPolicy
    let clock: DispatchClock

    /// Keeps the report unless a newer one is kept; returns whether it was kept.
    func report(
        _ driverID: UUID, latitude: Double, longitude: Double, accuracyMeters: Double?, headingDegrees: Double?,
        speedMetersPerSecond: Double?, recordTime: Date, caller: Principal, logger: Logger
    ) async throws -> Bool {
        guard caller.userID == driverID else { throw DispatchError.notYourResource }
        let now = clock.now()
        let report = try LocationReport.validated(
            latitude: latitude, longitude: longitude, accuracyMeters: accuracyMeters, headingDegrees: headingDegrees,
            speedMetersPerSecond: speedMetersPerSecond, recordTime: recordTime, now: now)
        guard let kept = try await writer.record(driverID, report, now: now) else {
            throw DispatchError.driverNotOnline
        }
        return kept
    }

    /// The driver's latest position (the driver themself, an admin, another service).
    func position(_ driverID: UUID, caller: Principal, logger: Logger) async throws -> PositionRecord {
        guard caller.isSelfOrAdmin(driverID) || caller.role == .service else { throw DispatchError.notYourResource }
        // Services decide with it (is the driver at the pickup?) right after the driver reported it,
        // and reports skip read-your-writes bookkeeping: a replica might still hold the previous position.
        let latest = try await Database.withPrimaryReads { try await drivers.position(driverID, logger: logger) }
        guard let position = latest else {
            throw DispatchError.notFound("\(Names.driver(driverID))/location")
        }
        return position
    }

    /// The position of the driver assigned to a trip, for that trip's passenger (or an admin, a service).
    func tripDriverPosition(_ tripID: UUID, caller: Principal, logger: Logger) async throws -> PositionRecord {
        let job = try await database.readPrimary { client in
            try await client.withConnection { try await store.job(tripID, lock: false, on: $0, logger: logger) }
        }
        guard let job else { throw DispatchError.notFound(Names.trip(tripID)) }
        if caller.role == .passenger, caller.userID != job.passengerID { throw DispatchError.notYourResource }
        guard job.state == "ASSIGNED", let driver = job.assignedDriver else {
            throw DispatchError.notFound("\(Names.trip(tripID))/driverLocation")
        }
        // The passenger's map polls this: a replica serves it, but a driver who came online a
        // moment ago may not be there yet, so absence is confirmed on the primary.
        var found = try await drivers.position(driver, logger: logger)
        if found == nil { found = try await Database.withPrimaryReads { try await drivers.position(driver, logger: logger) } }
        guard let position = found else { throw DispatchError.notFound("\(Names.trip(tripID))/driverLocation") }
        return position
    }

    /// Available drivers near a point; passengers get rounded positions and no identities.
    func nearby(
        latitude: Double, longitude: Double, radiusMeters: Int?, vehicleClass: String?, caller: Principal, logger: Logger
    ) async throws -> (count: Int, drivers: [DriverStore.Nearby]) {
        let center = try LocationReport.coordinate(latitude: latitude, longitude: longitude, field: "location")
        let radius = radiusMeters ?? 2000
        guard (1...10_000).contains(radius) else {
            throw DispatchError.invalidField(
                field: "radiusMeters", message: "radiusMeters must be between 1 and 10000", reason: "INVALID_RADIUS")
        }
        let now = clock.now()
        var found = try await drivers.nearby(
            center, radiusMeters: Double(radius), vehicleClass: vehicleClass, freshSince: now.addingTimeInterval(-policy.staleAfter),
            limit: 50, logger: logger)
        if caller.role != .admin {
            // About 100 m: enough to show cars on a map, not enough to follow one.
            found.drivers = found.drivers.map { driver in
                var blurred = driver
                blurred.coordinate = Coordinate(
                    latitude: (driver.coordinate.latitude * 1000).rounded() / 1000,
                    longitude: (driver.coordinate.longitude * 1000).rounded() / 1000)
                return blurred
            }
        }
        return found
    }

    /// The distance travelled on a trip since `start`, without implausible jumps.
    func trail(_ tripID: UUID, since start: Date, logger: Logger) async throws -> TrailMeasure.Result {
        // The fare is computed from it the moment the driver completes: include the last reports.
        let points = try await Database.withPrimaryReads { try await drivers.trail(trip: tripID, since: start, logger: logger) }
        if points.isEmpty {
            let job = try await database.readPrimary { client in
                try await client.withConnection { try await store.job(tripID, lock: false, on: $0, logger: logger) }
            }
            if job == nil { throw DispatchError.notFound("\(Names.trip(tripID))/trail") }
        }
        return TrailMeasure.measure(points)
    }
}
