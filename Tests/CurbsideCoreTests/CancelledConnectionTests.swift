import CurbsideTesting
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import CurbsideCore

/// A connection whose handling waits on its event loop, where task cancellation does not reach,
/// is closed when the server's task is cancelled (the end of a stop's grace period), so the server
/// stops instead of waiting for it until the process is ended.
@Suite struct CancelledConnectionTests {
    /// Handles a connection by waiting for it to close, ignoring cancellation: as the upgrade
    /// negotiation's result and a write to a client that stopped reading do.
    struct WaitsForTheClose: ServerChildChannel {
        struct Value: ServerChildChannelValue {
            let channel: any Channel
        }

        func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
            channel.eventLoop.makeSucceededFuture(Value(channel: channel))
        }

        func handle(value: Value, logger: Logger) async {
            try? await value.channel.closeFuture.get()
        }
    }

    @Test func aCancelledServerClosesConnectionsThatIgnoreCancellation() async throws {
        let port = NIOLockedValueBox<Int?>(nil)
        let server = FirstRequestGuarded(inner: WaitsForTheClose(), timeout: .seconds(60)).server(
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLockedValue { $0 = channel.localAddress?.port } },
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: TestEnvironment.logger)
        let running = Task { try await server.run() }
        defer { running.cancel() }
        let bound = try await withTimeout(.seconds(10), throwing: TestFailure("the server did not start")) {
            while port.withLockedValue({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
            return port.withLockedValue { $0 }!
        }
        try await RawConnection.with(port: bound) { connection in
            // A whole head, so the guard has stepped aside and only the cancellation can end it.
            try await connection.outbound.write(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: curbside\r\n\r\n"))
            try await Task.sleep(for: .milliseconds(300))
            running.cancel()
            let stopped: Bool? = try? await withTimeout(.seconds(5), throwing: TestFailure("the server is still running")) {
                _ = await running.result
                return true
            }
            #expect(stopped != nil, "the cancelled server waited for a connection that ignores cancellation")
            #expect(try await connection.closedByServer(within: .seconds(2)))
        }
    }
}
