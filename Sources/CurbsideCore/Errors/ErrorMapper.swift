import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime
import PostgresNIO

/// Turns any error that reaches the edge of the HTTP stack into an ``AIPError``.
///
/// Client mistakes become 4xx with a message about the request; anything else becomes a 500 whose
/// details are logged (with `String(reflecting:)`, which PSQLError needs) and never sent.
public enum ErrorMapper {
    public static func aipError(for error: any Error, logger: Logger) -> AIPError {
        switch error {
        case let error as AIPError:
            return error
        case let error as ServerError:
            return fromOpenAPI(error, logger: logger)
        case let error as ClientError:
            return fromDependency(error, logger: logger)
        case let error as HTTPError:
            return fromHTTPError(error)
        case let error as DecodingError:
            return .invalidArgument(DecodingErrorDescription.describe(error), reason: "MALFORMED_REQUEST")
        case is DatabaseTimeout:
            return .unavailable("the database did not answer in time")
        case let error as PSQLError where isUnavailability(error):
            logger.error("database unreachable", metadata: ["error.message": "\(String(reflecting: error))"])
            return .unavailable("the database is not reachable")
        case is CancellationError:
            return AIPError(.unavailable, reason: "CANCELLED", message: "the request was cancelled")
        default:
            if let error = error as? any HTTPResponseError, error.status.code < 500 {
                return AIPError(.invalidArgument, reason: "BAD_REQUEST", message: error.status.reasonPhrase, httpCode: error.status.code)
            }
            logger.error("unhandled error", metadata: ["error.message": "\(String(reflecting: error))"])
            return .internalError
        }
    }

    /// A call this service made to another failed: never the caller's fault. Unreachable or timed
    /// out is worth a retry (503); an answer we cannot read is a bug between services (500).
    private static func fromDependency(_ error: ClientError, logger: Logger) -> AIPError {
        let isUnreadableAnswer =
            error.response != nil && (error.underlyingError is DecodingError || "\(error.underlyingError)".contains("DecodingError"))
        logger.error(
            "call to another service failed",
            metadata: ["operation": "\(error.operationID)", "error.message": "\(String(reflecting: error.underlyingError))"])
        if isUnreadableAnswer { return .internalError }
        return AIPError(.unavailable, reason: "DEPENDENCY_UNAVAILABLE", message: "a service this request needs did not answer; retry")
    }

    /// Whether a database error means "not now" rather than a bug: no connection (a restart, a
    /// failover, a network cut), or the server refusing for a while (SQLSTATE class 08 connection
    /// exception, 53 insufficient resources, 57 operator intervention such as an admin shutdown).
    static func isUnavailability(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return true }
        return ["08", "53", "57"].contains(String(state.prefix(2)))
    }

    private static func fromOpenAPI(_ error: ServerError, logger: Logger) -> AIPError {
        if let aip = error.underlyingError as? AIPError { return aip }
        // A handler's own failure arrives wrapped: the database and cancellation cases are the
        // same as outside the generated code.
        switch error.underlyingError {
        case is PSQLError, is DatabaseTimeout, is CancellationError: return aipError(for: error.underlyingError, logger: logger)
        default: break
        }
        if let client = error.underlyingError as? ClientError { return fromDependency(client, logger: logger) }
        if let decoding = error.underlyingError as? DecodingError {
            return .invalidArgument(DecodingErrorDescription.describe(decoding), reason: "MALFORMED_REQUEST")
        }
        let code = error.httpStatus.code
        switch code {
        case 415:
            return AIPError(
                .invalidArgument, reason: "UNSUPPORTED_MEDIA_TYPE",
                message: "the request body must be application/json", httpCode: 415)
        case 400..<500:
            return .invalidArgument(clientDescription(of: error), reason: "MALFORMED_REQUEST")
        default:
            // An error the generated code did not classify is still a client error when its root is a decoding error
            // (for example a bad enum value inside a query parameter).
            if "\(error.underlyingError)".contains("DecodingError") || error.operationInput == nil {
                return .invalidArgument(clientDescription(of: error), reason: "MALFORMED_REQUEST")
            }
            logger.error(
                "unhandled error in operation",
                metadata: ["operation": "\(error.operationID)", "error.message": "\(String(reflecting: error.underlyingError))"])
            return .internalError
        }
    }

    private static func clientDescription(of error: ServerError) -> String {
        if let underlying = error.underlyingError as? DecodingError {
            return DecodingErrorDescription.describe(underlying)
        }
        let text = "\(error.underlyingError)"
        return text.isEmpty || text.count > 300 ? error.causeDescription : text
    }

    private static func fromHTTPError(_ error: HTTPError) -> AIPError {
        switch error.status.code {
        case 404:
            return AIPError(.notFound, reason: "NOT_FOUND", message: "no such resource or method")
        case 413:
            return AIPError(
                .outOfRange, reason: "REQUEST_TOO_LARGE", message: "the request body is larger than the server accepts",
                httpCode: 413)
        case 405:
            return AIPError(.invalidArgument, reason: "METHOD_NOT_ALLOWED", message: "method not allowed", httpCode: 405)
        case 408:
            return AIPError(.deadlineExceeded, reason: "REQUEST_TIMEOUT", message: "the request took too long to arrive", httpCode: 408)
        case 400..<500:
            return .invalidArgument(error.body ?? error.status.reasonPhrase, reason: "BAD_REQUEST")
        default:
            return .internalError
        }
    }
}

/// Describes a `DecodingError` in terms of the request (field path and what was wrong), never the Swift types.
enum DecodingErrorDescription {
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context):
            return "\(path(context)): wrong type of value"
        case .valueNotFound(_, let context):
            // No path: the value as a whole is missing, a required query parameter's or the body's
            // (the query parameters' decoder reports neither the parameter nor where it was).
            if context.codingPath.isEmpty { return "a required query parameter or the request body is missing" }
            return "\(path(context)): a value is required"
        case .keyNotFound(let key, let context):
            let prefix = context.codingPath.isEmpty ? "" : path(context) + "."
            return "\(prefix)\(key.stringValue): a value is required"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the request body is not valid JSON" }
            return "\(path(context)): invalid value"
        @unknown default:
            return "the request could not be decoded"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let parts = context.codingPath.map { key in
            key.intValue.map { "[\($0)]" } ?? key.stringValue
        }
        return parts.isEmpty ? "body" : parts.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }
}
