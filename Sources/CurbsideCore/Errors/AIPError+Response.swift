import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension AIPError: HTTPResponseError {
    public var status: HTTPResponse.Status { .init(code: httpCode) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        makeResponse()
    }

    /// The AIP-193 response: JSON body, `Retry-After` and any extra headers.
    public func makeResponse() -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        for (name, value) in self.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(
            status: .init(code: httpCode),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    /// The JSON body: `{"error": {"code", "message", "status", "details": [ErrorInfo]}}`.
    public var body: [UInt8] {
        let envelope = Envelope(
            error: .init(
                code: httpCode,
                message: message,
                status: code.rawValue,
                details: [.init(reason: reason, domain: domain, metadata: metadata)]
            )
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(envelope)) ?? Data())
    }

    struct Envelope: Codable {
        struct Body: Codable {
            var code: Int
            var message: String
            var status: String
            var details: [ErrorInfo]
        }
        struct ErrorInfo: Codable {
            var type = "type.googleapis.com/google.rpc.ErrorInfo"
            var reason: String
            var domain: String
            var metadata: [String: String]

            enum CodingKeys: String, CodingKey {
                case type = "@type"
                case reason, domain, metadata
            }
        }
        var error: Body
    }
}
