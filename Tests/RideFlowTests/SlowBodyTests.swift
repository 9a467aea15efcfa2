import CurbsideCore
import CurbsideTesting
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// The body deadline on a live server (`RequestBodyDeadline`): a body that stops arriving gets 408
/// and a closed connection; a keep-alive connection idle between requests is not cut by it.
@Suite struct SlowBodyTests {
    /// A raw HTTP/1.1 connection, read by one task for its whole life: everything the server wrote
    /// so far, and whether it closed.
    final class RawConnection: Sendable {
        struct Received { var text = ""; var closed = false }
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        let received = NIOLockedValueBox(Received())

        init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) { self.outbound = outbound }

        /// Connects and runs `body` while a task reads the connection.
        static func with(port: Int, _ body: @Sendable (RawConnection) async throws -> Void) async throws {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            try await channel.executeThenClose { inbound, outbound in
                let connection = RawConnection(outbound: outbound)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await chunk in inbound { connection.received.withLockedValue { $0.text += String(buffer: chunk) } }
                        connection.received.withLockedValue { $0.closed = true }
                    }
                    defer { group.cancelAll() }
                    try await body(connection)
                }
            }
        }

        /// Sends `text` and waits (at most `seconds`) until what arrived after it satisfies `done` or the server closed.
        func exchange(_ text: String, seconds: Double, until done: @Sendable (String) -> Bool) async throws -> (reply: String, closed: Bool) {
            let start = received.withLockedValue { $0.text.count }
            try await outbound.write(ByteBuffer(string: text))
            let deadline = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < deadline {
                let now = received.withLockedValue { $0 }
                let reply = String(now.text.dropFirst(start))
                if now.closed || done(reply) { return (reply, now.closed) }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw TestFailure("no complete reply within \(seconds) s")
        }
    }

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
