import CurbsideCore
import Foundation

/// Parsing of the ids inside paths and request fields.
enum ResourceNames {
    static func uuid(_ segment: String, field: String) throws(AIPError) -> UUID {
        try PathIDs.uuid(segment, field: field)
    }

    /// `me` (the caller) or a UUID.
    static func userID(_ segment: String, caller: Principal, field: String) throws(AIPError) -> UUID {
        try PathIDs.userID(segment, caller: caller, field: field)
    }

    /// The request id, which AIP-155 requires to be a UUID.
    static func requestID(_ text: String?) throws(AIPError) -> UUID? {
        try PathIDs.requestID(text)
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
