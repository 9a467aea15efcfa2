import Foundation

/// A vehicle a driver registers; it must be approved before it can be driven for Curbside.
public struct Vehicle: Sendable, Equatable {
    public enum VehicleClass: String, Sendable, CaseIterable {
        case economy = "ECONOMY", comfort = "COMFORT", xl = "XL", premium = "PREMIUM"
    }

    public enum State: String, Sendable, CaseIterable {
        case pendingApproval = "PENDING_APPROVAL", approved = "APPROVED", rejected = "REJECTED"
    }

    /// The descriptive fields, checked together.
    public struct Details: Sendable, Equatable {
        public var make: String
        public var model: String
        public var year: Int
        public var licensePlate: String
        public var color: String
        public var seatCount: Int
        public var vehicleClass: VehicleClass

        public init(
            make: String, model: String, year: Int, licensePlate: String, color: String, seatCount: Int,
            vehicleClass: VehicleClass, currentYear: Int
        ) throws(UsersError) {
            self.make = try Self.text(make, field: "make", max: 50)
            self.model = try Self.text(model, field: "model", max: 50)
            guard (1980...(currentYear + 1)).contains(year) else {
                throw .invalidField(field: "year", message: "year must be between 1980 and \(currentYear + 1)", reason: "INVALID_YEAR")
            }
            self.year = year
            self.licensePlate = try Self.plate(licensePlate)
            self.color = try Self.text(color, field: "color", max: 30)
            guard (1...8).contains(seatCount) else {
                throw .invalidField(field: "seatCount", message: "seatCount must be between 1 and 8", reason: "INVALID_SEAT_COUNT")
            }
            self.seatCount = seatCount
            self.vehicleClass = vehicleClass
        }

        /// Details read back from storage, validated when they were written.
        init(
            stored make: String, model: String, year: Int, licensePlate: String, color: String, seatCount: Int,
            vehicleClass: VehicleClass
        ) {
            self.make = make
            self.model = model
            self.year = year
            self.licensePlate = licensePlate
            self.color = color
            self.seatCount = seatCount
            self.vehicleClass = vehicleClass
        }

        static func text(_ raw: String, field: String, max: Int) throws(UsersError) -> String {
            let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...max).contains(value.count), !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw .invalidField(field: field, message: "\(field) must be 1 to \(max) characters", reason: "INVALID_\(field.uppercased())")
            }
            return value
        }

        /// Plates are stored upper-case without spaces or dashes so that duplicates are found.
        static func plate(_ raw: String) throws(UsersError) -> String {
            let value = raw.uppercased().filter { $0 != " " && $0 != "-" }
            guard (2...10).contains(value.count), value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw .invalidField(
                    field: "licensePlate", message: "licensePlate must be 2 to 10 letters and digits", reason: "INVALID_LICENSE_PLATE")
            }
            return value
        }
    }

    public let id: UUID
    public let driverID: UUID
    public private(set) var details: Details
    public private(set) var state: State
    public private(set) var stateReason: String?
    public let createTime: Date
    public private(set) var updateTime: Date
    public private(set) var version: Int

    public init(id: UUID = UUID(), driverID: UUID, details: Details, now: Date) {
        self.init(
            id: id, driverID: driverID, details: details, state: .pendingApproval, stateReason: nil, createTime: now,
            updateTime: now, version: 1)
    }

    public init(
        id: UUID, driverID: UUID, details: Details, state: State, stateReason: String?, createTime: Date, updateTime: Date,
        version: Int
    ) {
        self.id = id
        self.driverID = driverID
        self.details = details
        self.state = state
        self.stateReason = stateReason
        self.createTime = createTime
        self.updateTime = updateTime
        self.version = version
    }

    public var name: String { "drivers/\(driverID.uuidString.lowercased())/vehicles/\(id.uuidString.lowercased())" }

    /// Changes colour, seats or plate; a new plate means the vehicle must be approved again.
    public mutating func update(color: String?, seatCount: Int?, licensePlate: String?, now: Date) throws(UsersError) {
        if let color { details.color = try Details.text(color, field: "color", max: 30) }
        if let seatCount {
            guard (1...8).contains(seatCount) else {
                throw .invalidField(field: "seatCount", message: "seatCount must be between 1 and 8", reason: "INVALID_SEAT_COUNT")
            }
            details.seatCount = seatCount
        }
        if let licensePlate {
            let plate = try Details.plate(licensePlate)
            if plate != details.licensePlate {
                details.licensePlate = plate
                state = .pendingApproval
                stateReason = "licence plate changed"
            }
        }
        updateTime = now
        version += 1
    }

    public mutating func approve(reason: String?, now: Date) throws(UsersError) {
        guard state != .approved else { throw .illegalTransition(resource: name, from: state.rawValue, action: "approve") }
        state = .approved
        stateReason = reason.flatMap { $0.isEmpty ? nil : $0 }
        updateTime = now
        version += 1
    }

    public mutating func reject(reason: String?, now: Date) throws(UsersError) {
        let reason = try Driver.requireReason(reason)
        guard state != .rejected else { throw .illegalTransition(resource: name, from: state.rawValue, action: "reject") }
        state = .rejected
        stateReason = reason
        updateTime = now
        version += 1
    }
}
