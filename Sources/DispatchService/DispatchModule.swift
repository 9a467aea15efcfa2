import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import OpenAPIRuntime
import ServiceLifecycle
import UsersClient

/// The dispatch service as the platform hosts it: the composition root of availability, locations,
/// matching and surge.
public struct DispatchModule: ServiceModule {
    public let name = ServiceName.dispatch
    public let document: OpenAPIDocument
    public let databases: ServiceDatabases
    public let eventRouting: EventRouting
    /// Offer timeouts and retries (durable timers); runs in every instance.
    public let sweeper: OfferSweeper
    /// The batched matcher, when `dispatch.matching_mode = batched`.
    public let batchMatcher: BatchMatcher?
    let receiver: DispatchEventReceiver
    let api: DispatchAPI
    /// The ops console's live view of drivers, trips, surge and counters (admins).
    let opsStream: OpsStream

    /// The service's migrations, applied by `curbside migrate`.
    public static let migrations = DispatchMigrations.all

    /// The OpenAPI document shipped with the service.
    public static func loadDocument() throws -> OpenAPIDocument {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw ConfigurationError("the dispatch OpenAPI document is missing from the bundle")
        }
        return try OpenAPIDocument(contentsOf: url)
    }

    /// The users service's driver directory over HTTP (`CURBSIDE_SERVICES_USERS_URL`).
    public static func driverDirectory(platform: Platform) throws -> any DriverDirectory {
        let parts = try platform.clients.parts(for: .users)
        return HTTPDriverDirectory(
            serverURL: parts.serverURL, configuration: parts.configuration, transport: parts.transport, middlewares: parts.middlewares)
    }

    /// - Parameters:
    ///   - drivers: the users service's view of drivers (eligibility, vehicles, names).
    ///   - clock: the time source (tests move it).
    public init(platform: Platform, routing: EventRouting = .curbside, drivers: any DriverDirectory, clock: DispatchClock = DispatchClock())
        throws
    {
        let settings = DispatchSettings(platform.settings.config)
        document = try Self.loadDocument()
        eventRouting = routing
        databases = ServiceDatabases(service: .dispatch, settings: platform.settings.database, logger: platform.logger)
        let database = databases.platform
        let store = MatchingStore()
        let driverStore = DriverStore(database: database)
        let outbox = OutboxWriter(routing: routing)
        let matcher = Matcher(store: store, outbox: outbox, policy: settings.matching)
        let grid = ZoneGrid()
        let availability = AvailabilityService(
            database: database, drivers: driverStore, store: store, matcher: matcher, directory: drivers, clock: clock)
        var logger = platform.logger
        logger[metadataKey: "service"] = "dispatch"
        receiver = DispatchEventReceiver(
            database: database, jobs: TripJobs(store: store, drivers: driverStore, matcher: matcher, grid: grid),
            availability: availability, clock: clock, logger: logger)
        sweeper = OfferSweeper(
            database: database, store: store, matcher: matcher, clock: clock, interval: settings.sweepInterval, logger: logger)
        batchMatcher =
            settings.matching.mode == .batched
            ? BatchMatcher(database: database, store: store, matcher: matcher, clock: clock, logger: logger) : nil
        api = DispatchAPI(
            availability: availability,
            locations: LocationService(
                drivers: driverStore, database: database, store: store,
                writer: LocationWriter(database: database, outbox: outbox, shareInterval: settings.positionShareInterval, logger: logger),
                policy: settings.matching, clock: clock),
            offers: OfferService(database: database, store: store, drivers: driverStore, matcher: matcher, clock: clock),
            zones: ZoneService(
                database: database, drivers: driverStore, grid: grid, surge: settings.surge, policy: settings.matching, clock: clock))
        opsStream = OpsStream(
            tokens: platform.tokens,
            snapshots: OpsSnapshotStore(database: database, grid: grid, policy: settings.matching, surge: settings.surge), clock: clock)
    }

    public func registerRoutes(on transport: GuardedTransport) throws {
        try api.registerHandlers(
            on: transport,
            configuration: Configuration(
                dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]))
    }

    public var backgroundServices: [any Service] { [sweeper] + (batchMatcher.map { [$0] } ?? []) }

    public var eventReceivers: [String: any EventReceiver] { [EventRouting.dispatch: receiver] }

    public var webSocketEndpoints: [any WebSocketEndpoint] { [opsStream] }
}
