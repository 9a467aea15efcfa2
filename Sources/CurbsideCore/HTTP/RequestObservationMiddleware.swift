import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics

/// The outermost middleware: gives every request a request id and a trace id, renders every error
/// as an AIP error (including the router's own 404 and 405), and writes one access-log line.
///
/// The access line carries method, path (never the query, which may hold tokens), status, duration,
/// request id, trace id and the caller's user id once known; nothing else from the request.
public struct RequestObservationMiddleware: RouterMiddleware {
    public typealias Context = CurbsideRequestContext

    let routes: RouteTable
    let trustForwardedFor: Bool

    public init(routes: RouteTable, trustForwardedFor: Bool) {
        self.routes = routes
        self.trustForwardedFor = trustForwardedFor
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let started = ContinuousClock.now
        let requestID = Self.requestID(from: request)
        let traceID = TraceParent(header: request.headers[.traceparent])?.traceID ?? TraceParent.newTraceID()
        var logger = context.logger
        logger[metadataKey: "http.request.id"] = "\(requestID)"
        logger[metadataKey: "trace.id"] = "\(traceID)"
        logger[metadataKey: "hb.request.id"] = nil
        var context = context
        context.logger = logger
        let scope = RequestScope(
            requestID: requestID, traceID: traceID, logger: logger, clientAddress: clientAddress(request, context))

        var response: Response
        let box = PrincipalBox()
        do {
            response = try await PrincipalRecorder.$box.withValue(box) {
                try await RequestScope.$current.withValue(scope) { try await next(request, context) }
            }
            if response.status == .notFound, context.endpointPath == "NotFound" {
                response = notFoundOrNotAllowed(request).makeResponse()
            }
        } catch {
            let aip: AIPError
            if context.endpointPath == "NotFound" || (error as? HTTPError)?.status == .notFound && context.endpointPath == nil {
                aip = notFoundOrNotAllowed(request)
            } else {
                aip = ErrorMapper.aipError(for: error, logger: logger)
            }
            response = aip.makeResponse()
        }
        response.headers[.requestID] = requestID
        let elapsed = ContinuousClock.now - started
        log(request, response, elapsed: elapsed, logger: logger, principal: box.value, context: context)
        return response
    }

    private func notFoundOrNotAllowed(_ request: Request) -> AIPError {
        let allowed = routes.allowedMethods(for: request.uri.path)
        guard !allowed.isEmpty else {
            return AIPError(.notFound, reason: "NOT_FOUND", message: "no such resource or method: \(request.uri.path)")
        }
        return AIPError(
            .invalidArgument, reason: "METHOD_NOT_ALLOWED",
            message: "\(request.method.rawValue) is not allowed here",
            httpCode: 405, headers: ["Allow": Set(allowed.map(\.rawValue)).sorted().joined(separator: ", ")])
    }

    private func log(
        _ request: Request, _ response: Response, elapsed: Duration, logger: Logger, principal: Principal?,
        context: Context
    ) {
        var metadata: Logger.Metadata = [
            "event.kind": "event",
            "event.category": "web",
            "http.request.method": "\(request.method.rawValue)",
            "url.path": "\(request.uri.path)",
            "http.response.status_code": "\(response.status.code)",
            "event.duration": "\(elapsed.inNanoseconds)",
        ]
        if let route = context.endpointPath { metadata["http.route"] = "\(route)" }
        if let principal {
            metadata["user.id"] = "\(principal.userID.uuidString.lowercased())"
            metadata["user.roles"] = "\(principal.role.rawValue)"
        }
        let level: Logger.Level = response.status.code >= 500 ? .error : .info
        logger.log(level: level, "\(request.method.rawValue) \(request.uri.path) \(response.status.code)", metadata: metadata)
    }

    private func clientAddress(_ request: Request, _ context: Context) -> String {
        if trustForwardedFor, let forwarded = request.headers[.xForwardedFor]?.split(separator: ",").first {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        switch context.remoteAddress {
        case .v4(let address): return address.host
        case .v6(let address): return address.host
        default: return "unknown"
        }
    }

    /// A client-supplied `X-Request-Id` is kept when it is short and plain; otherwise a new one is made.
    static func requestID(from request: Request) -> String {
        if let given = request.headers[.requestID], (1...64).contains(given.utf8.count),
            given.utf8.allSatisfy({ $0.isASCIIIdentifierByte })
        {
            return given
        }
        return UUID().uuidString.lowercased()
    }
}

/// Lets inner middleware report the authenticated caller to the access log without a mutable context.
enum PrincipalRecorder {
    @TaskLocal static var box: PrincipalBox?
}

/// A one-slot box written by the authentication middleware, read by the access log.
final class PrincipalBox: @unchecked Sendable {
    // Written once, by the same task that reads it afterwards.
    var value: Principal?
}

extension UInt8 {
    fileprivate var isASCIIIdentifierByte: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
            || self == 0x2D || self == 0x5F || self == 0x2E
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`, echoed or generated on every response.
    public static let requestID = HTTPField.Name("X-Request-Id")!
    /// W3C Trace Context.
    public static let traceparent = HTTPField.Name("traceparent")!
    /// The original client address as set by a load balancer.
    public static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
