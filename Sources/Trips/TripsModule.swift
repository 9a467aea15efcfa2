import CurbsideCore
import DispatchClient
import Foundation
import IntegrationEvents
import Logging
import OpenAPIRuntime
import PaymentsClient
import ServiceLifecycle

/// The trips service as the platform hosts it: the composition root of its repositories, use cases,
/// event receiver and API.
public struct TripsModule: ServiceModule {
    public let name = ServiceName.trips
    public let document: OpenAPIDocument
    public let databases: ServiceDatabases
    public let eventRouting: EventRouting
    public let settings: TripsSettings
    public let pricing: PricingService
    public let fares: FareService
    public let trips: TripService
    let receiver: DispatchEventsReceiver
    let maintenance: TripsMaintenance

    /// The service's migrations, applied by `curbside migrate`.
    public static let migrations = TripsMigrations.all

    /// The OpenAPI document shipped with the service.
    public static func loadDocument() throws -> OpenAPIDocument {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw ConfigurationError("the trips OpenAPI document is missing from the bundle")
        }
        return try OpenAPIDocument(contentsOf: url)
    }

    /// - Parameters:
    ///   - dispatch: how trips asks dispatch (surge, driver location, trail); in production an
    ///     ``HTTPDispatchGateway`` built from `platform.clients.parts(for: .dispatch)`.
    ///   - payments: places the hold for a trip request; in production an ``HTTPPaymentAuthorizer``
    ///     (``paymentAuthorizer(platform:)``); trips' own tests authorize every trip.
    ///   - routeEstimator: overrides the estimator chosen from the settings (OSRM when
    ///     `trips.osrm_url` is set, else the built-in one).
    public init(
        platform: Platform, routing: EventRouting = .curbside, dispatch: any DispatchGateway,
        payments: any PaymentAuthorizer = ImmediatePaymentAuthorizer(), routeEstimator: (any RouteEstimator)? = nil,
        clock: TripsClock = TripsClock()
    ) throws {
        let settings = TripsSettings(platform: platform.settings)
        self.settings = settings
        document = try Self.loadDocument()
        eventRouting = routing
        databases = ServiceDatabases(service: .trips, settings: platform.settings.database, logger: platform.logger)
        let cities = CityRepository(databases: databases)
        let tripRepository = TripRepository(outbox: OutboxWriter(routing: routing))
        let signer = QuoteSigner(secret: settings.secret)
        let builtIn = StraightLineEstimator(roadFactor: settings.roadFactor)
        let estimator: any RouteEstimator =
            routeEstimator
            ?? settings.osrmURL.map {
                OSRMRouteEstimator(baseURL: $0, timeout: settings.osrmTimeout, fallback: builtIn, logger: platform.logger)
            } ?? builtIn
        pricing = PricingService(cities: cities, clock: clock)
        fares = FareService(
            cities: cities, estimator: estimator, dispatch: dispatch, signer: signer, settings: settings, clock: clock)
        trips = TripService(
            trips: tripRepository, cities: cities, databases: databases, signer: signer, pins: PickupPIN(secret: settings.secret),
            payments: payments, dispatch: dispatch, pageTokens: platform.pageTokens, settings: settings, clock: clock)
        maintenance = TripsMaintenance(
            trips: tripRepository, databases: databases, abandonAfter: settings.abandonedRequestTimeout, interval: .seconds(60), clock: clock,
            logger: platform.logger)
        receiver = DispatchEventsReceiver(trips: tripRepository, database: databases.platform, clock: clock, logger: platform.logger)
    }

    /// The dispatch gateway over HTTP, as the executable wires it.
    public static func dispatchGateway(platform: Platform) throws -> any DispatchGateway {
        let parts = try platform.clients.parts(for: .dispatch)
        return HTTPDispatchGateway(
            serverURL: parts.serverURL, configuration: parts.configuration, transport: parts.transport, middlewares: parts.middlewares)
    }

    /// The payments service's hold over HTTP, as the executable wires it.
    public static func paymentAuthorizer(platform: Platform) throws -> any PaymentAuthorizer {
        let parts = try platform.clients.parts(for: .payments)
        return HTTPPaymentAuthorizer(
            serverURL: parts.serverURL, configuration: parts.configuration, transport: parts.transport, middlewares: parts.middlewares)
    }

    public func registerRoutes(on transport: GuardedTransport) throws {
        let api = TripsAPI(pricing: pricing, fares: fares, trips: trips)
        try api.registerHandlers(
            on: transport,
            configuration: Configuration(
                dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]))
    }

    public var backgroundServices: [any Service] { [maintenance] }

    public var eventReceivers: [String: any EventReceiver] { [EventRouting.trips: receiver] }
}
