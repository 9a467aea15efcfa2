import HTTPTypes
import NIOConcurrencyHelpers

/// The operations registered on the router, kept so that a path that exists with another method
/// answers 405 with an `Allow` header instead of the router's plain 404.
public final class RouteTable: Sendable {
    private let routes = NIOLockedValueBox<[(method: HTTPRequest.Method, template: PathTemplate)]>([])

    public init() {}

    func add(method: HTTPRequest.Method, path: String) {
        routes.withLockedValue { $0.append((method, PathTemplate(path))) }
    }

    /// The methods registered for a concrete request path (empty when the path is unknown).
    public func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        let segments = PathTemplate.segments(of: path)
        return routes.withLockedValue { routes in
            routes.filter { $0.template.matches(segments) }.map(\.method)
        }
    }
}

/// An OpenAPI path such as `/v1/users/{user}:undelete`, matched segment by segment.
struct PathTemplate: Sendable {
    enum Segment: Sendable {
        case literal(String)
        /// A variable with an optional fixed suffix (the AIP-136 `:verb`).
        case variable(suffix: String)
    }

    let segments: [Segment]

    init(_ template: String) {
        segments = Self.segments(of: template).map { part in
            guard part.hasPrefix("{"), let close = part.firstIndex(of: "}") else { return .literal(part) }
            return .variable(suffix: String(part[part.index(after: close)...]))
        }
    }

    static func segments(of path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    func matches(_ parts: [String]) -> Bool {
        guard parts.count == segments.count else { return false }
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                if literal != part { return false }
            case .variable(let suffix):
                if suffix.isEmpty {
                    if part.contains(":") { return false }
                } else if !part.hasSuffix(suffix) || part.count == suffix.count {
                    return false
                }
            }
        }
        return true
    }
}
