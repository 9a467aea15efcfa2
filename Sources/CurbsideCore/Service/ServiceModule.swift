import Hummingbird
import IntegrationEvents
import Logging
import ServiceLifecycle

/// One bounded context as the platform hosts it: its API, its schema and its background work.
///
/// The executable composes one module per service (all of them by default, or one with
/// `--service`); modules never see each other's types.
public protocol ServiceModule: Sendable {
    var name: ServiceName { get }
    /// The hand-written OpenAPI document the module's handlers are generated from.
    var document: OpenAPIDocument { get }
    /// The module's pools, checked by `/readyz` and run as services.
    var databases: ServiceDatabases { get }
    /// Registers the generated handlers on `transport`.
    func registerRoutes(on transport: GuardedTransport) throws
    /// Background work (clean-up jobs) to run beside the server; the platform adds the outbox relay.
    var backgroundServices: [any Service] { get }
    /// Who receives the events this module publishes.
    var eventRouting: EventRouting { get }
    /// The subscribers this module hosts, by subscriber name.
    var eventReceivers: [String: any EventReceiver] { get }
    /// WebSockets the module serves beside its API.
    var webSocketEndpoints: [any WebSocketEndpoint] { get }
}

extension ServiceModule {
    public var eventReceivers: [String: any EventReceiver] { [:] }

    public var webSocketEndpoints: [any WebSocketEndpoint] { [] }

    /// The document as served: the module's own plus the platform's operations it gets (parked
    /// events; the event inbox when the module hosts subscribers).
    public var publishedDocument: OpenAPIDocument {
        document.withPlatformOperations(service: name, hostsSubscribers: !eventReceivers.isEmpty)
    }
}

/// What every module shares: settings, the token service, the password hasher, page tokens.
public struct Platform: Sendable {
    public let settings: PlatformSettings
    public let tokens: TokenService
    public let passwords: PasswordHasher
    public let pageTokens: PageTokenCodec
    /// Carries events to subscribers: in-process receivers, or HTTP for those configured with a URL.
    public let events: RoutingEventTransport
    /// Service-to-service calls through generated clients, signed with a service token.
    public let clients: ServiceClients
    public let logger: Logger

    public init(settings: PlatformSettings, logger: Logger) async throws {
        self.settings = settings
        self.logger = logger
        let store = try SigningKeyStore.load(directory: settings.auth.keysDirectory)
        tokens = await TokenService(
            store: store, issuer: settings.auth.issuer, accessTokenLifetime: settings.auth.accessTokenLifetime)
        passwords = try await PasswordHasher(cost: settings.auth.bcryptCost)
        pageTokens = PageTokenCodec(secret: settings.auth.pageTokenSecret)
        events = RoutingEventTransport(
            local: InProcessEventTransport(),
            remote: HTTPEventTransport(baseURLs: settings.events.subscriberURLs, tokens: tokens))
        clients = ServiceClients(urls: settings.serviceURLs, tokens: tokens)
    }
}
