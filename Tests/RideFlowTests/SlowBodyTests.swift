import CurbsideCore
import CurbsideTesting
import Foundation
import Testing

/// The body deadline on a live server (`RequestBodyDeadline`): a body that stops arriving gets 408
/// and a closed connection; a keep-alive connection idle between requests is not cut by it.
@Suite struct SlowBodyTests {
    @Test func aBodyThatStopsArrivingGets408AndTheConnectionIsClosed() async throws {
        try await AllInOneServer.run(extraSettings: ["curbside.http.body_timeout_seconds": "1"]) { server in
            let port = try #require(URL(string: server.baseURL)?.port)
            try await RawConnection.with(port: port) { connection in
                let started = ContinuousClock.now
                let (reply, closed) = try await connection.exchange(
                    "POST /v1/sessions HTTP/1.1\r\nHost: curbside\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\"",
                    seconds: 5, until: { _ in false })
                #expect(reply.hasPrefix("HTTP/1.1 408"), "\(reply)")
                #expect(reply.contains("REQUEST_TIMEOUT"))
                #expect(closed)
                #expect(ContinuousClock.now - started >= .milliseconds(900))
            }
        }
    }

    @Test func anIdleKeepAliveConnectionBetweenRequestsIsNotCutByTheBodyDeadline() async throws {
        try await AllInOneServer.run(extraSettings: ["curbside.http.body_timeout_seconds": "1"]) { server in
            let port = try #require(URL(string: server.baseURL)?.port)
            try await RawConnection.with(port: port) { connection in
                let request = "GET /healthz HTTP/1.1\r\nHost: curbside\r\n\r\n"
                let complete: @Sendable (String) -> Bool = { $0.contains("\r\n\r\n") && $0.hasSuffix("}") }
                let first = try await connection.exchange(request, seconds: 5, until: complete)
                #expect(first.reply.hasPrefix("HTTP/1.1 200"), "\(first.reply)")
                try await Task.sleep(for: .milliseconds(1500))
                let second = try await connection.exchange(request, seconds: 5, until: complete)
                #expect(second.reply.hasPrefix("HTTP/1.1 200"), "\(second.reply)")
                #expect(!second.closed)
            }
        }
    }
}
