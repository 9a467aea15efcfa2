import CurbsideCore
import Foundation

/// Parsing of the ids inside paths and request fields.
enum ResourceNames {
    static func uuid(_ segment: String, field: String) throws(AIPError) -> UUID {
        guard let id = UUID(uuidString: segment) else {
            throw .invalidArgument("\(field) must be a UUID", field: field, reason: "INVALID_RESOURCE_NAME")
        }
        return id
    }

    /// `me` (the caller) or a UUID.
    static func userID(_ segment: String, caller: Principal, field: String) throws(AIPError) -> UUID {
        segment == "me" ? caller.userID : try uuid(segment, field: field)
    }

    /// The request id, which AIP-155 requires to be a UUID.
    static func requestID(_ text: String?) throws(AIPError) -> UUID? {
        guard let text, !text.isEmpty else { return nil }
        guard let id = UUID(uuidString: text) else {
            throw .invalidArgument("requestId must be a UUID", field: "requestId", reason: "INVALID_REQUEST_ID")
        }
        return id
    }

    static func vehicleClass(_ text: String) throws(AIPError) -> VehicleClass {
        guard let value = VehicleClass(rawValue: text) else {
            throw .invalidArgument(
                "vehicleClass must be one of ECONOMY, COMFORT, XL, PREMIUM", field: "vehicleClass", reason: "INVALID_VEHICLE_CLASS")
        }
        return value
    }

    /// A surge multiplier in hundredths from its decimal form (`2.5` → 250).
    static func hundredths(_ value: Double, field: String) throws(AIPError) -> Int {
        guard value.isFinite, (1...10).contains(value) else {
            throw .invalidArgument("\(field) must be between 1.0 and 10.0", field: field, reason: "INVALID_SURGE_CAP")
        }
        return Int((value * 100).rounded())
    }
}
