import Foundation
import HummingbirdWSClient
import Logging
import Synchronization

/// A simulated app's live channel (`/v1/stream`), held open for as long as `run()` runs.
///
/// It connects with the session's access token and `after=` the last sequence number seen, so a
/// reconnect (after a drop, a server restart, or a 4401 for an expired token) gets exactly what
/// was missed. Messages wait in a buffer until the app's next look (`takeMessages()`).
public final class LiveChannelConnection: Sendable {
    private struct State {
        var buffer: [LiveMessage] = []
        var lastSeq: Int64 = 0
        var connected = false
    }

    private let state = Mutex(State())
    private let api: APIClient
    private let token: @Sendable () async -> String
    private let tokenRefused: @Sendable () async -> Void
    private let pingInterval: Duration
    private let stats: SimulationStats
    private let logger: Logger

    /// Close code the server uses for an expired access token.
    private static let tokenExpired: UInt16 = 4401

    /// A channel for `session` on the server `api` talks to.
    ///
    /// `pingInterval`: how often the connection is pinged; one that leaves a ping unanswered until
    /// the next is given up and opened again.
    public convenience init(
        api: APIClient, session: UserSession, stats: SimulationStats, logger: Logger, pingInterval: Duration = .seconds(20)
    ) {
        self.init(
            api: api, token: { await session.token() }, tokenRefused: { await session.tokenRefused() }, stats: stats, logger: logger,
            pingInterval: pingInterval)
    }

    /// A channel that gets its access token from `token` and reports a refused one to `tokenRefused`.
    public init(
        api: APIClient, token: @escaping @Sendable () async -> String, tokenRefused: @escaping @Sendable () async -> Void,
        stats: SimulationStats, logger: Logger, pingInterval: Duration = .seconds(20)
    ) {
        self.api = api
        self.token = token
        self.tokenRefused = tokenRefused
        self.pingInterval = pingInterval
        self.stats = stats
        self.logger = logger
    }

    /// Whether the socket is open now (when not, drivers poll their offers instead).
    public var isConnected: Bool { state.withLock { $0.connected } }

    /// The messages received since the last call, oldest first.
    public func takeMessages() -> [LiveMessage] {
        state.withLock { state in
            defer { state.buffer.removeAll(keepingCapacity: true) }
            return state.buffer
        }
    }

    /// Holds the channel open, reconnecting with growing pauses (up to 10 s) whenever it drops,
    /// until the task is cancelled.
    public func run() async {
        var pause = Duration.milliseconds(500)
        // Pings the server answers prove the connection alive; one unanswered for a whole period
        // ends it, and the loop opens another. A dead peer or a lost close frame would otherwise
        // leave the app waiting for ever on a socket that will never speak.
        let configuration = WebSocketClientConfiguration(autoPing: .enabled(timePeriod: pingInterval))
        while !Task.isCancelled {
            let accessToken = await token()
            let after = state.withLock { $0.lastSeq }
            let url = api.webSocketURL("/v1/stream?access_token=\(accessToken)&after=\(after)")
            var received = false
            do {
                let close = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                    self.opened()
                    defer { self.closed() }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await frame in inbound.messages(maxSize: 1 << 20) {
                                guard case .text(let text) = frame, let message = LiveMessage.parse(text) else { continue }
                                self.deliver(message)
                            }
                        }
                        // Until the app hangs up: the run ends (this task is cancelled).
                        group.addTask {
                            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3_600)) }
                        }
                        _ = try await group.next()
                        group.cancelAll()
                    }
                    if Task.isCancelled { try? await outbound.close(.normalClosure, reason: nil) }
                }
                received = true
                if case .unknown(let code) = close?.closeCode, code == Self.tokenExpired { await tokenRefused() }
            } catch {
                if Task.isCancelled { return }
                logger.debug("live channel dropped", metadata: ["error.message": "\(error)"])
            }
            if Task.isCancelled { return }
            // A connection that worked resets the pause; one that failed waits longer next time.
            pause = received ? .milliseconds(500) : min(pause * 2, .seconds(10))
            try? await Task.sleep(for: pause)
        }
    }

    private func opened() {
        state.withLock { $0.connected = true }
        stats.update { $0.liveConnects += 1 }
    }

    private func closed() {
        state.withLock { $0.connected = false }
        if !Task.isCancelled { stats.update { $0.liveDisconnects += 1 } }
    }

    private func deliver(_ message: LiveMessage) {
        let fresh = state.withLock { state in
            // After a reconnect the server resends nothing already seen; this guards against a
            // replay all the same, since a duplicate offer must not be answered twice.
            guard message.seq > state.lastSeq else { return false }
            state.lastSeq = message.seq
            state.buffer.append(message)
            return true
        }
        if fresh { stats.update { $0.liveMessages += 1 } }
    }
}
