import AsyncHTTPClient
import CurbsideCore
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP call to Google with a bound on the whole of it.
struct FCMExchange: Sendable {
    /// Google's answers here are small; more is not Google.
    static let maxBodyBytes = 64 << 10

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
    }

    /// The call took longer than the bound.
    struct Timeout: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no complete answer within \(timeout)" }
    }

    let client: HTTPClient
    let timeout: Duration

    /// Sends `request` and reads the whole answer within `timeout`. AsyncHTTPClient's deadline ends
    /// when the answer's head arrives, so the whole exchange is bounded as well, and abandoned rather
    /// than waited for when it does not end in time (see `withTimeout`).
    func callAsFunction(_ request: HTTPClientRequest) async throws -> Answer {
        let (seconds, attoseconds) = timeout.components
        let deadline = NIODeadline.now() + .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        let client = client
        return try await withTimeout(timeout, throwing: Timeout(timeout: timeout)) {
            let response = try await client.execute(request, deadline: deadline)
            let body = try await response.body.collect(upTo: Self.maxBodyBytes)
            return Answer(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
        }
    }
}

extension HTTPClientError {
    /// The deadline passed before the answer's head arrived: a timeout like ``FCMExchange/Timeout``.
    var isTimeout: Bool {
        self == .deadlineExceeded || self == .connectTimeout || self == .readTimeout || self == .writeTimeout
    }
}
