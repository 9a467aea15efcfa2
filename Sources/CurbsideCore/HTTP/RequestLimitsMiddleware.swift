import Hummingbird
import NIOCore

/// Bounds what a client can make the server hold: the body's size (how long it may take to arrive is
/// ``RequestBodyDeadline``'s job, on the connection), and insists on JSON for request bodies, so that
/// no handler ever sees an unbounded or foreign body.
public struct RequestLimitsMiddleware: RouterMiddleware {
    public typealias Context = CurbsideRequestContext

    let maxBodyBytes: Int

    public init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard request.method == .post || request.method == .patch || request.method == .put else {
            return try await next(request, context)
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
            throw tooLarge
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
        request.body = .init(buffer: body)
        if body.readableBytes > 0, !Self.isJSON(request.headers[.contentType]) {
            throw AIPError(
                .invalidArgument, reason: "UNSUPPORTED_MEDIA_TYPE",
                message: "the request body must be sent as Content-Type: application/json", httpCode: 415)
        }
        return try await next(request, context)
    }

    private var tooLarge: AIPError {
        AIPError(
            .outOfRange, reason: "REQUEST_TOO_LARGE",
            message: "the request body is larger than \(maxBodyBytes) bytes", metadata: ["limit": "\(maxBodyBytes)"],
            httpCode: 413)
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingSpacesAndTabs().lowercased() }
        return mediaType == "application/json"
    }
}
