import CurbsideCore
import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging

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
        case expired, tooSlow, clientLeft, streamFailed
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
            guard let after else {
                try await outbound.close(.unknown(4400), reason: "after must be a sequence number (0 for none)")
                return
            }
            guard let (principal, expiry) = caller else {
                try await outbound.close(.unknown(4401), reason: "a valid access token is required")
                return
            }
            let ending = try await withThrowingTaskGroup(of: Ending.self) { group in
                group.addTask {
                    do {
                        for try await message in hub.subscribe(user: principal.userID, after: after) {
                            try await outbound.writeTextMessage(Self.json(message))
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
                defer { group.cancelAll() }
                return try await group.next() ?? .clientLeft
            }
            switch ending {
            case .expired: try await outbound.close(.unknown(4401), reason: "the access token expired; reconnect with a new one")
            case .tooSlow: try await outbound.close(.unknown(4408), reason: "too far behind; reconnect with after=<last seq>")
            case .streamFailed: try await outbound.close(.unexpectedServerError, reason: "the stream stopped; reconnect")
            case .clientLeft: break
            }
        }
    }

    /// One notification as the client receives it.
    static func json(_ notification: StoredNotification) -> String {
        struct Message: Encodable {
            var type = "notification"
            var seq: String
            var name: String
            var kind: String
            var category: String
            var title: String
            var body: String
            var data: [String: String]
            var createTime: String
        }
        let message = Message(
            seq: String(notification.seq), name: notification.name, kind: notification.kind, category: notification.category.rawValue,
            title: notification.title, body: notification.body, data: notification.data,
            createTime: Timestamp.format(notification.createTime))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(message), as: UTF8.self)) ?? "{}"
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
