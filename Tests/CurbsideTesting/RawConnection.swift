import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A raw TCP connection to a test server (HTTP/1.1 written by hand), read by one task for its
/// whole life: everything the server wrote so far, and whether it closed.
public final class RawConnection: Sendable {
    public struct Received: Sendable {
        public var bytes: [UInt8] = []
        public var closed = false
        /// The bytes as text (HTTP/1.1 heads and JSON bodies).
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }
    public let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    public let received = NIOLockedValueBox(Received())

    init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) { self.outbound = outbound }

    /// Connects and runs `body` while a task reads the connection.
    public static func with(port: Int, _ body: @Sendable (RawConnection) async throws -> Void) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        try await channel.executeThenClose { inbound, outbound in
            let connection = RawConnection(outbound: outbound)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Closed however the read ends: by the server's FIN or a reset.
                    defer { connection.received.withLockedValue { $0.closed = true } }
                    for try await chunk in inbound {
                        connection.received.withLockedValue { $0.bytes += chunk.readableBytesView }
                    }
                }
                defer { group.cancelAll() }
                try await body(connection)
            }
        }
    }

    /// Sends `text` and waits (at most `seconds`) until what arrived after it satisfies `done` or the server closed.
    public func exchange(_ text: String, seconds: Double, until done: @Sendable (String) -> Bool) async throws -> (reply: String, closed: Bool) {
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

    /// Upgrades to a WebSocket at `target` and returns the server's answer head and the code of the
    /// close frame it sends first (nil if its first frame is not a close), within `seconds`.
    ///
    /// For connections the server ends at once: hummingbird-websocket's client (2.8.1) sometimes never
    /// sees a close frame that follows the 101 immediately, and waits forever (see docs/pitfalls.md).
    public func webSocketCloseCode(_ target: String, seconds: Double = 10) async throws -> (head: String, code: UInt16?) {
        let upgrade =
            "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try await outbound.write(ByteBuffer(string: upgrade))
        let deadline = ContinuousClock.now + .seconds(seconds)
        let endOfHead: [UInt8] = Array("\r\n\r\n".utf8)
        while ContinuousClock.now < deadline {
            let bytes = received.withLockedValue { $0.bytes }
            if let split = bytes.indices.first(where: { bytes[$0...].starts(with: endOfHead) }) {
                let head = String(decoding: bytes[..<split], as: UTF8.self)
                // A server's frame is unmasked: opcode byte, length byte (< 126 for a close), payload.
                let frame = Array(bytes[(split + endOfHead.count)...])
                if frame.count >= 2, frame.count >= 2 + Int(frame[1] & 0x7f) {
                    guard frame[0] & 0x0f == 0x8, frame[1] & 0x7f >= 2 else { return (head, nil) }
                    return (head, UInt16(frame[2]) << 8 | UInt16(frame[3]))
                }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("no WebSocket close frame within \(seconds) s")
    }

    /// Whether the server has closed the connection within `limit`.
    public func closedByServer(within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if received.withLockedValue({ $0.closed }) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
