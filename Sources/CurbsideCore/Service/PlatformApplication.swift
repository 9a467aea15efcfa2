import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// The composition of the HTTP server: platform middleware, health, metrics, docs, and the modules.
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
            middleware: RequestLimitsMiddleware(
                maxBodyBytes: platform.settings.http.maxBodyBytes, bodyTimeout: platform.settings.http.bodyTimeout))
        router.add(middleware: AuthenticationMiddleware(verifier: platform.tokens))

        HealthRoutes(modules: modules).register(on: router, routes: routes)
        MetricsRoute().register(on: router, routes: routes)
        DocumentationRoutes(modules: modules).register(on: router, routes: routes)
        for module in modules {
            try module.registerRoutes(on: GuardedTransport(router: router, document: module.document, routes: routes))
        }
        return router
    }

    /// The runnable application: server plus every pool and background service.
    public static func application(
        platform: Platform, modules: [any ServiceModule], extraServices: [any Service] = []
    ) throws -> some ApplicationProtocol {
        let router = try router(platform: platform, modules: modules)
        var app = Application(
            router: router,
            configuration: .init(
                address: .hostname(platform.settings.http.host, port: platform.settings.http.port),
                serverName: "curbside"),
            logger: platform.logger)
        for module in modules {
            for client in module.databases.clients { app.addServices(client) }
            app.addServices(module.databases.monitor)
            app.addServices(module.backgroundServices)
        }
        app.addServices(extraServices)
        return app
    }
}
