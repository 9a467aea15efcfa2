import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Commission per city and vehicle class (`platform.commission_rates`); the configured default
/// applies where none is set.
struct CommissionRates: Sendable {
    let fallback: Commission

    func commission(city: String, vehicleClass: String, on connection: PostgresConnection, logger: Logger) async throws -> Commission {
        let rows = try await connection.query(
            "SELECT basis_points FROM platform.commission_rates WHERE city_id = \(city) AND vehicle_class = \(vehicleClass)",
            logger: logger)
        for try await points in rows.decode(Int.self) { return Commission(basisPoints: points) ?? fallback }
        return fallback
    }

    /// The rate for a city and class, and whether it is set explicitly.
    func rate(city: String, vehicleClass: String, on database: Database, logger: Logger) async throws -> (Commission, updateTime: Date?) {
        try await database.readPrimary { client in
            let rows = try await client.query(
                "SELECT basis_points, update_time FROM platform.commission_rates WHERE city_id = \(city) AND vehicle_class = \(vehicleClass)",
                logger: logger)
            for try await (points, time) in rows.decode((Int, Date).self) { return (Commission(basisPoints: points) ?? fallback, time) }
            return (fallback, nil)
        }
    }

    func set(_ commission: Commission, city: String, vehicleClass: String, now: Date, on database: Database, logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO platform.commission_rates (city_id, vehicle_class, basis_points, update_time)
                VALUES (\(city), \(vehicleClass), \(commission.basisPoints), \(now.postgres))
                ON CONFLICT (city_id, vehicle_class) DO UPDATE SET basis_points = EXCLUDED.basis_points, update_time = EXCLUDED.update_time
                """, logger: logger)
        }
    }
}
