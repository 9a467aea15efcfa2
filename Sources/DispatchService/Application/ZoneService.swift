import CurbsideCore
import Foundation
import Logging

/// Market conditions per zone: surge (demand against supply, bounded and smoothed), supply and the
/// nearest driver's pickup ETA.
struct ZoneService: Sendable {
    let database: Database
    let drivers: DriverStore
    let grid: ZoneGrid
    let surge: SurgePolicy
    let policy: MatchingPolicy
    let clock: DispatchClock
    /// Supply is counted within this distance of the point.
    var supplyRadiusMeters = 3000.0
    /// The published surge of a zone moves at most once per this interval.
    var surgeUpdateInterval: TimeInterval = 10

    struct Conditions: Sendable, Equatable {
        var zone: String
        var surgeHundredths: Int
        var availableDrivers: Int
        var pickupEtaSeconds: Int?
    }

    func lookup(latitude: Double, longitude: Double, vehicleClass: String, logger: Logger) async throws -> Conditions {
        let point = try LocationReport.coordinate(latitude: latitude, longitude: longitude, field: "location")
        let now = clock.now()
        let zone = grid.zoneID(point)
        let supply = try await drivers.nearby(
            point, radiusMeters: supplyRadiusMeters, vehicleClass: vehicleClass, freshSince: now.addingTimeInterval(-policy.staleAfter),
            limit: 1, logger: logger)
        let multiplier: Int
        // Most lookups find the zone's surge recent enough: read it without a lock, so that
        // estimates in one zone do not queue behind each other. Only a due update locks the row.
        if let stored = try await storedSurge(zone: zone, vehicleClass: vehicleClass, logger: logger),
            now.timeIntervalSince(stored.updateTime) < surgeUpdateInterval
        {
            multiplier = surge.bounded(stored.hundredths)
        } else {
            multiplier = try await updateSurge(zone: zone, vehicleClass: vehicleClass, supply: supply.count, now: now, logger: logger)
        }
        return Conditions(
            zone: "zones/\(zone)", surgeHundredths: multiplier, availableDrivers: supply.count,
            pickupEtaSeconds: supply.drivers.first.map { policy.pickupEtaSeconds(distanceMeters: $0.distanceMeters) })
    }

    private func storedSurge(zone: String, vehicleClass: String, logger: Logger) async throws -> (hundredths: Int, updateTime: Date)? {
        try await database.readPrimary { client in
            let rows = try await client.query(
                """
                SELECT multiplier_hundredths, update_time FROM platform.zone_surge
                WHERE zone = \(zone) AND vehicle_class = \(vehicleClass)
                """, logger: logger)
            for try await row in rows.decode((Int, Date).self) { return row }
            return nil
        }
    }

    /// Recomputes the zone's surge from demand and `supply`, smoothed against the stored value,
    /// unless another instance updated it meanwhile (the row lock serializes updaters).
    private func updateSurge(zone: String, vehicleClass: String, supply: Int, now: Date, logger: Logger) async throws -> Int {
        let windowStart = now.addingTimeInterval(-TimeInterval(surge.windowSeconds))
        return try await database.transaction(logger: logger) { connection in
            let demandRows = try await connection.query(
                """
                SELECT count(*) FROM platform.jobs
                WHERE zone = \(zone) AND vehicle_class = \(vehicleClass) AND create_time > \(windowStart.postgres)
                """, logger: logger)
            var demand = 0
            for try await count in demandRows.decode(Int.self) { demand = count }
            let previousRows = try await connection.query(
                """
                SELECT multiplier_hundredths, update_time FROM platform.zone_surge
                WHERE zone = \(zone) AND vehicle_class = \(vehicleClass) FOR UPDATE
                """, logger: logger)
            var previous: (Int, Date)?
            for try await row in previousRows.decode((Int, Date).self) { previous = row }
            if let previous, now.timeIntervalSince(previous.1) < surgeUpdateInterval { return surge.bounded(previous.0) }
            let value = surge.smoothed(previous: previous?.0, raw: surge.raw(openRequests: demand, availableDrivers: supply))
            try await connection.query(
                """
                INSERT INTO platform.zone_surge (zone, vehicle_class, multiplier_hundredths, update_time)
                VALUES (\(zone), \(vehicleClass), \(value), \(now.postgres))
                ON CONFLICT (zone, vehicle_class) DO UPDATE SET multiplier_hundredths = excluded.multiplier_hundredths,
                    update_time = excluded.update_time
                """, logger: logger)
            return value
        }
    }
}
