import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error in the shape Google's AIP-193 prescribes, the only error shape Curbside ever sends.
///
/// `reason` is a stable UPPER_SNAKE identifier that clients may branch on; `message` is for humans
/// and may change. Nothing internal (SQL, stack traces, other users' data) belongs in either.
public struct AIPError: Error, Sendable, Equatable {
    /// The google.rpc.Code name, tied to the HTTP status it maps to.
    public enum Code: String, Sendable {
        case invalidArgument = "INVALID_ARGUMENT"
        case failedPrecondition = "FAILED_PRECONDITION"
        case outOfRange = "OUT_OF_RANGE"
        case unauthenticated = "UNAUTHENTICATED"
        case permissionDenied = "PERMISSION_DENIED"
        case notFound = "NOT_FOUND"
        case alreadyExists = "ALREADY_EXISTS"
        case aborted = "ABORTED"
        case resourceExhausted = "RESOURCE_EXHAUSTED"
        case `internal` = "INTERNAL"
        case unavailable = "UNAVAILABLE"
        case deadlineExceeded = "DEADLINE_EXCEEDED"
        case unimplemented = "UNIMPLEMENTED"

        /// The HTTP status code AIP-193 pairs with this code.
        public var httpCode: Int {
            switch self {
            case .invalidArgument, .failedPrecondition, .outOfRange: 400
            case .unauthenticated: 401
            case .permissionDenied: 403
            case .notFound: 404
            case .alreadyExists, .aborted: 409
            case .resourceExhausted: 429
            case .internal: 500
            case .unimplemented: 501
            case .unavailable: 503
            case .deadlineExceeded: 504
            }
        }
    }

    /// The google.rpc.Code of the error.
    public var code: Code
    /// Overrides the HTTP code for the few framework errors that have their own (405, 413, 415).
    public var httpCodeOverride: Int?
    public var message: String
    public var reason: String
    public var domain: String
    public var metadata: [String: String]
    /// Sent as `Retry-After` (seconds) with 429 and 503.
    public var retryAfterSeconds: Int?
    /// Extra response headers, e.g. `Allow` on a 405.
    public var headers: [String: String]

    public init(
        _ code: Code,
        reason: String,
        message: String,
        domain: String = AIPError.defaultDomain,
        metadata: [String: String] = [:],
        retryAfterSeconds: Int? = nil,
        httpCode: Int? = nil,
        headers: [String: String] = [:]
    ) {
        self.code = code
        self.reason = reason
        self.message = message
        self.domain = domain
        self.metadata = metadata
        self.retryAfterSeconds = retryAfterSeconds
        self.httpCodeOverride = httpCode
        self.headers = headers
    }

    /// The domain used when a platform component (not a service) raises the error.
    public static let defaultDomain = "curbside.dev"

    /// The HTTP status code of the response.
    public var httpCode: Int { httpCodeOverride ?? code.httpCode }

    /// The same error attributed to another domain, used when a service re-raises a platform error.
    public func inDomain(_ domain: String) -> AIPError {
        var copy = self
        if copy.domain == Self.defaultDomain { copy.domain = domain }
        return copy
    }
}

// MARK: - Common constructors

extension AIPError {
    /// A request field is missing or malformed.
    public static func invalidArgument(_ message: String, field: String? = nil, reason: String = "INVALID_ARGUMENT")
        -> AIPError
    {
        AIPError(.invalidArgument, reason: reason, message: message, metadata: field.map { ["field": $0] } ?? [:])
    }

    /// The request is valid but the resource is not in a state that allows it.
    public static func failedPrecondition(_ message: String, reason: String) -> AIPError {
        AIPError(.failedPrecondition, reason: reason, message: message)
    }

    /// The resource does not exist (or the caller may not know that it does).
    public static func notFound(_ name: String) -> AIPError {
        AIPError(.notFound, reason: "NOT_FOUND", message: "\(name) was not found", metadata: ["resource": name])
    }

    /// No or an invalid credential.
    public static func unauthenticated(_ message: String = "a valid access token is required", reason: String = "UNAUTHENTICATED")
        -> AIPError
    {
        AIPError(.unauthenticated, reason: reason, message: message, headers: ["WWW-Authenticate": "Bearer"])
    }

    /// Authenticated, but not allowed.
    public static func permissionDenied(_ message: String = "the caller may not perform this operation", reason: String = "PERMISSION_DENIED")
        -> AIPError
    {
        AIPError(.permissionDenied, reason: reason, message: message)
    }

    /// The resource changed since the caller read it (stale etag).
    public static func staleETag(_ name: String) -> AIPError {
        AIPError(.aborted, reason: "ETAG_MISMATCH", message: "\(name) was modified since it was read; fetch it again", metadata: ["resource": name])
    }

    /// A bug or an unexpected failure; the details stay in the log.
    public static let internalError = AIPError(.internal, reason: "INTERNAL", message: "an internal error occurred; it has been logged")

    /// A dependency (usually the database) is not reachable.
    public static func unavailable(_ message: String, retryAfterSeconds: Int = 1) -> AIPError {
        AIPError(.unavailable, reason: "UNAVAILABLE", message: message, retryAfterSeconds: retryAfterSeconds)
    }
}
