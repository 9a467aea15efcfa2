import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Availability and positions of drivers. Location reports touch only `driver_positions`, so they
/// never wait for matching, which locks `drivers` rows (a change of availability or trip copies the
/// `available` flag into the driver's position row, briefly locking it in that transaction).
struct DriverStore: Sendable {
    let database: Database

    /// The driver's row and latest position time, optionally locked (inside a transaction).
    func driver(_ id: UUID, lock: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> DriverRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: DriverRecord.columns) FROM platform.drivers d
            LEFT JOIN platform.driver_positions p USING (driver_id) WHERE d.driver_id = \(id)
            \(unescaped: lock ? "FOR UPDATE OF d" : "")
            """, logger: logger)
        for try await row in rows.decode(DriverRecord.Row.self) { return DriverRecord(row) }
        return nil
    }

    func driver(_ id: UUID, logger: Logger) async throws -> DriverRecord? {
        try await database.read(logger: logger) { client in
            let rows = try await client.query(
                """
                SELECT \(unescaped: DriverRecord.columns) FROM platform.drivers d
                LEFT JOIN platform.driver_positions p USING (driver_id) WHERE d.driver_id = \(id)
                """, logger: logger)
            for try await row in rows.decode(DriverRecord.Row.self) { return DriverRecord(row) }
            return nil
        }
    }

    /// Creates or updates the driver's row as ONLINE with `vehicle`, and records `location`.
    func goOnline(
        _ id: UUID, vehicleID: UUID, vehicle: VehicleSnapshotFields, displayName: String?, location: Coordinate, now: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO platform.drivers (driver_id, availability, vehicle_id, vehicle_class, vehicle_make, vehicle_model,
                vehicle_color, vehicle_plate, display_name, idle_since, update_time)
            VALUES (\(id), 'ONLINE', \(vehicleID), \(vehicle.vehicleClass), \(vehicle.make), \(vehicle.model), \(vehicle.color),
                \(vehicle.licensePlate), \(displayName), \(now.postgres), \(now.postgres))
            ON CONFLICT (driver_id) DO UPDATE SET availability = 'ONLINE', vehicle_id = excluded.vehicle_id,
                vehicle_class = excluded.vehicle_class, vehicle_make = excluded.vehicle_make,
                vehicle_model = excluded.vehicle_model, vehicle_color = excluded.vehicle_color,
                vehicle_plate = excluded.vehicle_plate, display_name = excluded.display_name,
                idle_since = CASE WHEN platform.drivers.availability = 'OFFLINE' THEN excluded.idle_since
                    ELSE platform.drivers.idle_since END,
                update_time = excluded.update_time
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO platform.driver_positions (driver_id, position, latitude, longitude, record_time, receive_time)
            VALUES (\(id), ST_SetSRID(ST_MakePoint(\(location.longitude), \(location.latitude)), 4326)::geography,
                \(location.latitude), \(location.longitude), \(now.postgres), \(now.postgres))
            ON CONFLICT (driver_id) DO UPDATE SET position = excluded.position, latitude = excluded.latitude,
                longitude = excluded.longitude, accuracy_meters = NULL, heading_degrees = NULL, speed_meters_per_second = NULL,
                record_time = excluded.record_time, receive_time = excluded.receive_time
            """, logger: logger)
    }

    func setAvailability(_ id: UUID, _ availability: String, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE platform.drivers SET availability = \(availability), update_time = \(now.postgres) WHERE driver_id = \(id)",
            logger: logger)
    }

    func position(_ id: UUID, logger: Logger) async throws -> PositionRecord? {
        try await database.read(logger: logger) { client in
            let rows = try await client.query(
                """
                SELECT driver_id, latitude, longitude, accuracy_meters, heading_degrees, speed_meters_per_second, record_time
                FROM platform.driver_positions WHERE driver_id = \(id)
                """, logger: logger)
            for try await r in rows.decode((UUID, Double, Double, Double?, Double?, Double?, Date).self) {
                return PositionRecord(
                    driverID: r.0, coordinate: Coordinate(latitude: r.1, longitude: r.2), accuracyMeters: r.3, headingDegrees: r.4,
                    speedMetersPerSecond: r.5, recordTime: r.6)
            }
            return nil
        }
    }

    /// A found driver near a point.
    struct Nearby: Sendable {
        var driverID: UUID
        var coordinate: Coordinate
        var vehicleClass: String?
        var distanceMeters: Double
    }

    /// Nearby search looks at this many nearest available drivers: its count stops here (enough for
    /// "100+ cars nearby" on a map), and stale or other-class drivers among them are skipped. The
    /// index walk is most of the search's cost: 100 take 0.5 ms with 100,000 drivers online, 500 took 2.3 ms.
    static let countCap = 100

    /// Available drivers within `radiusMeters` of `center`: the nearest `limit`, and how many there are
    /// among the nearest ``countCap`` available drivers (distances on the sphere, within 0.3 % of the spheroid's).
    func nearby(
        _ center: Coordinate, radiusMeters: Double, vehicleClass: String?, freshSince: Date, limit: Int, logger: Logger
    ) async throws -> (count: Int, drivers: [Nearby]) {
        let (x, y) = (center.longitude, center.latitude)
        return try await database.read(logger: logger) { client in
            let rows = try await client.query(
                """
                WITH nearest AS MATERIALIZED (
                    -- Walks the partial GiST index (available drivers only) nearest first and stops
                    -- after a fixed number: a few milliseconds however dense the city, where
                    -- collecting and sorting every driver in the circle cost ten times more.
                    SELECT p.driver_id, p.latitude, p.longitude, p.vehicle_class, p.record_time,
                        p.position <-> ST_SetSRID(ST_MakePoint(\(x), \(y)), 4326)::geography AS distance
                    FROM platform.driver_positions p
                    WHERE p.available
                    ORDER BY p.position <-> ST_SetSRID(ST_MakePoint(\(x), \(y)), 4326)::geography
                    LIMIT \(Self.countCap)
                ), matching AS (
                    SELECT * FROM nearest
                    WHERE distance <= \(radiusMeters) AND record_time > \(freshSince.postgres)
                        AND (\(vehicleClass)::text IS NULL OR vehicle_class = \(vehicleClass))
                )
                SELECT m.driver_id, m.latitude, m.longitude, m.vehicle_class, m.distance, (SELECT count(*) FROM matching)
                FROM matching m
                ORDER BY m.distance
                LIMIT \(limit)
                """, logger: logger)
            var count = 0
            var found: [Nearby] = []
            for try await r in rows.decode((UUID, Double, Double, String?, Double, Int).self) {
                count = r.5
                found.append(Nearby(driverID: r.0, coordinate: Coordinate(latitude: r.1, longitude: r.2), vehicleClass: r.3, distanceMeters: r.4))
            }
            return (count, found)
        }
    }

    /// The trail points of a trip since `start`.
    func trail(trip: UUID, since start: Date, logger: Logger) async throws -> [(Coordinate, Date)] {
        try await database.read(logger: logger) { client in
            let rows = try await client.query(
                """
                SELECT latitude, longitude, record_time FROM platform.trail_points
                WHERE trip_id = \(trip) AND record_time >= \(start.postgres) ORDER BY record_time
                """, logger: logger)
            var points: [(Coordinate, Date)] = []
            for try await (lat, lng, time) in rows.decode((Double, Double, Date).self) {
                points.append((Coordinate(latitude: lat, longitude: lng), time))
            }
            return points
        }
    }
}

/// What dispatch keeps of the vehicle a driver went online with (shown to the passenger on assignment).
struct VehicleSnapshotFields: Sendable, Equatable {
    var vehicleClass: String
    var make: String
    var model: String
    var color: String
    var licensePlate: String
}
