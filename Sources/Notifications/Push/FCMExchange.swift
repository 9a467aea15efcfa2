import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP call to Google with a bound on the whole of it.
struct FCMExchange: Sendable {
    /// Google's answers here are small; more is not Google.
    static let maxBodyBytes = 64 << 10

    struct Answer {
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
    /// when the answer's head arrives, so the body is raced against a timer as well.
    func callAsFunction(_ request: HTTPClientRequest) async throws -> Answer {
        let (seconds, attoseconds) = timeout.components
        let deadline = NIODeadline.now() + .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        return try await withThrowingTaskGroup(of: Answer.self) { group in
            group.addTask {
                let response = try await client.execute(request, deadline: deadline)
                let body = try await response.body.collect(upTo: Self.maxBodyBytes)
                return Answer(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Timeout(timeout: timeout)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

extension HTTPClientError {
    /// The deadline passed before the answer's head arrived: a timeout like ``FCMExchange/Timeout``.
    var isTimeout: Bool {
        self == .deadlineExceeded || self == .connectTimeout || self == .readTimeout || self == .writeTimeout
    }
}
