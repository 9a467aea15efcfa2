import Foundation

/// The ids inside paths and resource names, as every service parses them.
public enum PathIDs {
    /// `me` (the caller) or a UUID.
    public static func userID(_ segment: String, caller: Principal, field: String) throws(AIPError) -> UUID {
        segment == "me" ? caller.userID : try uuid(segment, field: field)
    }

    public static func uuid(_ segment: String, field: String) throws(AIPError) -> UUID {
        guard let id = UUID(uuidString: segment) else {
            throw .invalidArgument("\(field) must be a UUID", field: field, reason: "INVALID_RESOURCE_NAME")
        }
        return id
    }

    /// The request id, which AIP-155 requires to be a UUID; empty or absent is none.
    public static func requestID(_ text: String?) throws(AIPError) -> UUID? {
        guard let text, !text.isEmpty else { return nil }
        guard let id = UUID(uuidString: text) else {
            throw .invalidArgument("requestId must be a UUID", field: "requestId", reason: "INVALID_REQUEST_ID")
        }
        return id
    }

    /// The UUID in a resource name `collection/{uuid}` (events carry names, not bare ids).
    public static func id(in name: String, collection: String) -> UUID? {
        let parts = name.split(separator: "/")
        guard parts.count == 2, parts[0] == collection else { return nil }
        return UUID(uuidString: String(parts[1]))
    }
}
