import Foundation
import Hummingbird
import IntegrationEvents
import Logging
import PostgresNIO
import ServiceLifecycle

/// The composition of the HTTP server: platform middleware, health, metrics, docs, the ops console, and the modules.
public enum PlatformApplication {
    /// Builds the router with every module's routes and the platform's own endpoints.
    public static func router(platform: Platform, modules: [any ServiceModule]) throws -> Router<CurbsideRequestContext> {
        let routes = RouteTable()
        let router = Router(context: CurbsideRequestContext.self)
        router.add(
            middleware: RequestObservationMiddleware(
                routes: routes, trustForwardedFor: platform.settings.http.trustForwardedFor))
        router.add(middleware: MetricsMiddleware())
        router.add(
            middleware: RequestLimitsMiddleware(maxBodyBytes: platform.settings.http.maxBodyBytes))
        router.add(middleware: AuthenticationMiddleware(verifier: platform.tokens))

        HealthRoutes(modules: modules).register(on: router, routes: routes)
        MetricsRoute().register(on: router, routes: routes)
        DocumentationRoutes(modules: modules).register(on: router, routes: routes)
        try ConsoleRoutes.load().register(on: router, routes: routes)
        EventInboxRoute(receivers: platform.events.local).register(on: router, routes: routes)
        ParkedEventsRoutes(modules: modules, pageTokens: platform.pageTokens).register(on: router, routes: routes)
        for module in modules {
            try module.registerRoutes(on: GuardedTransport(router: router, document: module.document, routes: routes))
        }
        return router
    }

    /// The runnable application: server plus every pool and background service. With a `roster`,
    /// every service reports to it by name, so a stop that hangs says what it waits for.
    public static func application(
        platform: Platform, modules: [any ServiceModule], extraServices: [any Service] = [], roster: ShutdownRoster? = nil
    ) throws -> some ApplicationProtocol {
        let router = try router(platform: platform, modules: modules)
        let bodyTimeout = TimeAmount(platform.settings.http.bodyTimeout)
        let headerTimeout = TimeAmount(platform.settings.http.headerTimeout)
        var app = Application(
            router: router,
            server: .curbside(
                endpoints: modules.flatMap(\.webSocketEndpoints), headerTimeout: headerTimeout,
                channelHandlers: { [RequestBodyDeadline(timeout: bodyTimeout)] }),
            configuration: .init(
                address: .hostname(platform.settings.http.host, port: platform.settings.http.port),
                serverName: "curbside"),
            logger: platform.logger)
        for module in modules {
            for (name, receiver) in module.eventReceivers { platform.events.local.register(receiver, as: name) }
        }
        func add(_ service: any Service, as name: String) {
            app.addServices(roster?.track(service, as: name) ?? service)
        }
        func typeName(_ service: any Service) -> String { String(describing: type(of: service)) }
        for module in modules {
            let prefix = module.name.rawValue + " "
            for (index, client) in module.databases.clients.enumerated() { add(client, as: prefix + "database pool \(index + 1)") }
            add(module.databases.monitor, as: prefix + "replica monitor")
            for service in module.backgroundServices + eventServices(for: module, platform: platform) {
                add(service, as: prefix + typeName(service))
            }
        }
        for service in extraServices { add(service, as: typeName(service)) }
        return app
    }

    /// The group `curbside serve` runs: stops gracefully on SIGTERM/SIGINT, and a stop always ends.
    /// What has not finished within `settings.http.shutdownGrace` is cancelled, and whatever ignores
    /// cancellation for 5 s more ends the process (an orchestrator would kill it anyway, but later).
    /// With the `roster` the application was built with, the log names what the stop waited for.
    public static func serviceGroup(
        running app: some Service, settings: PlatformSettings, logger: Logger, stopsOnSignals: Bool = true,
        roster: ShutdownRoster? = nil
    ) -> ServiceGroup {
        // The application stops its HTTP server first; it is asked to stop before anything else.
        let service = roster?.track(app, as: "HTTP server (open requests and WebSockets)") ?? app
        var group = ServiceGroupConfiguration(
            services: [.init(service: service)], gracefulShutdownSignals: stopsOnSignals ? [.sigterm, .sigint] : [], logger: logger)
        group.maximumGracefulShutdownDuration = settings.http.shutdownGrace
        group.maximumCancellationDuration = .seconds(5)
        return ServiceGroup(configuration: group)
    }

    /// The module's outbox relay, its retention job and, when routed, its analytics exporter.
    public static func eventServices(for module: any ServiceModule, platform: Platform) -> [any Service] {
        let settings = platform.settings.events
        let outbox = module.databases.platform.primary
        var logger = platform.logger
        logger[metadataKey: "publisher"] = "\(module.name.rawValue)"
        let subscribers = module.eventRouting.allSubscribers.subtracting([EventRouting.analytics]).sorted()
        var configuration = OutboxRelay.Configuration(
            subscribers: subscribers, lease: settings.lease, pollInterval: settings.pollInterval, maxAttempts: settings.maxAttempts,
            lanes: settings.relayLanes)
        configuration.observedSubscribers = module.eventRouting.allSubscribers.sorted()
        configuration.publisher = module.name.rawValue
        let database = platform.settings.database
        let notifications = OutboxNotifications(
            connection: DatabaseCredentials(settings: database).configuration(
                service: module.name, role: .platform, host: database.host, port: database.port),
            logger: logger)
        var services: [any Service] = [
            notifications,
            OutboxRelay(
                store: DeliveryStore(client: outbox), transport: platform.events, configuration: configuration, logger: logger,
                notifications: notifications),
        ]
        services.append(OutboxRetention(client: outbox, retention: settings.retention, logger: logger))
        if module.eventRouting.allSubscribers.contains(EventRouting.analytics) {
            services.append(
                AnalyticsExporter(
                    client: outbox,
                    configuration: .init(
                        root: URL(fileURLWithPath: settings.exportDirectory), maxEventsPerFile: settings.exportMaxEventsPerFile,
                        maxAge: settings.exportMaxAge),
                    logger: logger))
        }
        return services
    }
}
