import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// A WebSocket a module serves beside its HTTP API (the notifications live channel).
public protocol WebSocketEndpoint: Sendable {
    /// The request path that upgrades (`/v1/stream`); the query is the endpoint's to read.
    var path: String { get }

    /// Whether to upgrade this request, and the handler of the connection if so.
    func upgrade(_ request: HTTPRequest, logger: Logger) async -> ShouldUpgradeResult<
        WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
    >
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with the platform's channel handlers, upgrading requests to `endpoints` to WebSockets;
    /// each connection's first request must be under way within `headerTimeout` (``FirstRequestGuard``).
    static func curbside(
        endpoints: [any WebSocketEndpoint], headerTimeout: TimeAmount,
        channelHandlers: @escaping @Sendable () -> [any RemovableChannelHandler]
    ) -> HTTPServerBuilder {
        let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: channelHandlers())
        guard !endpoints.isEmpty else {
            return .init { responder in
                FirstRequestGuarded(inner: HTTP1Channel(responder: responder, configuration: http1), timeout: headerTimeout)
            }
        }
        return .init { responder in
            FirstRequestGuarded(
                inner: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: .init(http1: http1)) { request, _, logger in
                    let path = request.path.map { String($0.prefix { $0 != "?" }) } ?? ""
                    guard let endpoint = endpoints.first(where: { $0.path == path }) else { return .dontUpgrade }
                    return await endpoint.upgrade(request, logger: logger)
                },
                timeout: headerTimeout, upgrades: true)
        }
    }
}
