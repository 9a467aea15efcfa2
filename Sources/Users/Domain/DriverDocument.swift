import Foundation

/// A document a driver must hold: a driving licence, insurance, or a vehicle's registration.
public struct DriverDocument: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case driversLicense = "DRIVERS_LICENSE", insurance = "INSURANCE", vehicleRegistration = "VEHICLE_REGISTRATION"
    }

    public let id: UUID
    public let driverID: UUID
    public let kind: Kind
    public let documentNumber: String
    /// The vehicle the document covers (required for a registration).
    public let vehicleID: UUID?
    public let expireTime: Date
    public let createTime: Date

    public init(
        id: UUID = UUID(), driverID: UUID, kind: Kind, documentNumber: String, vehicleID: UUID?, expireTime: Date,
        createTime: Date, validate now: Date?
    ) throws(UsersError) {
        let number = documentNumber.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...64).contains(number.count), number.allSatisfy({ $0.isASCII && !$0.isNewline }) else {
            throw .invalidField(
                field: "documentNumber", message: "documentNumber must be 1 to 64 printable ASCII characters",
                reason: "INVALID_DOCUMENT_NUMBER")
        }
        if kind == .vehicleRegistration, vehicleID == nil {
            throw .invalidField(field: "vehicle", message: "a VEHICLE_REGISTRATION must name its vehicle", reason: "VEHICLE_REQUIRED")
        }
        if let now, expireTime <= now {
            throw .invalidField(field: "expireTime", message: "expireTime must be in the future", reason: "DOCUMENT_EXPIRED")
        }
        self.id = id
        self.driverID = driverID
        self.kind = kind
        self.documentNumber = number
        self.vehicleID = vehicleID
        self.expireTime = expireTime
        self.createTime = createTime
    }

    public var name: String { "drivers/\(driverID.uuidString.lowercased())/documents/\(id.uuidString.lowercased())" }

    public func isValid(at now: Date) -> Bool { expireTime > now }
}
