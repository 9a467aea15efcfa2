import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import OpenAPIRuntime
import ServiceLifecycle

/// The users service as the platform hosts it: the composition root of its repositories, use cases
/// and API.
public struct UsersModule: ServiceModule {
    public let name = ServiceName.users
    public let document: OpenAPIDocument
    public let databases: ServiceDatabases
    public let eventRouting: EventRouting
    public let accounts: AccountService
    public let profiles: ProfileService
    public let drivers: DriverService
    public let vehicles: VehicleService
    let maintenance: UsersMaintenance

    /// The service's migrations, applied by `curbside migrate`.
    public static let migrations = UsersMigrations.all

    /// The OpenAPI document shipped with the service.
    public static func loadDocument() throws -> OpenAPIDocument {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw ConfigurationError("the users OpenAPI document is missing from the bundle")
        }
        return try OpenAPIDocument(contentsOf: url)
    }

    public init(platform: Platform, routing: EventRouting = .curbside, clock: UsersClock = UsersClock()) throws {
        let settings = platform.settings
        document = try Self.loadDocument()
        eventRouting = routing
        databases = ServiceDatabases(service: .users, settings: settings.database, logger: platform.logger)
        let users = UserRepository(databases: databases)
        let sessions = SessionRepository(databases: databases)
        let driverRepository = DriverRepository(databases: databases, outbox: OutboxWriter(routing: routing))
        let vehicleRepository = VehicleRepository(databases: databases)
        let documentRepository = DocumentRepository(databases: databases)
        accounts = AccountService(
            users: users, sessions: sessions,
            throttle: SignInThrottle(
                databases: databases, maxFailures: settings.auth.signInMaxFailures, window: settings.auth.signInWindow,
                lockout: settings.auth.signInLockout),
            passwords: platform.passwords, tokens: platform.tokens,
            refreshTokenLifetime: settings.auth.refreshTokenLifetime, clock: clock)
        profiles = ProfileService(
            users: users, pageTokens: platform.pageTokens, deletionGracePeriod: settings.accountDeletionGracePeriod, clock: clock)
        drivers = DriverService(
            users: users, drivers: driverRepository, vehicles: vehicleRepository, documents: documentRepository,
            pageTokens: platform.pageTokens, clock: clock)
        vehicles = VehicleService(
            drivers: driverRepository, vehicles: vehicleRepository, documents: documentRepository,
            pageTokens: platform.pageTokens, clock: clock)
        maintenance = UsersMaintenance(
            users: users, sessions: sessions, databases: databases, interval: .seconds(300), clock: clock, logger: platform.logger)
    }

    public func registerRoutes(on transport: GuardedTransport) throws {
        let api = UsersAPI(accounts: accounts, profiles: profiles, drivers: drivers, vehicles: vehicles)
        try api.registerHandlers(
            on: transport,
            configuration: Configuration(
                dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]))
    }

    public var backgroundServices: [any Service] { [maintenance] }
}
