import Foundation
import HummingbirdWSClient
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// One text message as a client received it, with this process's wall-clock time of receipt.
struct ReceivedMessage: Sendable {
    let text: String
    let receiveTime: Date
}

/// One user's live-channel connection, held open as an app holds it.
///
/// The handler does as little as it can per message (a timestamp and an append): the benchmark
/// shares the machine with the server, and parsing waits until a phase is over.
final class StreamClient: Sendable {
    private struct State {
        var outbound: WebSocketOutboundWriter?
        var received: [ReceivedMessage] = []
    }

    private let state = NIOLockedValueBox(State())
    private let tally: StreamTally

    init(tally: StreamTally) { self.tally = tally }

    /// Connects and reads until the server closes the connection; never throws (failures are counted).
    func run(url: String, logger: Logger) async {
        do {
            try await WebSocketClient.connect(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger) {
                inbound, outbound, _ in
                // The handler runs only after a successful upgrade; the server sends nothing until
                // there is a notification, so this is the only sign of being connected.
                self.state.withLockedValue { $0.outbound = outbound }
                self.tally.update { $0.connected += 1 }
                for try await message in inbound.messages(maxSize: 1 << 16) {
                    guard case .text(let text) = message, text != #"{"type":"heartbeat"}"# else { continue }
                    let received = ReceivedMessage(text: text, receiveTime: Date())
                    self.state.withLockedValue { $0.received.append(received) }
                    self.tally.update { $0.messages += 1 }
                }
            }
        } catch {
            tally.update { $0.failures.append(String(describing: error)) }
        }
        tally.update { $0.ended += 1 }
    }

    /// The messages received since the last call.
    func takeReceived() -> [ReceivedMessage] {
        state.withLockedValue { state in
            defer { state.received.removeAll(keepingCapacity: true) }
            return state.received
        }
    }

    /// Starts the close handshake; the server answers and `run` returns.
    func close() async {
        guard let outbound = state.withLockedValue({ $0.outbound }) else { return }
        try? await outbound.close(.normalClosure, reason: nil)
    }
}

/// Counts shared by every client of a pool.
final class StreamTally: Sendable {
    struct Counts {
        var connected = 0
        var ended = 0
        var messages = 0
        var failures: [String] = []
    }

    private let counts = NIOLockedValueBox(Counts())

    func update(_ change: (inout Counts) -> Void) { counts.withLockedValue { change(&$0) } }

    var current: Counts { counts.withLockedValue { $0 } }
}

/// Live-channel connections, one per access token, held open by this process while a body runs.
struct StreamClientPool: Sendable {
    let clients: [StreamClient]
    let tally: StreamTally

    /// Opens one connection per token to `<baseURL>/v1/stream` (`concurrency` upgrades in flight at
    /// a time, so that the server's accept queue and the token checks are not all hit at once),
    /// runs `body` once every one is open, then closes them all.
    static func with<Result: Sendable>(
        tokens: [String], baseURL: String, concurrency: Int, logger: Logger, _ body: (StreamClientPool) async throws -> Result
    ) async throws -> Result {
        let tally = StreamTally()
        let pool = StreamClientPool(clients: tokens.map { _ in StreamClient(tally: tally) }, tally: tally)
        let streamURL = (baseURL.hasPrefix("https:") ? "wss" : "ws") + baseURL.drop { $0 != ":" } + "/v1/stream"
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            do {
                for start in stride(from: 0, to: tokens.count, by: max(concurrency, 1)) {
                    let wave = start..<min(start + max(concurrency, 1), tokens.count)
                    for index in wave {
                        let client = pool.clients[index]
                        let url = "\(streamURL)?access_token=\(tokens[index])&after=0"
                        group.addTask { await client.run(url: url, logger: logger) }
                    }
                    try await pool.waitUntil(timeout: .seconds(30), "connections \(wave) to open") {
                        $0.connected + $0.failures.count >= wave.upperBound
                    }
                }
                // The server refuses a bad token or `after` by closing right after the upgrade.
                try await Task.sleep(for: .milliseconds(500))
                let opened = tally.current
                guard opened.failures.isEmpty, opened.ended == 0 else {
                    throw BenchError(
                        "\(opened.connected) of \(tokens.count) live channels opened, \(opened.ended) ended early; first failure: \(opened.failures.first ?? "none")"
                    )
                }
                let result = try await body(pool)
                await pool.closeAll()
                group.cancelAll()
                return result
            } catch {
                await pool.closeAll()
                group.cancelAll()
                throw error
            }
        }
    }

    /// Polls the counts every 5 ms until `condition` holds; throws after `timeout`.
    func waitUntil(timeout: Duration, _ what: String, _ condition: (StreamTally.Counts) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(tally.current) {
            guard ContinuousClock.now < deadline else { throw BenchError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Closes every connection and waits (at most 10 s) for the server's answers; the caller then
    /// cancels whatever did not end.
    private func closeAll() async {
        await withTaskGroup(of: Void.self) { closing in
            for client in clients { closing.addTask { await client.close() } }
        }
        try? await waitUntil(timeout: .seconds(10), "connections to close") { $0.ended >= clients.count }
    }
}
