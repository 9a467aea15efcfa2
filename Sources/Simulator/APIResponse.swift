import Foundation

/// One answer of the platform's API, as the simulator keeps it.
public struct APIResponse: Sendable {
    /// The HTTP status; 0 when no answer came (connection refused, timeout).
    public let status: Int
    public let body: Data

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body decoded as `type`, or `nil` when it is not one.
    public func decode<Body: Decodable>(_ type: Body.Type) -> Body? {
        try? JSONDecoder().decode(type, from: body)
    }

    /// The stable `reason` of an AIP-193 error body (`error.details[].reason`).
    public var errorReason: String? {
        decode(ErrorBody.self)?.error.details?.compactMap(\.reason).first
    }

    /// The `message` of an AIP-193 error body.
    public var errorMessage: String? {
        decode(ErrorBody.self)?.error.message
    }

    /// A short description for messages to the user: the status and the error's reason or message.
    public var summary: String {
        guard status > 0 else { return "no answer" }
        let detail = errorReason ?? errorMessage ?? String(decoding: body.prefix(200), as: UTF8.self)
        return detail.isEmpty ? "\(status)" : "\(status) \(detail)"
    }

    private struct ErrorBody: Decodable {
        struct Status: Decodable {
            var message: String?
            var details: [Detail]?
        }
        struct Detail: Decodable {
            var reason: String?
        }
        var error: Status
    }
}
