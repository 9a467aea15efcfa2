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

    static let tooSlow = WebSocketEnding(
        "closed: client too slow", code: 4408, reason: "too far behind; reconnect with after=<last seq>")
    static let streamFailed = WebSocketEnding(
        "closed: stream failed", code: 1011, reason: "the stream stopped; reconnect")
    static let serverStopping = WebSocketEnding.serverStopping(reason: "the server is stopping; reconnect with after=<last seq>")

    func upgrade(_ request: HTTPRequest, logger: Logger) async -> ShouldUpgradeResult<
        WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
    > {
        let query = request.queryParameters
        let after = Int64(query["after"] ?? "0").flatMap { $0 >= 0 ? $0 : nil }
        let caller = try? await tokens.verifyWithExpiry(bearerToken: request.webSocketAccessToken(query: query))
        let hub = hub
        let heartbeat = heartbeat
        return .upgrade([:]) { inbound, outbound, _ in
            let session = WebSocketSession(path: path, logger: logger, metadata: ["websocket.after": "\(after ?? -1)"])
            guard let after else {
                let ending = WebSocketEnding.badRequest("bad after", reason: "after must be a sequence number (0 for none)")
                return try await session.end(ending, outbound: outbound, user: nil)
            }
            guard let (principal, expiry) = caller else {
                return try await session.end(.noValidToken, outbound: outbound, user: nil)
            }
            let ending = try await session.run(
                expiry: expiry, inbound: inbound, serverStopping: Self.serverStopping,
                work: [
                    {
                        do {
                            for try await message in hub.subscribe(user: principal.userID, after: after) {
                                try await outbound.writeTextMessage(message.text)
                                session.messageSent()
                            }
                            return Self.streamFailed
                        } catch StreamHub.End.tooSlow {
                            return Self.tooSlow
                        }
                    },
                    {
                        while true {
                            try await Task.sleep(for: heartbeat)
                            try await outbound.writeTextMessage(#"{"type":"heartbeat"}"#)
                        }
                    },
                ])
            try await session.end(ending, outbound: outbound, user: principal)
        }
    }
}
