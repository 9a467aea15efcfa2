import Foundation
import HTTPTypes
import Yams

/// A service's hand-written OpenAPI document: served to clients as YAML and JSON, and read by the
/// platform for each operation's declared roles and ownership.
public struct OpenAPIDocument: Sendable {
    public let yaml: String
    public let json: [UInt8]
    let policies: [String: OperationPolicy]
    let owners: [String: [Role: OperationOwnership]]

    /// Loads the document and fails if any operation does not declare `x-curbside-roles`, or if one
    /// open to passengers or drivers addresses something by a path parameter without declaring
    /// `x-curbside-owner`.
    public init(yaml: String) throws {
        self.yaml = yaml
        guard let tree = try Yams.load(yaml: yaml) as? [String: Any] else { throw OpenAPIDocumentError.notAnObject }
        json = Array(try JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys, .withoutEscapingSlashes]))
        var policies: [String: OperationPolicy] = [:]
        var owners: [String: [Role: OperationOwnership]] = [:]
        let paths = tree["paths"] as? [String: Any] ?? [:]
        for (path, item) in paths {
            guard let operations = item as? [String: Any] else { continue }
            for (method, operation) in operations where Self.httpMethods.contains(method) {
                let key = Self.key(method.uppercased(), path)
                let operation = operation as? [String: Any]
                guard let declared = operation?["x-curbside-roles"] as? [String] else { throw OpenAPIDocumentError.missingRoles(key) }
                let policy = try OperationPolicy(declared: declared)
                policies[key] = policy
                guard case .roles(let roles) = policy else { continue }
                let bound = roles.intersection([.passenger, .driver])
                if let declared = operation?["x-curbside-owner"] {
                    owners[key] = try OperationOwnership.declared(declared, for: bound, path: path, operation: key)
                } else if !bound.isEmpty, path.contains("{") {
                    throw OpenAPIDocumentError.missingOwner(key)
                }
            }
        }
        self.policies = policies
        self.owners = owners
    }

    /// The document with the paths and component schemas of `fragment` (another document's YAML)
    /// added: how platform operations, such as the event inbox, appear in the documents of the
    /// services that expose them.
    public func merging(fragment: String) throws -> OpenAPIDocument {
        guard var tree = try Yams.load(yaml: yaml) as? [String: Any],
            let addition = try Yams.load(yaml: fragment) as? [String: Any]
        else { throw OpenAPIDocumentError.notAnObject }
        var paths = tree["paths"] as? [String: Any] ?? [:]
        paths.merge(addition["paths"] as? [String: Any] ?? [:]) { mine, _ in mine }
        tree["paths"] = paths
        var components = tree["components"] as? [String: Any] ?? [:]
        for (section, value) in addition["components"] as? [String: Any] ?? [:] {
            var entries = components[section] as? [String: Any] ?? [:]
            entries.merge(value as? [String: Any] ?? [:]) { mine, _ in mine }
            components[section] = entries
        }
        tree["components"] = components
        // Top-level keys in the order people expect to read them (`openapi` first), each sorted within.
        let order = ["openapi", "info", "servers", "tags", "security", "paths", "components"]
        let keys = order.filter { tree[$0] != nil } + tree.keys.filter { !order.contains($0) }.sorted()
        let yaml = try keys.map { try Yams.dump(object: [$0: tree[$0]!], sortKeys: true) }.joined()
        return try OpenAPIDocument(yaml: yaml)
    }

    /// Loads a document from a resource file.
    public init(contentsOf url: URL) throws {
        try self.init(yaml: String(decoding: try Data(contentsOf: url), as: UTF8.self))
    }

    /// The declared policy of an operation, by method and OpenAPI path.
    public func policy(method: HTTPRequest.Method, path: String) -> OperationPolicy? {
        policies[Self.key(method.rawValue, path)]
    }

    /// Every declared operation with its policy and, per passenger or driver role, its ownership
    /// (for the authorization matrix tests).
    public var operations: [(method: String, path: String, policy: OperationPolicy, owners: [Role: OperationOwnership])] {
        policies.map { key, policy in
            let parts = key.split(separator: " ", maxSplits: 1)
            return (String(parts[0]), String(parts[1]), policy, owners[key] ?? [:])
        }.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }

    private static let httpMethods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
    private static func key(_ method: String, _ path: String) -> String { "\(method) \(path)" }
}

/// A problem with a service's OpenAPI document, found at start-up.
public enum OpenAPIDocumentError: Error, CustomStringConvertible {
    case notAnObject
    case missingRoles(String)
    case unknownRole(String)
    case undeclaredOperation(String)
    case missingOwner(String)
    case badOwner(String, String)

    public var description: String {
        switch self {
        case .notAnObject: "the OpenAPI document is not a YAML mapping"
        case .missingRoles(let operation): "\(operation) does not declare x-curbside-roles"
        case .unknownRole(let role): "x-curbside-roles names an unknown role: \(role)"
        case .undeclaredOperation(let operation): "\(operation) is registered but not in the document"
        case .missingOwner(let operation):
            "\(operation) is open to passengers or drivers and addresses a resource, but does not declare x-curbside-owner"
        case .badOwner(let value, let operation):
            "x-curbside-owner of \(operation) must be resource, none or one of the path's parameters in braces (or a map from "
                + "each passenger or driver role allowed to one of those), not \(value)"
        }
    }
}
