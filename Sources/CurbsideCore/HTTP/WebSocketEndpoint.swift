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
    /// HTTP/1.1 with the platform's channel handlers, upgrading requests to `endpoints` to WebSockets.
    static func curbside(endpoints: [any WebSocketEndpoint], channelHandlers: @escaping @Sendable () -> [any RemovableChannelHandler])
        -> HTTPServerBuilder
    {
        guard !endpoints.isEmpty else { return .http1(configuration: .init(additionalChannelHandlers: channelHandlers())) }
        return .http1WebSocketUpgrade(
            configuration: .init(http1: .init(additionalChannelHandlers: channelHandlers()))
        ) { request, _, logger in
            let path = request.path.map { String($0.prefix { $0 != "?" }) } ?? ""
            guard let endpoint = endpoints.first(where: { $0.path == path }) else { return .dontUpgrade }
            return await endpoint.upgrade(request, logger: logger)
        }
    }
}
