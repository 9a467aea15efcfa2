import Foundation
import OpenAPIRuntime

/// What trips asks dispatch, as a protocol so that trips' tests can stand in for dispatch.
///
/// ``HTTPDispatchGateway`` calls dispatch's public API through the client generated from its
/// document (operations `lookupZone`, `getDriverLocation`, `getTripTrail`).
public protocol DispatchGateway: Sendable {
    /// Surge, supply and pickup ETA at a point for a vehicle class.
    func zoneConditions(latitude: Double, longitude: Double, vehicleClass: String) async throws -> ZoneConditions
    /// The driver's latest reported position, or `nil` when dispatch has none.
    func driverLocation(driverID: UUID) async throws -> DriverPosition?
    /// What the trip's driver travelled since `startTime`, or `nil` when dispatch knows no trail.
    func tripTrail(tripID: UUID, since startTime: Date) async throws -> TripTrail?
}

/// Market conditions in the zone around a point.
public struct ZoneConditions: Sendable, Equatable {
    /// `zones/{zone}`.
    public var zone: String
    /// Hundredths: 100 is no surge.
    public var surgeMultiplierHundredths: Int
    public var availableDrivers: Int
    /// The nearest available driver's pickup time; `nil` when none is near.
    public var pickupEtaSeconds: Int?

    public init(zone: String, surgeMultiplierHundredths: Int, availableDrivers: Int, pickupEtaSeconds: Int?) {
        self.zone = zone
        self.surgeMultiplierHundredths = surgeMultiplierHundredths
        self.availableDrivers = availableDrivers
        self.pickupEtaSeconds = pickupEtaSeconds
    }
}

/// A driver's reported position.
public struct DriverPosition: Sendable, Equatable {
    public var latitude: Double
    public var longitude: Double
    public var recordTime: Date

    public init(latitude: Double, longitude: Double, recordTime: Date) {
        self.latitude = latitude
        self.longitude = longitude
        self.recordTime = recordTime
    }
}

/// Distance and time actually travelled.
public struct TripTrail: Sendable, Equatable {
    public var distanceMeters: Int
    public var durationSeconds: Int
    public var pointCount: Int

    public init(distanceMeters: Int, durationSeconds: Int, pointCount: Int) {
        self.distanceMeters = distanceMeters
        self.durationSeconds = durationSeconds
        self.pointCount = pointCount
    }
}

/// Dispatch answered with an error (its AIP status code and reason), or not as documented.
public struct DispatchCallError: Error, CustomStringConvertible {
    public let statusCode: Int
    public let reason: String?
    public var description: String { "dispatch answered \(statusCode)\(reason.map { " (\($0))" } ?? "")" }
}

/// ``DispatchGateway`` over HTTP.
public struct HTTPDispatchGateway: DispatchGateway {
    let client: Client

    /// - Parameter configuration: must read the timestamps the server writes (Curbside's are RFC 3339
    ///   with milliseconds only when non-zero; `ServiceClients.Parts.configuration` does).
    public init(
        serverURL: URL, configuration: Configuration = .init(), transport: any ClientTransport, middlewares: [any ClientMiddleware]
    ) {
        client = Client(serverURL: serverURL, configuration: configuration, transport: transport, middlewares: middlewares)
    }

    public func zoneConditions(latitude: Double, longitude: Double, vehicleClass: String) async throws -> ZoneConditions {
        guard let vehicleClass = Components.Schemas.VehicleClass(rawValue: vehicleClass) else {
            throw DispatchCallError(statusCode: 400, reason: "UNKNOWN_VEHICLE_CLASS")
        }
        switch try await client.lookupZone(query: .init(latitude: latitude, longitude: longitude, vehicleClass: vehicleClass)) {
        case .ok(let ok):
            let body = try ok.body.json
            return ZoneConditions(
                zone: body.zone, surgeMultiplierHundredths: Int(body.surgeMultiplier), availableDrivers: Int(body.availableDrivers),
                pickupEtaSeconds: body.pickupEta.flatMap(Self.seconds))
        case .default(let status, let failure):
            throw DispatchCallError(statusCode: status, reason: Self.reason(try? failure.body.json))
        }
    }

    public func driverLocation(driverID: UUID) async throws -> DriverPosition? {
        switch try await client.getDriverLocation(path: .init(driver: driverID.uuidString.lowercased())) {
        case .ok(let ok):
            let body = try ok.body.json
            return DriverPosition(latitude: body.location.latitude, longitude: body.location.longitude, recordTime: body.recordTime)
        case .default(404, _):
            return nil
        case .default(let status, let failure):
            throw DispatchCallError(statusCode: status, reason: Self.reason(try? failure.body.json))
        }
    }

    public func tripTrail(tripID: UUID, since startTime: Date) async throws -> TripTrail? {
        switch try await client.getTripTrail(path: .init(trip: tripID.uuidString.lowercased()), query: .init(startTime: startTime)) {
        case .ok(let ok):
            let body = try ok.body.json
            return TripTrail(
                distanceMeters: Int(body.distanceMeters), durationSeconds: Self.seconds(body.duration) ?? 0,
                pointCount: Int(body.pointCount))
        case .default(404, _):
            return nil
        case .default(let status, let failure):
            throw DispatchCallError(statusCode: status, reason: Self.reason(try? failure.body.json))
        }
    }

    /// `"240s"` → 240.
    static func seconds(_ text: String) -> Int? {
        guard text.hasSuffix("s"), let value = Double(text.dropLast()), value.isFinite, value >= 0 else { return nil }
        return Int(value.rounded())
    }

    static func reason(_ error: Components.Schemas.ErrorResponse?) -> String? {
        error?.error.details.first?.reason
    }
}
