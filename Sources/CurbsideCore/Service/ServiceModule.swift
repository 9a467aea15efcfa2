import Hummingbird
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
    /// Background work (clean-up jobs, relays) to run beside the server.
    var backgroundServices: [any Service] { get }
}

/// What every module shares: settings, the token service, the password hasher, page tokens.
public struct Platform: Sendable {
    public let settings: PlatformSettings
    public let tokens: TokenService
    public let passwords: PasswordHasher
    public let pageTokens: PageTokenCodec
    public let logger: Logger

    public init(settings: PlatformSettings, logger: Logger) async throws {
        self.settings = settings
        self.logger = logger
        let store = try SigningKeyStore.load(directory: settings.auth.keysDirectory)
        tokens = await TokenService(
            store: store, issuer: settings.auth.issuer, accessTokenLifetime: settings.auth.accessTokenLifetime)
        passwords = try await PasswordHasher(cost: settings.auth.bcryptCost)
        pageTokens = PageTokenCodec(secret: settings.auth.pageTokenSecret)
    }
}
