import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Fills dispatch's tables with online drivers in the square, in the shape `goOnline` writes them
/// (a `drivers` row ONLINE with an ECONOMY vehicle, a `driver_positions` row with the geography and
/// the plain coordinates), then mints access tokens for some of them and for passengers and an admin.
///
/// SQL instead of the API: signing up, approving and bringing 100,000 drivers online through HTTP
/// would take longer than every measurement together. Ids are derived from the driver's number
/// (`md5('bench-driver-N')`) and positions from a fixed seed, so runs are repeatable and
/// `bench/compare.sh` can copy the very same drivers into the reference database.
struct DriverSeeder {
    let settings: PlatformSettings
    let logger: Logger
    let square = CitySquare()

    func run() async throws {
        let count = BenchEnvironment.drivers
        let started = ContinuousClock.now
        let database = settings.database
        let tokenDrivers = try await SingleConnection.with(
            host: database.host, port: database.port, username: database.superuser, password: database.superuserPassword,
            database: ServiceName.dispatch.rawValue, connectTimeout: .seconds(5), logger: logger
        ) { connection in
            try await seed(count, on: connection)
            return try await firstDrivers(BenchEnvironment.driverTokens, on: connection)
        }
        let seeded = ContinuousClock.now - started
        let platform = try await Platform(settings: settings, logger: logger)
        let directory = BenchEnvironment.workDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var driverLines: [String] = []
        for id in tokenDrivers {
            let token = try await platform.tokens.issueAccessToken(for: Principal(userID: id, role: .driver, sessionID: UUID())).token
            driverLines.append("\(id.uuidString.lowercased()) \(token)")
        }
        try write(driverLines, to: directory + "/drivers.tokens")
        try write(try await TokenMinter(platform: platform).passengers(100).map { "\($0.id) \($0.token)" }, to: directory + "/passengers.tokens")
        let admin = try await platform.tokens.issueAccessToken(for: Principal(userID: UUID(), role: .admin, sessionID: UUID())).token
        try write([admin], to: directory + "/admin.token")
        FileHandle.standardError.write(
            Data(
                "curbside-bench: \(count) drivers seeded in \(LatencySample.milliseconds(seeded)); \(driverLines.count) driver tokens in \(directory)\n"
                    .utf8))
    }

    /// Inserts `count` drivers (skipping those already there) and refreshes the planner's statistics.
    private func seed(_ count: Int, on connection: PostgresConnection) async throws {
        // One session: setseed makes random() repeatable for the INSERT that follows.
        try await connection.query("SELECT setseed(0.42)", logger: logger)
        try await connection.query(
            """
            INSERT INTO platform.drivers (driver_id, availability, vehicle_id, vehicle_class, vehicle_make, vehicle_model,
                vehicle_color, vehicle_plate, display_name, idle_since, update_time)
            SELECT md5('bench-driver-' || n)::uuid, 'ONLINE', md5('bench-vehicle-' || n)::uuid, 'ECONOMY', 'Toyota', 'Prius',
                'blue', 'B' || lpad(n::text, 7, '0'), 'Driver ' || n, now(), now()
            FROM generate_series(1, \(count)) AS n
            ON CONFLICT (driver_id) DO NOTHING
            """, logger: logger)
        // Positions 90 s old: fresh enough for `bench/run.sh`'s stale-after setting, and older than
        // any ping the load generators send, so every ping is kept.
        try await connection.query(
            """
            INSERT INTO platform.driver_positions (driver_id, position, latitude, longitude, record_time, receive_time)
            SELECT id, ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography, lat, lng,
                now() - interval '90 seconds', now() - interval '90 seconds'
            FROM (
                SELECT md5('bench-driver-' || n)::uuid AS id,
                    \(square.centerLatitude)::float8 + (random() * 2 - 1) * \(square.halfLatitude)::float8 AS lat,
                    \(square.centerLongitude)::float8 + (random() * 2 - 1) * \(square.halfLongitude)::float8 AS lng
                FROM generate_series(1, \(count)) AS n
            ) AS s
            ON CONFLICT (driver_id) DO NOTHING
            """, logger: logger)
        try await connection.query("ANALYZE platform.drivers", logger: logger)
        try await connection.query("ANALYZE platform.driver_positions", logger: logger)
    }

    private func firstDrivers(_ count: Int, on connection: PostgresConnection) async throws -> [UUID] {
        let rows = try await connection.query(
            "SELECT md5('bench-driver-' || n)::uuid FROM generate_series(1, \(min(count, BenchEnvironment.drivers))) AS n",
            logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    private func write(_ lines: [String], to path: String) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }
}

/// Access tokens minted with the platform's own `TokenService`: the users service would issue the
/// same tokens after a sign-in, and no service checks that the user exists.
struct TokenMinter {
    let platform: Platform

    func passengers(_ count: Int) async throws -> [(id: String, token: String)] {
        var minted: [(id: String, token: String)] = []
        for _ in 0..<count {
            let id = UUID()
            let token = try await platform.tokens.issueAccessToken(for: Principal(userID: id, role: .passenger, sessionID: UUID())).token
            minted.append((id.uuidString.lowercased(), token))
        }
        return minted
    }
}
