import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// PostGIS or an in-memory index for positions (the issue asks to choose by measurement): the same
/// searches, one at a time, against dispatch's query (`DriverStore.nearby`, copied here because
/// the store is internal to dispatch) over the seeded drivers, and against a ``GridIndex`` of the
/// same points. Both return the count within 2 km and the nearest 50.
struct NearbyIndexBenchmark {
    let settings: PlatformSettings
    let logger: Logger
    let queries = BenchEnvironment.int("CURBSIDE_BENCH_INDEX_QUERIES", 2_000)
    let radiusMeters = 2_000.0
    let square = CitySquare()

    func run() async throws -> [String] {
        let database = settings.database
        return try await SingleConnection.with(
            host: database.host, port: database.port, username: database.superuser, password: database.superuserPassword,
            database: ServiceName.dispatch.rawValue, connectTimeout: .seconds(5), logger: logger
        ) { connection in
            var generator = SeededGenerator(seed: 11)
            let centers = (0..<queries).map { _ in square.randomInnerPoint(using: &generator) }
            let freshSince = Date().addingTimeInterval(-86_400)

            var postgis = LatencySample()
            var postgisFound = 0
            for center in centers {
                let started = ContinuousClock.now
                postgisFound += try await postGIS(center, freshSince: freshSince, on: connection)
                postgis.add(ContinuousClock.now - started)
            }

            let loadStarted = ContinuousClock.now
            var grid = GridIndex(cellMeters: 500, referenceLatitude: square.centerLatitude)
            let rows = try await connection.query(
                """
                SELECT p.driver_id, p.latitude, p.longitude FROM platform.driver_positions p
                WHERE p.available AND p.record_time > \(freshSince)
                """, logger: logger)
            var points = 0
            for try await (id, latitude, longitude) in rows.decode((UUID, Double, Double).self) {
                grid.insert(.init(id: id, latitude: latitude, longitude: longitude))
                points += 1
            }
            let loadTime = ContinuousClock.now - loadStarted
            var memory = LatencySample()
            var memoryFound = 0
            for center in centers {
                let started = ContinuousClock.now
                memoryFound += grid.nearby(latitude: center.latitude, longitude: center.longitude, radiusMeters: radiusMeters, limit: 50).count
                memory.add(ContinuousClock.now - started)
            }
            return [
                row(
                    "nearby search, PostGIS (dispatch's query: nearest 100 available by partial GiST), \(queries) searches one at a time", postgis,
                    found: postgisFound),
                row(
                    "nearby search, in-memory grid (500 m cells) of the same \(points) points (loaded in \(LatencySample.milliseconds(loadTime)))",
                    memory, found: memoryFound),
            ]
        }
    }

    private func row(_ title: String, _ sample: LatencySample, found: Int) -> String {
        let total = sample.values.reduce(Duration.zero, +)
        let perSecond = Double(sample.count) / max(total.inSeconds, 1e-9)
        return
            "| \(title) | \(Int(perSecond))/s on one core, mean \(found / max(sample.count, 1)) drivers counted within 2 km | p50 \(LatencySample.milliseconds(sample.percentile(0.5))) | p99 \(LatencySample.milliseconds(sample.percentile(0.99))) |"
    }

    /// dispatch's nearby query, verbatim but for the bind syntax; returns the count within the radius (capped at 100, as dispatch's is).
    private func postGIS(_ center: (latitude: Double, longitude: Double), freshSince: Date, on connection: PostgresConnection)
        async throws -> Int
    {
        let vehicleClass: String? = nil
        let (x, y) = (center.longitude, center.latitude)
        let rows = try await connection.query(
            """
            WITH nearest AS MATERIALIZED (
                SELECT p.driver_id, p.latitude, p.longitude, p.vehicle_class, p.record_time,
                    p.position <-> ST_SetSRID(ST_MakePoint(\(x), \(y)), 4326)::geography AS distance
                FROM platform.driver_positions p
                WHERE p.available
                ORDER BY p.position <-> ST_SetSRID(ST_MakePoint(\(x), \(y)), 4326)::geography
                LIMIT 100
            ), matching AS (
                SELECT * FROM nearest
                WHERE distance <= \(radiusMeters) AND record_time > \(freshSince)
                    AND (\(vehicleClass)::text IS NULL OR vehicle_class = \(vehicleClass))
            )
            SELECT m.driver_id, m.latitude, m.longitude, m.vehicle_class, m.distance, (SELECT count(*) FROM matching)
            FROM matching m
            ORDER BY m.distance
            LIMIT 50
            """, logger: logger)
        var count = 0
        for try await r in rows.decode((UUID, Double, Double, String?, Double, Int).self) { count = r.5 }
        return count
    }
}
