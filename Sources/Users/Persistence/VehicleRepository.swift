import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// A driver's vehicles (`driver.vehicles`).
public struct VehicleRepository: Sendable {
    let database: Database

    public init(databases: ServiceDatabases) {
        database = databases.driver
    }

    /// Stores a vehicle once per request id; returns the id of the vehicle the first request created.
    public func create(_ vehicle: Vehicle, requestID: UUID?, requestHash: String, writer: UUID, logger: Logger)
        async throws -> UUID
    {
        do {
            return try await database.transaction(writer: writer, logger: logger) { connection in
                try await IdempotencyKeys.createOnce(
                    scope: "users.createVehicle:\(vehicle.driverID)", requestID: requestID, requestHash: requestHash,
                    id: vehicle.id, on: connection, logger: logger
                ) {
                    let details = vehicle.details
                    try await connection.query(
                        """
                        INSERT INTO driver.vehicles (\(unescaped: DriverRecords.vehicleColumns))
                        VALUES (\(vehicle.id), \(vehicle.driverID), \(details.make), \(details.model), \(details.year),
                                \(details.licensePlate), \(details.color), \(details.seatCount), \(details.vehicleClass.rawValue),
                                \(vehicle.state.rawValue), \(vehicle.stateReason), \(vehicle.createTime.postgres),
                                \(vehicle.updateTime.postgres), \(vehicle.version))
                        """, logger: logger)
                }
            }
        } catch let error as PSQLError {
            throw UserRepository.translate(error)
        }
    }

    public func vehicle(driverID: UUID, id: UUID, reader: UUID?, logger: Logger) async throws -> Vehicle? {
        try await database.read(reader: reader, logger: logger) { client in
            try await DriverRecords.vehicles(
                try await client.query(
                    """
                    SELECT \(unescaped: DriverRecords.vehicleColumns) FROM driver.vehicles
                    WHERE driver_id = \(driverID) AND id = \(id)
                    """, logger: logger)
            ).first
        }
    }

    public func list(driverID: UUID, after cursor: PageTokenCodec.Cursor?, limit: Int, reader: UUID?, logger: Logger)
        async throws -> [Vehicle]
    {
        var query = SQLBuilder("SELECT \(DriverRecords.vehicleColumns) FROM driver.vehicles WHERE driver_id = ")
        query.bind(driverID)
        try KeysetPage.apply(
            cursor: cursor, order: try OrderBy(nil, allowed: ["createTime"], defaultField: "createTime"),
            sortColumn: "create_time", idColumn: "id", limit: limit, to: &query)
        let built = query
        return try await database.read(reader: reader, logger: logger) { client in
            try await DriverRecords.vehicles(try await client.query(built.query, logger: logger))
        }
    }

    /// Locks the vehicle, applies `change`, saves it.
    public func update(
        driverID: UUID, id: UUID, writer: UUID, logger: Logger, _ change: @Sendable (inout Vehicle) throws -> Void
    ) async throws -> Vehicle? {
        do {
            return try await database.transaction(writer: writer, logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(unescaped: DriverRecords.vehicleColumns) FROM driver.vehicles
                    WHERE driver_id = \(driverID) AND id = \(id) FOR UPDATE
                    """, logger: logger)
                guard var vehicle = try await DriverRecords.vehicles(rows).first else { return nil }
                try change(&vehicle)
                let details = vehicle.details
                try await connection.query(
                    """
                    UPDATE driver.vehicles SET license_plate = \(details.licensePlate), color = \(details.color),
                        seat_count = \(details.seatCount), state = \(vehicle.state.rawValue),
                        state_reason = \(vehicle.stateReason), update_time = \(vehicle.updateTime.postgres), version = \(vehicle.version)
                    WHERE id = \(id)
                    """, logger: logger)
                return vehicle
            }
        } catch let error as PSQLError {
            throw UserRepository.translate(error)
        }
    }

    /// Removes a vehicle (and the documents that cover it). False if there was none.
    public func delete(driverID: UUID, id: UUID, writer: UUID, logger: Logger) async throws -> Bool {
        try await database.transaction(writer: writer, logger: logger) { connection in
            let rows = try await connection.query(
                "DELETE FROM driver.vehicles WHERE driver_id = \(driverID) AND id = \(id) RETURNING id", logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }
}
