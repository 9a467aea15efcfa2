import CurbsideCore
import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// The live channel: `GET /v1/stream` upgraded to a WebSocket.
///
/// The access token comes in the `Authorization` header or, for browsers that cannot set one,
/// the `access_token` query parameter; `after` is the last sequence number the client has (0 for
/// none). The server sends each notification as a JSON text message with its `seq`, a heartbeat
/// every so often, and closes with 4401 when the token expires (reconnect with a fresh one and
/// `after`), 4408 when the client fell too far behind, 4400 for a bad request.
struct LiveChannel: WebSocketEndpoint {
    let path = "/v1/stream"
    let tokens: TokenService
    let hub: StreamHub
    let heartbeat: Duration

    enum Ending: Sendable {
        case expired, tooSlow, clientLeft, streamFailed, serverStopping
    }

    func upgrade(_ request: HTTPRequest, logger: Logger) async -> ShouldUpgradeResult<
        WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
    > {
        let query = Self.query(request.path ?? "")
        let header = request.headerFields[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        let token = header ?? query["access_token"] ?? ""
        let after = Int64(query["after"] ?? "0").flatMap { $0 >= 0 ? $0 : nil }
        let caller = try? await tokens.verifyWithExpiry(bearerToken: token)
        let hub = hub
        let heartbeat = heartbeat
        return .upgrade([:]) { inbound, outbound, _ in
            let opened = ContinuousClock.now
            let sent = NIOLockedValueBox(0)
            // The live channel's access log: one line per connection when it ends, as the HTTP
            // access log has one per request.
            func log(_ ending: String, code: Int, user: Principal?) {
                var metadata: Logger.Metadata = [
                    "event.kind": "event", "event.category": "web", "url.path": "/v1/stream",
                    "event.duration": "\((ContinuousClock.now - opened).inNanoseconds)", "websocket.close_code": "\(code)",
                    "websocket.messages_sent": "\(sent.withLockedValue { $0 })", "websocket.after": "\(after ?? -1)",
                ]
                if let user {
                    metadata["user.id"] = "\(user.userID.uuidString.lowercased())"
                    metadata["user.roles"] = "\(user.role.rawValue)"
                }
                logger.info("WebSocket /v1/stream \(ending)", metadata: metadata)
            }
            guard let after else {
                log("refused: bad after", code: 4400, user: nil)
                try await outbound.close(.unknown(4400), reason: "after must be a sequence number (0 for none)")
                return
            }
            guard let (principal, expiry) = caller else {
                log("refused: no valid token", code: 4401, user: nil)
                try await outbound.close(.unknown(4401), reason: "a valid access token is required")
                return
            }
            let ending = try await withThrowingTaskGroup(of: Ending.self) { group in
                group.addTask {
                    do {
                        for try await message in hub.subscribe(user: principal.userID, after: after) {
                            try await outbound.writeTextMessage(message.text)
                            sent.withLockedValue { $0 += 1 }
                        }
                        return .streamFailed
                    } catch StreamHub.End.tooSlow {
                        return .tooSlow
                    }
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: heartbeat)
                        try await outbound.writeTextMessage(#"{"type":"heartbeat"}"#)
                    }
                }
                group.addTask {
                    let wait = expiry.timeIntervalSinceNow
                    if wait > 0 { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
                    return .expired
                }
                group.addTask {
                    for try await _ in inbound {}
                    return .clientLeft
                }
                group.addTask {
                    // A stopping server ends the connection at once (the app reconnects with `after`,
                    // to another instance) rather than waiting for a client that may never leave.
                    try await gracefulShutdown()
                    return .serverStopping
                }
                defer { group.cancelAll() }
                return try await group.next() ?? .clientLeft
            }
            switch ending {
            case .expired:
                log("closed: token expired", code: 4401, user: principal)
                try await outbound.close(.unknown(4401), reason: "the access token expired; reconnect with a new one")
            case .tooSlow:
                log("closed: client too slow", code: 4408, user: principal)
                try await outbound.close(.unknown(4408), reason: "too far behind; reconnect with after=<last seq>")
            case .streamFailed:
                log("closed: stream failed", code: 1011, user: principal)
                try await outbound.close(.unexpectedServerError, reason: "the stream stopped; reconnect")
            case .serverStopping:
                log("closed: server stopping", code: 1001, user: principal)
                try await outbound.close(.goingAway, reason: "the server is stopping; reconnect with after=<last seq>")
            case .clientLeft:
                log("closed by the client", code: 1000, user: principal)
            }
        }
    }

    static func query(_ path: String) -> [String: String] {
        guard let start = path.firstIndex(of: "?") else { return [:] }
        var values: [String: String] = [:]
        for pair in path[path.index(after: start)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard let key = parts.first?.removingPercentEncoding else { continue }
            values[key] = parts.count > 1 ? String(parts[1]).removingPercentEncoding : ""
        }
        return values
    }
}
