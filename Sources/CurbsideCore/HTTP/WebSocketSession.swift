import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import Synchronization

/// How an authenticated WebSocket connection ends: the close frame it gets and its access-log line.
public struct WebSocketEnding: Sendable, Equatable {
    /// The access-log message after the path ("closed: token expired").
    public let description: String
    /// The close code (1001 going away, 1011 server error, 44xx ours); `nil` when the client
    /// closed, so there is nothing left to send.
    public let code: UInt16?
    /// The close reason, telling the app what to do next.
    public let reason: String

    public init(_ description: String, code: UInt16?, reason: String) {
        self.description = description
        self.code = code
        self.reason = reason
    }

    /// The caller gave no valid access token (or it could not be verified).
    public static let noValidToken = WebSocketEnding(
        "refused: no valid token", code: 4401, reason: "a valid access token is required")
    /// The access token expired while connected.
    public static let tokenExpired = WebSocketEnding(
        "closed: token expired", code: 4401, reason: "the access token expired; reconnect with a new one")
    /// The client closed the connection or it dropped.
    public static let clientLeft = WebSocketEnding("closed by the client", code: nil, reason: "")

    /// The server is stopping; `reason` says how to reconnect.
    public static func serverStopping(reason: String) -> WebSocketEnding {
        WebSocketEnding("closed: server stopping", code: 1001, reason: reason)
    }

    /// A bad request refused before the session starts (close code 4400).
    public static func badRequest(_ description: String, reason: String) -> WebSocketEnding {
        WebSocketEnding("refused: \(description)", code: 4400, reason: reason)
    }
}

/// One authenticated WebSocket connection, as the live channel and the ops stream run it: the
/// endpoint's own work races the token's expiry, the client leaving and the server stopping,
/// whichever comes first ends the connection, and one access-log line per connection records how
/// (as the HTTP access log has one per request).
public final class WebSocketSession: Sendable {
    let path: String
    let logger: Logger
    let metadata: Logger.Metadata
    let opened = ContinuousClock.now
    let sent = Atomic<Int>(0)

    /// - Parameter metadata: added to the access-log line (the live channel's `after`).
    public init(path: String, logger: Logger, metadata: Logger.Metadata = [:]) {
        self.path = path
        self.logger = logger
        self.metadata = metadata
    }

    /// Counts a message for the access-log line.
    public func messageSent() {
        sent.add(1, ordering: .relaxed)
    }

    /// Runs `work` (each closure a concurrent task that returns how the connection should end, or
    /// runs until cancelled) until one of them, the token's expiry, the client or the server stopping
    /// ends the connection; the others are cancelled.
    public func run(
        expiry: Date, inbound: WebSocketInboundStream, serverStopping: WebSocketEnding,
        work: [@Sendable () async throws -> WebSocketEnding]
    ) async throws -> WebSocketEnding {
        try await withThrowingTaskGroup(of: WebSocketEnding.self) { group in
            for task in work { group.addTask(operation: task) }
            group.addTask {
                let wait = expiry.timeIntervalSinceNow
                if wait > 0 { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
                return .tokenExpired
            }
            group.addTask {
                for try await _ in inbound {}
                return .clientLeft
            }
            group.addTask {
                // A stopping server ends the connection at once (the app reconnects, to another
                // instance) rather than waiting for a client that may never answer a close.
                try await gracefulShutdown()
                return serverStopping
            }
            defer { group.cancelAll() }
            return try await group.next() ?? .clientLeft
        }
    }

    /// Sends the close frame of `ending` (unless the client left) and writes the access-log line.
    public func end(_ ending: WebSocketEnding, outbound: WebSocketOutboundWriter, user: Principal?) async throws {
        var line = metadata
        line["event.kind"] = "event"
        line["event.category"] = "web"
        line["url.path"] = "\(path)"
        line["event.duration"] = "\((ContinuousClock.now - opened).inNanoseconds)"
        line["websocket.close_code"] = "\(ending.code ?? 1000)"
        line["websocket.messages_sent"] = "\(sent.load(ordering: .relaxed))"
        if let user {
            line["user.id"] = "\(user.userID.uuidString.lowercased())"
            line["user.roles"] = "\(user.role.rawValue)"
        }
        logger.info("WebSocket \(path) \(ending.description)", metadata: line)
        if let code = ending.code { try await outbound.close(.init(codeNumber: Int(code)), reason: ending.reason) }
    }
}

extension HTTPRequest {
    /// The access token of a WebSocket upgrade: the `Authorization: Bearer` header or, for browsers
    /// that cannot set one, the `access_token` query parameter; empty when there is none.
    public func webSocketAccessToken(query: [String: String]) -> String {
        let header = headerFields[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        return header ?? query["access_token"] ?? ""
    }

    /// The query parameters of the request path, percent-decoded (WebSocket endpoints read their
    /// parameters here; the HTTP API gets them from the generated handlers).
    public var queryParameters: [String: String] {
        guard let path, let start = path.firstIndex(of: "?") else { return [:] }
        var values: [String: String] = [:]
        for pair in path[path.index(after: start)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard let key = parts.first?.removingPercentEncoding else { continue }
            values[key] = parts.count > 1 ? String(parts[1]).removingPercentEncoding : ""
        }
        return values
    }
}
