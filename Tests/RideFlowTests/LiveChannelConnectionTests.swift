import AsyncHTTPClient
import CurbsideTesting
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOConcurrencyHelpers
import Simulator
import Testing

/// The simulator's live channel against a stand-in server that goes silent: the app must not
/// wait for ever on a connection that will never speak again (a dead peer, or the close frame the
/// WebSocket client is known to lose now and then, docs/pitfalls.md).
@Suite struct LiveChannelConnectionTests {
    /// A `/v1/stream` whose first connection sends message 1 and then neither sends nor reads
    /// anything (so pings go unanswered), and whose later connections send what comes after `after`.
    struct SilentFirstServer {
        let afters = NIOLockedValueBox<[String]>([])

        func run(on port: Int) async throws {
            let router = Router(context: BasicWebSocketRequestContext.self)
            let afters = afters
            router.ws("/v1/stream") { inbound, outbound, context in
                let after = context.request.uri.queryParameters["after"].map(String.init) ?? "?"
                let connection = afters.withLockedValue {
                    $0.append(after)
                    return $0.count
                }
                let next = (Int(after) ?? 0) + 1
                try await outbound.write(.text(#"{"type":"notification","seq":"\#(next)","kind":"test.sent","data":{}}"#))
                if connection == 1 {
                    // Never reading the inbound stream leaves every ping unanswered.
                    try await Task.sleep(for: .seconds(3_600))
                }
                for try await _ in inbound {}
            }
            let app = Application(
                router: Router(), server: .http1WebSocketUpgrade(webSocketRouter: router),
                configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: TestEnvironment.logger)
            try await app.runService(gracefulShutdownSignals: [])
        }
    }

    @Test func aConnectionThatFallsSilentIsReplacedAndResumesAfterTheLastMessage() async throws {
        let port = try await LocalPorts.free(1)[0]
        let server = SilentFirstServer()
        let serving = Task { try await server.run(on: port) }
        defer { serving.cancel() }
        try await LocalPorts.waitUntilListening(port)

        let stats = SimulationStats()
        let api = APIClient(http: HTTPClient.shared, baseURL: "http://127.0.0.1:\(port)", stats: stats)
        let channel = LiveChannelConnection(
            api: api, token: { "token" }, tokenRefused: {}, stats: stats, logger: TestEnvironment.logger,
            pingInterval: .milliseconds(300))
        let running = Task { await channel.run() }
        defer { running.cancel() }

        var seqs: [Int64] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while seqs.count < 2, ContinuousClock.now < deadline {
            seqs += channel.takeMessages().map(\.seq)
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(seqs == [1, 2], "messages received: \(seqs)")
        // The second connection asked for what came after the first one's message.
        #expect(server.afters.withLockedValue { Array($0.prefix(2)) } == ["0", "1"])
    }
}
