import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Reads what the ops console shows: one snapshot of a box, four statements on one connection to
/// the primary (the console wants the newest state, and an admin's console is a handful of
/// connections, not the apps' load). Every part is bounded, whatever the city's size.
struct OpsSnapshotStore: Sendable {
    let database: Database
    let grid: ZoneGrid
    let policy: MatchingPolicy
    let surge: SurgePolicy

    static let maxDrivers = 20_000
    static let maxTrips = 5_000
    /// A 100 km box holds about 90 × 140 cells of 0.01°.
    static let maxZones = 20_000
    /// The window of `matchRate15m` and `meanPickupEtaSeconds`.
    static let counterWindow: TimeInterval = 15 * 60

    /// The snapshot of `box` at `now` (see ``OpsSnapshot`` for what each part holds).
    func snapshot(of box: BoundingBox, now: Date, logger: Logger) async throws -> OpsSnapshot {
        try await database.readPrimary { client in
            try await client.withConnection { connection in
                let (drivers, online) = try await drivers(in: box, now: now, on: connection, logger: logger)
                return OpsSnapshot(
                    time: Timestamp.format(now), drivers: drivers, trips: try await trips(in: box, on: connection, logger: logger),
                    zones: try await zones(in: box, now: now, on: connection, logger: logger),
                    counters: try await counters(in: box, now: now, onlineDrivers: online, on: connection, logger: logger))
            }
        }
    }

    /// Online drivers in the box, most recent position first, and how many there are in all.
    private func drivers(in box: BoundingBox, now: Date, on connection: PostgresConnection, logger: Logger) async throws -> (
        [OpsSnapshot.Driver], Int
    ) {
        let center = box.center
        // The circle around the box walks the GiST index on `position`; the exact box is checked on the
        // row. 1 % more radius covers the sphere-versus-spheroid difference of the distance.
        let radius = box.circumradiusMeters * 1.01 + 100
        let freshSince = now.addingTimeInterval(-policy.staleAfter)
        let rows = try await connection.query(
            """
            SELECT p.driver_id, p.latitude, p.longitude, p.record_time > \(freshSince.postgres), d.current_trip,
                o.driver_id IS NOT NULL, count(*) OVER ()
            FROM platform.driver_positions p
            JOIN platform.drivers d USING (driver_id)
            -- A driver holds at most one open offer (offers_one_open_per_driver): the join adds no rows.
            LEFT JOIN platform.offers o ON o.driver_id = p.driver_id AND o.state = 'OPEN'
            WHERE ST_DWithin(p.position, ST_SetSRID(ST_MakePoint(\(center.longitude), \(center.latitude)), 4326)::geography, \(radius))
                AND p.latitude BETWEEN \(box.minLatitude) AND \(box.maxLatitude)
                AND p.longitude BETWEEN \(box.minLongitude) AND \(box.maxLongitude)
                AND d.availability = 'ONLINE'
            ORDER BY p.record_time DESC
            LIMIT \(Self.maxDrivers)
            """, logger: logger)
        var drivers: [OpsSnapshot.Driver] = []
        var total = 0
        for try await (id, latitude, longitude, fresh, trip, offered, count) in rows.decode((UUID, Double, Double, Bool, UUID?, Bool, Int).self) {
            total = count
            let state =
                if trip != nil { "ON_TRIP" } else if offered { "OFFERED" } else if !fresh { "STALE" } else { "AVAILABLE" }
            let point = OpsSnapshot.Point(Coordinate(latitude: latitude, longitude: longitude))
            drivers.append(.init(driver: Names.driver(id), lat: point.lat, lng: point.lng, state: state, trip: trip.map(Names.trip)))
        }
        return (drivers, total)
    }

    /// Trips being matched or with a driver, picked up in the box, newest first.
    private func trips(in box: BoundingBox, on connection: PostgresConnection, logger: Logger) async throws -> [OpsSnapshot.Trip] {
        let rows = try await connection.query(
            """
            SELECT trip_id, state, pickup_latitude, pickup_longitude, dropoff_latitude, dropoff_longitude, assigned_driver
            FROM platform.jobs
            WHERE state IN ('OPEN', 'ASSIGNED')
                AND pickup_latitude BETWEEN \(box.minLatitude) AND \(box.maxLatitude)
                AND pickup_longitude BETWEEN \(box.minLongitude) AND \(box.maxLongitude)
            ORDER BY create_time DESC
            LIMIT \(Self.maxTrips)
            """, logger: logger)
        var trips: [OpsSnapshot.Trip] = []
        for try await r in rows.decode((UUID, String, Double, Double, Double, Double, UUID?).self) {
            trips.append(
                .init(
                    trip: Names.trip(r.0), state: r.1, pickup: .init(Coordinate(latitude: r.2, longitude: r.3)),
                    dropoff: .init(Coordinate(latitude: r.4, longitude: r.5)), driver: r.6.map(Names.driver)))
        }
        return trips
    }

    /// Zones in the box whose surge is recent, with the highest multiplier over vehicle classes.
    private func zones(in box: BoundingBox, now: Date, on connection: PostgresConnection, logger: Logger) async throws -> [OpsSnapshot.Zone] {
        let since = now.addingTimeInterval(-TimeInterval(surge.windowSeconds))
        // Zone ids are `{row}_{column}`; CASE keeps a malformed id from failing the cast.
        let rows = try await connection.query(
            """
            SELECT zone, max(multiplier_hundredths) FROM (
                SELECT zone, multiplier_hundredths,
                    CASE WHEN zone ~ '^-?[0-9]{1,9}_-?[0-9]{1,9}$' THEN split_part(zone, '_', 1)::integer END AS cell_row,
                    CASE WHEN zone ~ '^-?[0-9]{1,9}_-?[0-9]{1,9}$' THEN split_part(zone, '_', 2)::integer END AS cell_column
                FROM platform.zone_surge WHERE update_time > \(since.postgres)
            ) recent
            WHERE cell_row BETWEEN \(grid.row(latitude: box.minLatitude)) AND \(grid.row(latitude: box.maxLatitude))
                AND cell_column BETWEEN \(grid.column(longitude: box.minLongitude)) AND \(grid.column(longitude: box.maxLongitude))
            GROUP BY zone
            LIMIT \(Self.maxZones)
            """, logger: logger)
        var zones: [OpsSnapshot.Zone] = []
        for try await (zone, hundredths) in rows.decode((String, Int).self) {
            guard let edges = grid.bounds(ofZone: zone) else { continue }
            zones.append(
                .init(
                    zone: "zones/\(zone)", south: OpsSnapshot.rounded(edges.south), west: OpsSnapshot.rounded(edges.west),
                    north: OpsSnapshot.rounded(edges.north), east: OpsSnapshot.rounded(edges.east),
                    surge: Double(surge.bounded(hundredths)) / 100))
        }
        return zones
    }

    /// Requests, matching and pickup estimates of the trips requested in the box lately.
    private func counters(in box: BoundingBox, now: Date, onlineDrivers: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> OpsSnapshot.Counters
    {
        let minuteAgo = now.addingTimeInterval(-60)
        let windowStart = now.addingTimeInterval(-Self.counterWindow)
        let rows = try await connection.query(
            """
            WITH recent AS MATERIALIZED (
                SELECT trip_id, state, assigned_driver, create_time FROM platform.jobs
                WHERE create_time > \(windowStart.postgres)
                    AND pickup_latitude BETWEEN \(box.minLatitude) AND \(box.maxLatitude)
                    AND pickup_longitude BETWEEN \(box.minLongitude) AND \(box.maxLongitude)
            )
            SELECT
                (SELECT count(*) FROM recent WHERE create_time > \(minuteAgo.postgres)),
                -- Decided: a driver took it (a cancelled trip keeps the driver it had), or matching gave up.
                -- Trips cancelled before any driver took them are neither.
                (SELECT count(*) FROM recent
                    WHERE state IN ('ASSIGNED', 'COMPLETED') OR (state = 'CANCELLED' AND assigned_driver IS NOT NULL)),
                (SELECT count(*) FROM recent WHERE state = 'NO_DRIVER_FOUND'),
                (SELECT avg(o.pickup_eta_seconds)::double precision FROM platform.offers o JOIN recent r USING (trip_id)
                    WHERE o.state = 'ACCEPTED')
            """, logger: logger)
        var counters = OpsSnapshot.Counters(requestsLastMinute: 0, onlineDrivers: onlineDrivers)
        for try await (requests, matched, unmatched, meanEta) in rows.decode((Int, Int, Int, Double?).self) {
            counters.requestsLastMinute = requests
            if matched + unmatched > 0 {
                counters.matchRate15m = (Double(matched) / Double(matched + unmatched) * 1000).rounded() / 1000
            }
            counters.meanPickupEtaSeconds = meanEta.map { ($0 * 10).rounded() / 10 }
        }
        return counters
    }
}
