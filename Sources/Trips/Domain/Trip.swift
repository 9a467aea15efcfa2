import Foundation

/// A ride from request to completion: the aggregate that owns the trip's state machine.
///
/// REQUESTED → DISPATCHING → DRIVER_ASSIGNED → DRIVER_ARRIVED → IN_PROGRESS → COMPLETED, with
/// CANCELLED and NO_DRIVER_FOUND as the other ends. Every transition (in `Trip+Transitions.swift`)
/// is a throwing method that returns the events it caused; an illegal one throws, never does nothing.
public struct Trip: Sendable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case requested = "REQUESTED", dispatching = "DISPATCHING", driverAssigned = "DRIVER_ASSIGNED"
        case driverArrived = "DRIVER_ARRIVED", inProgress = "IN_PROGRESS", completed = "COMPLETED"
        case cancelled = "CANCELLED", noDriverFound = "NO_DRIVER_FOUND"

        /// Not yet at an end: the passenger (and, once assigned, the driver) may have no other such trip.
        public var isActive: Bool { ![.completed, .cancelled, .noDriverFound].contains(self) }
        /// A driver is attached to the trip.
        public var hasDriver: Bool { [.driverAssigned, .driverArrived, .inProgress].contains(self) }
    }

    /// Who acted on a trip.
    public enum Party: String, Sendable, Codable {
        case passenger = "PASSENGER", driver = "DRIVER", admin = "ADMIN", system = "SYSTEM"
    }

    /// The vehicle a driver brings, as dispatch reported it at assignment.
    public struct Vehicle: Sendable, Equatable, Codable {
        public var name: String
        public var vehicleClass: String
        public var make: String
        public var model: String
        public var color: String
        public var licensePlate: String

        public init(name: String, vehicleClass: String, make: String, model: String, color: String, licensePlate: String) {
            self.name = name
            self.vehicleClass = vehicleClass
            self.make = make
            self.model = model
            self.color = color
            self.licensePlate = licensePlate
        }
    }

    /// How a trip was cancelled; `fee` (minor units) is what payments charges the passenger.
    public struct Cancellation: Sendable, Equatable, Codable {
        public var by: Party
        public var reason: String?
        public var fee: Int64?
    }

    /// The final fare and what it was computed from.
    public struct Receipt: Sendable, Equatable, Codable {
        public var fare: FareBreakdown
        public var source: FinalFarePolicy.Source
    }

    public let id: UUID
    public let passengerID: UUID
    /// The quote the trip was requested with: route, rule revision, surge, price.
    public let quote: Quote
    /// Passed through to payments untouched.
    public let paymentMethod: String?
    public internal(set) var state: State
    public internal(set) var driverID: UUID?
    public internal(set) var vehicle: Vehicle?
    public internal(set) var pickupEtaSeconds: Int?
    /// Drivers who cancelled this trip; dispatch must not offer it to them again.
    public internal(set) var excludedDrivers: [UUID]
    public internal(set) var pinAttempts: Int
    public internal(set) var cancellation: Cancellation?
    public internal(set) var receipt: Receipt?
    public let createTime: Date
    public internal(set) var updateTime: Date
    public internal(set) var assignTime: Date?
    public internal(set) var arriveTime: Date?
    public internal(set) var startTime: Date?
    /// When the trip reached COMPLETED, CANCELLED or NO_DRIVER_FOUND.
    public internal(set) var endTime: Date?
    public internal(set) var passengerRateTime: Date?
    public internal(set) var driverRateTime: Date?
    public internal(set) var version: Int

    /// A new trip in REQUESTED, priced by `quote`.
    public init(id: UUID, quote: Quote, paymentMethod: String?, now: Date) {
        self.init(
            id: id, passengerID: quote.passengerID, quote: quote, paymentMethod: paymentMethod, state: .requested, driverID: nil,
            vehicle: nil, pickupEtaSeconds: nil, excludedDrivers: [], pinAttempts: 0, cancellation: nil, receipt: nil,
            createTime: now, updateTime: now, assignTime: nil, arriveTime: nil, startTime: nil, endTime: nil,
            passengerRateTime: nil, driverRateTime: nil, version: 1)
    }

    /// Every field, for storage.
    public init(
        id: UUID, passengerID: UUID, quote: Quote, paymentMethod: String?, state: State, driverID: UUID?, vehicle: Vehicle?,
        pickupEtaSeconds: Int?, excludedDrivers: [UUID], pinAttempts: Int, cancellation: Cancellation?, receipt: Receipt?,
        createTime: Date, updateTime: Date, assignTime: Date?, arriveTime: Date?, startTime: Date?, endTime: Date?,
        passengerRateTime: Date?, driverRateTime: Date?, version: Int
    ) {
        self.id = id
        self.passengerID = passengerID
        self.quote = quote
        self.paymentMethod = paymentMethod
        self.state = state
        self.driverID = driverID
        self.vehicle = vehicle
        self.pickupEtaSeconds = pickupEtaSeconds
        self.excludedDrivers = excludedDrivers
        self.pinAttempts = pinAttempts
        self.cancellation = cancellation
        self.receipt = receipt
        self.createTime = createTime
        self.updateTime = updateTime
        self.assignTime = assignTime
        self.arriveTime = arriveTime
        self.startTime = startTime
        self.endTime = endTime
        self.passengerRateTime = passengerRateTime
        self.driverRateTime = driverRateTime
        self.version = version
    }

    /// `trips/{trip}`.
    public var name: String { "trips/\(id.uuidString.lowercased())" }
}
