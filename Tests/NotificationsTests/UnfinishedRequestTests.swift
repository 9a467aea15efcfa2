import CurbsideCore
import CurbsideTesting
import Foundation
import HummingbirdWSClient
import NIOCore
import Testing

@testable import Notifications

/// Connections that have not finished their first request, on the server with the WebSocket
/// upgrade (where they wait in the upgrade negotiation): they neither hold up a stop nor stay
/// open past the head deadline (`FirstRequestGuard`), and what did finish its request is left alone.
@Suite(.serialized) struct UnfinishedRequestTests {
    /// How a connection that never completes a request head starts.
    enum Opening: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case nothingSent, halfAHead
        /// A whole upgrade head announcing a body that never comes: the negotiation waits for the
        /// request's end, after the head, where nothing but a close reaches it.
        case upgradeAwaitingItsBody

        var bytes: String {
            switch self {
            case .nothingSent: ""
            case .halfAHead: "GET /v1/stream?after=0 HTTP/1.1\r\nHost: curbside\r\n"
            case .upgradeAwaitingItsBody:
                "GET /v1/stream?after=0 HTTP/1.1\r\nHost: curbside\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 5\r\n\r\n"
            }
        }
        var testDescription: String { rawValue }
    }

    /// Before the guard, one such connection kept `curbside serve` stopping until its grace and
    /// cancellation ran out and ServiceLifecycle ended the process (chaos: "stopped cleanly" failed).
    @Test(arguments: Opening.allCases) func aStopIsNotHeldUpByAConnectionWithoutARequest(_ opening: Opening) async throws {
        try await LiveNotificationsServer.with { server in
            try await RawConnection.with(port: server.port) { connection in
                if !opening.bytes.isEmpty { try await connection.outbound.write(ByteBuffer(string: opening.bytes)) }
                try await Task.sleep(for: .milliseconds(300))
                // Within the test's bound the connection is still ours; past it, the stop waits for it.
                #expect(await server.stop(within: .seconds(10)), "the stop waited for a connection that sent no request")
                #expect(try await connection.closedByServer(within: .seconds(2)))
            }
        }
    }

    @Test(arguments: Opening.allCases) func aConnectionWithoutARequestIsClosedAfterTheHeadDeadline(_ opening: Opening) async throws {
        try await LiveNotificationsServer.with(["curbside.http.header_timeout_seconds": "1"]) { server in
            try await RawConnection.with(port: server.port) { connection in
                let opened = ContinuousClock.now
                if !opening.bytes.isEmpty { try await connection.outbound.write(ByteBuffer(string: opening.bytes)) }
                #expect(try await connection.closedByServer(within: .seconds(5)))
                #expect(ContinuousClock.now - opened >= .milliseconds(900))
            }
        }
    }

    @Test func requestsWhoseHeadArrivedOutliveTheHeadDeadline() async throws {
        try await LiveNotificationsServer.with(["curbside.http.header_timeout_seconds": "1"]) { server in
            // A keep-alive connection: its first head arrived, so the guard has stepped aside.
            try await RawConnection.with(port: server.port) { connection in
                let request = "GET /healthz HTTP/1.1\r\nHost: curbside\r\n\r\n"
                let complete: @Sendable (String) -> Bool = { $0.contains("\r\n\r\n") && $0.hasSuffix("}") }
                #expect(try await connection.exchange(request, seconds: 5, until: complete).reply.hasPrefix("HTTP/1.1 200"))
                try await Task.sleep(for: .milliseconds(1500))
                let second = try await connection.exchange(request, seconds: 5, until: complete)
                #expect(second.reply.hasPrefix("HTTP/1.1 200") && !second.closed, "\(second)")
            }
            // A live channel: upgraded, it lasts as long as the client stays (heartbeats every 300 ms).
            let token = try await server.context.api.platform.tokens.issueAccessToken(
                for: Principal(userID: UUID(), role: .passenger, sessionID: UUID())
            ).token
            let heartbeats = Counter()
            let close = try await withTimeout(.seconds(20), throwing: TestFailure("the live channel went quiet")) {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(server.port)/v1/stream?access_token=\(token)&after=0", logger: TestEnvironment.logger
                ) { inbound, _, _ in
                    let until = ContinuousClock.now + .milliseconds(2500)
                    for try await _ in inbound.messages(maxSize: 1 << 16) {
                        await heartbeats.add()
                        if ContinuousClock.now > until { return }
                    }
                }
            }
            #expect(await heartbeats.value >= 6)
            #expect(close == nil || close?.closeCode == .normalClosure, "\(String(describing: close))")
        }
    }

    actor Counter {
        var value = 0
        func add() { value += 1 }
    }
}
