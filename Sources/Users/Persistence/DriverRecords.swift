import Foundation
import PostgresNIO

/// Column lists and row mapping for the `driver` schema tables.
enum DriverRecords {
    static let driverColumns =
        "user_id, approval_state, approval_reason, approval_update_time, create_time, update_time, version"
    typealias DriverRow = (UUID, String, String?, Date?, Date, Date, Int)

    static func driver(_ row: DriverRow) -> Driver {
        Driver(
            userID: row.0, approvalState: Driver.ApprovalState(rawValue: row.1) ?? .pendingApproval, approvalReason: row.2,
            approvalUpdateTime: row.3, createTime: row.4, updateTime: row.5, version: row.6)
    }

    static func drivers(_ rows: PostgresRowSequence) async throws -> [Driver] {
        var result: [Driver] = []
        for try await row in rows.decode(DriverRow.self) { result.append(driver(row)) }
        return result
    }

    static let vehicleColumns = """
        id, driver_id, make, model, year, license_plate, color, seat_count, vehicle_class, state, state_reason,
        create_time, update_time, version
        """
    typealias VehicleRow = (UUID, UUID, String, String, Int, String, String, Int, String, String, String?, Date, Date, Int)

    static func vehicle(_ row: VehicleRow) -> Vehicle {
        // Stored details were validated on the way in; rebuild them without re-validating.
        let details = Vehicle.Details(
            stored: row.2, model: row.3, year: row.4, licensePlate: row.5, color: row.6, seatCount: row.7,
            vehicleClass: Vehicle.VehicleClass(rawValue: row.8) ?? .economy)
        return Vehicle(
            id: row.0, driverID: row.1, details: details, state: Vehicle.State(rawValue: row.9) ?? .pendingApproval,
            stateReason: row.10, createTime: row.11, updateTime: row.12, version: row.13)
    }

    static func vehicles(_ rows: PostgresRowSequence) async throws -> [Vehicle] {
        var result: [Vehicle] = []
        for try await row in rows.decode(VehicleRow.self) { result.append(vehicle(row)) }
        return result
    }

    static let documentColumns = "id, driver_id, kind, document_number, vehicle_id, expire_time, create_time"
    typealias DocumentRow = (UUID, UUID, String, String, UUID?, Date, Date)

    static func documents(_ rows: PostgresRowSequence) async throws -> [DriverDocument] {
        var result: [DriverDocument] = []
        for try await row in rows.decode(DocumentRow.self) {
            if let document = try? DriverDocument(
                id: row.0, driverID: row.1, kind: DriverDocument.Kind(rawValue: row.2) ?? .driversLicense,
                documentNumber: row.3, vehicleID: row.4, expireTime: row.5, createTime: row.6, validate: nil)
            {
                result.append(document)
            }
        }
        return result
    }
}
