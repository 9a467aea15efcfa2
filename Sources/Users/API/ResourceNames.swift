import CurbsideCore
import Foundation

/// Parsing of the ids inside resource names and paths.
enum ResourceNames {
    /// `me` (the caller) or a UUID.
    static func userID(_ segment: String, caller: Principal, field: String = "name") throws(AIPError) -> UUID {
        try PathIDs.userID(segment, caller: caller, field: field)
    }

    static func uuid(_ segment: String, field: String) throws(AIPError) -> UUID {
        try PathIDs.uuid(segment, field: field)
    }

    /// The vehicle id in `drivers/{driver}/vehicles/{vehicle}`, which must belong to `driver`.
    static func vehicleID(inName name: String, driver: UUID, field: String) throws(AIPError) -> UUID {
        let parts = name.split(separator: "/")
        guard parts.count == 4, parts[0] == "drivers", parts[2] == "vehicles", UUID(uuidString: String(parts[1])) == driver,
            let id = UUID(uuidString: String(parts[3]))
        else {
            throw .invalidArgument(
                "\(field) must be a vehicle of this driver: drivers/{driver}/vehicles/{vehicle}", field: field,
                reason: "INVALID_RESOURCE_NAME")
        }
        return id
    }

    /// The request id, which AIP-155 requires to be a UUID.
    static func requestID(_ text: String?) throws(AIPError) -> UUID? {
        try PathIDs.requestID(text)
    }
}
