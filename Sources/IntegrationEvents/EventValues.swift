import Foundation

/// A point on Earth (WGS 84 degrees), as events carry it.
public struct GeoPoint: Codable, Sendable, Equatable, Hashable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// An amount of money in integer minor units of an ISO 4217 currency (cents for USD).
public struct MoneyAmount: Codable, Sendable, Equatable, Hashable {
    public var currencyCode: String
    public var minorUnits: Int64

    public init(currencyCode: String, minorUnits: Int64) {
        self.currencyCode = currencyCode
        self.minorUnits = minorUnits
    }
}

/// What the passenger sees of the vehicle that comes to pick them up.
public struct VehicleSnapshot: Codable, Sendable, Equatable, Hashable {
    /// `drivers/{driver}/vehicles/{vehicle}`.
    public var vehicle: String
    public var vehicleClass: String
    public var make: String
    public var model: String
    public var color: String
    public var licensePlate: String

    public init(vehicle: String, vehicleClass: String, make: String, model: String, color: String, licensePlate: String) {
        self.vehicle = vehicle
        self.vehicleClass = vehicleClass
        self.make = make
        self.model = model
        self.color = color
        self.licensePlate = licensePlate
    }
}
