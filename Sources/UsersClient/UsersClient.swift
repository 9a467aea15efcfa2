import Foundation
import OpenAPIRuntime

/// What dispatch asks the users service about a driver, as a protocol so that dispatch's tests can
/// stand in for users.
///
/// ``HTTPDriverDirectory`` calls the users API through the client generated from its document
/// (operations `checkDriverEligibility`, `getDriver`, `getVehicle`).
public protocol DriverDirectory: Sendable {
    /// Whether the driver may go online with the vehicle, and every reason they may not.
    func eligibility(driverID: UUID, vehicleID: UUID) async throws -> DriverEligibility
    /// The driver's display name, or `nil` when there is no such driver.
    func displayName(driverID: UUID) async throws -> String?
    /// What passengers see of the vehicle, or `nil` when the driver has no such vehicle.
    func vehicle(driverID: UUID, vehicleID: UUID) async throws -> VehicleDetails?
}

/// The users service's verdict on a driver and vehicle.
public struct DriverEligibility: Sendable, Equatable {
    public var eligible: Bool
    /// Stable reasons such as `DRIVER_NOT_APPROVED` or `VEHICLE_NOT_APPROVED`.
    public var reasons: [String]
    public var vehicleClass: String?

    public init(eligible: Bool, reasons: [String], vehicleClass: String?) {
        self.eligible = eligible
        self.reasons = reasons
        self.vehicleClass = vehicleClass
    }
}

/// A vehicle as passengers see it.
public struct VehicleDetails: Sendable, Equatable {
    public var make: String
    public var model: String
    public var color: String
    public var licensePlate: String
    public var vehicleClass: String

    public init(make: String, model: String, color: String, licensePlate: String, vehicleClass: String) {
        self.make = make
        self.model = model
        self.color = color
        self.licensePlate = licensePlate
        self.vehicleClass = vehicleClass
    }
}

/// The users service answered with an error (its AIP status code and reason), or not as documented.
public struct UsersCallError: Error, CustomStringConvertible {
    public let statusCode: Int
    public let reason: String?
    public var description: String { "users answered \(statusCode)\(reason.map { " (\($0))" } ?? "")" }
}

/// ``DriverDirectory`` over HTTP.
public struct HTTPDriverDirectory: DriverDirectory {
    let client: Client

    /// - Parameter configuration: must read the timestamps the server writes (Curbside's are RFC 3339
    ///   with milliseconds only when non-zero; `ServiceClients.Parts.configuration` does).
    public init(
        serverURL: URL, configuration: Configuration = .init(), transport: any ClientTransport, middlewares: [any ClientMiddleware]
    ) {
        client = Client(serverURL: serverURL, configuration: configuration, transport: transport, middlewares: middlewares)
    }

    public func eligibility(driverID: UUID, vehicleID: UUID) async throws -> DriverEligibility {
        let driver = driverID.uuidString.lowercased()
        let vehicle = "drivers/\(driver)/vehicles/\(vehicleID.uuidString.lowercased())"
        switch try await client.checkDriverEligibility(path: .init(driver: driver), query: .init(vehicle: vehicle)) {
        case .ok(let ok):
            let body = try ok.body.json
            return DriverEligibility(
                eligible: body.eligible, reasons: body.reasons.map(\.rawValue), vehicleClass: body.vehicleClass?.rawValue)
        case .default(404, _):
            return DriverEligibility(eligible: false, reasons: ["NOT_A_DRIVER"], vehicleClass: nil)
        case .default(let status, let failure):
            throw UsersCallError(statusCode: status, reason: Self.reason(try? failure.body.json))
        }
    }

    public func displayName(driverID: UUID) async throws -> String? {
        switch try await client.getDriver(path: .init(driver: driverID.uuidString.lowercased())) {
        case .ok(let ok): return try ok.body.json.displayName
        case .default(404, _): return nil
        case .default(let status, let failure):
            throw UsersCallError(statusCode: status, reason: Self.reason(try? failure.body.json))
        }
    }

    public func vehicle(driverID: UUID, vehicleID: UUID) async throws -> VehicleDetails? {
        switch try await client.getVehicle(
            path: .init(driver: driverID.uuidString.lowercased(), vehicle: vehicleID.uuidString.lowercased()))
        {
        case .ok(let ok):
            let body = try ok.body.json
            return VehicleDetails(
                make: body.make ?? "", model: body.model ?? "", color: body.color ?? "", licensePlate: body.licensePlate ?? "",
                vehicleClass: body.vehicleClass?.rawValue ?? "")
        case .default(404, _): return nil
        case .default(let status, let failure):
            throw UsersCallError(statusCode: status, reason: Self.reason(try? failure.body.json))
        }
    }

    static func reason(_ error: Components.Schemas.ErrorResponse?) -> String? {
        error?.error.details.first?.reason
    }
}
