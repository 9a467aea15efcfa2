/// Whose resource an operation acts on, as declared by `x-curbside-owner` in the OpenAPI document:
/// one value for every passenger or driver role the operation allows, or a map from each of those
/// roles to its value (drivers may read any passenger's rating, a passenger only their own).
///
/// Every operation open to passengers or drivers that addresses something by a path parameter
/// declares it, so the authorization tests can call each one as its owner and as someone else.
/// Admins and other services are not bound by it.
public enum OperationOwnership: Sendable, Equatable {
    /// Only the user the path parameter names (`"{user}"`, `"{driver}"`; `me` is the caller).
    case pathParameter(String)
    /// Only the parties of the addressed trip, offer or payment.
    case resource
    /// Any caller with an allowed role (cities, prices, published ratings).
    case shared

    /// Parses the document's declaration for an operation on `path` open to the `bound` roles.
    static func declared(
        _ declared: Any, for bound: Set<Role>, path: String, operation: String
    ) throws(OpenAPIDocumentError) -> [Role: OperationOwnership] {
        if let value = declared as? String {
            let ownership = try parse(value, path: path, operation: operation)
            return Dictionary(uniqueKeysWithValues: bound.map { ($0, ownership) })
        }
        guard let map = declared as? [String: String], Set(map.keys) == Set(bound.map(\.rawValue)) else {
            throw .badOwner("\(declared)", operation)
        }
        var owners: [Role: OperationOwnership] = [:]
        for (name, value) in map {
            guard let role = Role(rawValue: name) else { throw .badOwner("\(declared)", operation) }
            owners[role] = try parse(value, path: path, operation: operation)
        }
        return owners
    }

    private static func parse(_ value: String, path: String, operation: String) throws(OpenAPIDocumentError) -> OperationOwnership {
        switch value {
        case "resource": return .resource
        case "none": return .shared
        default:
            guard value.hasPrefix("{"), value.hasSuffix("}"), path.contains(value) else { throw .badOwner(value, operation) }
            return .pathParameter(String(value.dropFirst().dropLast()))
        }
    }
}
