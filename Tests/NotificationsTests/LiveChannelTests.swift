import CurbsideCore
import CurbsideTesting
import Foundation
import HummingbirdWSClient
import IntegrationEvents
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

@testable import Notifications

/// The live channel on a real socket, as the apps connect to it.
@Suite(.serialized) struct LiveChannelTests {
    func noDriver(_ user: UUID) -> TripsV1.TripNoDriverFound {
        TripsV1.TripNoDriverFound(trip: "trips/\(UUID())", passenger: "users/\(user)", endTime: Date())
    }

    /// Connects, collects `count` notification messages (heartbeats counted apart), then hangs up;
    /// a connection that has not got them within `limit` fails the test rather than waiting on.
    func receive(
        _ count: Int, port: Int, token: String, after: Int64 = 0, limit: Duration = .seconds(30),
        whileConnected: @escaping @Sendable () async throws -> Void = {}
    ) async throws -> (messages: [[String: String]], heartbeats: Int, close: WebSocketCloseFrame?) {
        let collected = Collected()
        let close = try await withTimeout(limit, throwing: TestFailure("\(count) messages (after \(after)) did not arrive within \(limit)")) {
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/v1/stream?access_token=\(token)&after=\(after)", logger: TestEnvironment.logger
            ) { inbound, _, _ in
                try await whileConnected()
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message,
                        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                    else { continue }
                    if json["type"] as? String == "heartbeat" {
                        await collected.heartbeat()
                        continue
                    }
                    if await collected.add(json.compactMapValues { $0 as? String }) >= count { return }
                }
            }
        }
        return (await collected.messages, await collected.heartbeats, close)
    }

    actor Collected {
        var messages: [[String: String]] = []
        var heartbeats = 0
        func add(_ json: [String: String]) -> Int {
            messages.append(json)
            return messages.count
        }
        func heartbeat() { heartbeats += 1 }
    }

    @Test func aClientGetsItsMessagesLiveAndResumesAfterItsLastSequence() async throws {
        try await LiveNotificationsServer.with { server in
            let (port, context) = (server.port, server.context)
            let user = UUID()
            let token = try await context.api.platform.tokens.issueAccessToken(
                for: Principal(userID: user, role: .passenger, sessionID: UUID())
            ).token
            let someoneElse = UUID()
            let first = try await receive(3, port: port, token: token) {
                // Delivered while connected: they arrive over the socket as they are committed.
                Task {
                    try await Task.sleep(for: .milliseconds(300))
                    for _ in 0..<3 {
                        try await context.deliver(noDriver(someoneElse))
                        try await context.deliver(noDriver(user))
                    }
                }
            }
            let seqs = first.messages.compactMap { $0["seq"].flatMap(Int64.init) }
            #expect(seqs.count == 3 && seqs == seqs.sorted())
            #expect(first.messages.allSatisfy { $0["name"]?.contains(user.uuidString.lowercased()) == true })
            // Disconnected; two more happen; reconnecting after the last one gets exactly those two.
            for _ in 0..<2 { try await context.deliver(noDriver(user)) }
            let resumed = try await receive(2, port: port, token: token, after: seqs.last!)
            let resumedSeqs = resumed.messages.compactMap { $0["seq"].flatMap(Int64.init) }
            #expect(resumedSeqs.count == 2 && resumedSeqs.allSatisfy { $0 > seqs.last! })
            let stored = try await context.stored(user).map(\.seq)
            #expect(seqs + resumedSeqs == stored)
        }
    }

    @Test func anExpiredTokenIsCutOffAndABadOneIsRefused() async throws {
        try await LiveNotificationsServer.with(["curbside.auth.access_token_seconds": "2"]) { server in
            let (port, context) = (server.port, server.context)
            let user = UUID()
            let token = try await context.api.platform.tokens.issueAccessToken(
                for: Principal(userID: user, role: .passenger, sessionID: UUID())
            ).token
            // Nothing to receive: the connection lasts until the token expires; heartbeats keep it alive meanwhile.
            let expired = try await receive(1, port: port, token: token)
            #expect(expired.close?.closeCode == .unknown(4401), "\(String(describing: expired.close))")
            #expect(expired.heartbeats >= 2)
            // Refusals are upgraded and closed at once (browsers see close codes, not HTTP statuses),
            // read off a raw socket: hummingbird-websocket's client can miss a close right after the 101.
            try await RawConnection.with(port: port) { connection in
                let refused = try await connection.webSocketCloseCode("/v1/stream?access_token=not-a-token&after=0")
                #expect(refused.head.hasPrefix("HTTP/1.1 101") && refused.code == 4401, "\(refused)")
            }
            try await RawConnection.with(port: port) { connection in
                let badAfter = try await connection.webSocketCloseCode("/v1/stream?access_token=\(token)&after=-1")
                #expect(badAfter.code == 4400, "\(badAfter)")
            }
        }
    }
}
