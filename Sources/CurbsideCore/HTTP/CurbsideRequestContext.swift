import Hummingbird
import NIOCore

/// The request context of every Curbside route: Hummingbird's core storage plus the peer address,
/// which sign-in throttling needs.
public struct CurbsideRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
