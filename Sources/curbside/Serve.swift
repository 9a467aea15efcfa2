import ArgumentParser
import CurbsideCore
import DispatchService
import Hummingbird
import Notifications
import Payments
import ServiceLifecycle
import Trips
import Users

/// `curbside serve`: the HTTP APIs of every service (or one) until SIGINT/SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the APIs (every service in one process by default).",
        discussion: """
            Stops gracefully on SIGINT or SIGTERM: in-flight requests finish, then pools close. What is still \
            running after CURBSIDE_HTTP_SHUTDOWN_GRACE_SECONDS (default 25) is cancelled.
            """)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Serve only this service (users, trips, dispatch, payments, notifications). Default: all.")
    var service: String?

    @Option(name: .long, help: "Address to listen on. Env: CURBSIDE_HTTP_HOST (default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on. Env: CURBSIDE_HTTP_PORT (default 8080).")
    var port: Int?

    func run() async throws {
        var overrides: [String: String] = [:]
        if let host { overrides["curbside.http.host"] = host }
        if let port { overrides["curbside.http.port"] = String(port) }
        let settings = try common.settings(overrides: overrides)
        let shipper = settings.logging.elasticsearchURL.map {
            ElasticsearchShipper(
                configuration: .init(
                    baseURL: $0, index: settings.logging.elasticsearchIndex, capacity: settings.logging.elasticsearchBufferSize,
                    batchSize: settings.logging.elasticsearchBatchSize, flushInterval: settings.logging.elasticsearchFlushInterval))
        }
        let logger = ProcessLogging.bootstrap(settings: settings, shipper: shipper)
        MetricsRoute.bootstrap()
        let platform = try await Platform(settings: settings, logger: logger)
        let modules = try ModuleCatalog.modules(named: service, platform: platform)
        try await StartupCheck.databases(modules: modules, settings: settings, logger: logger)
        let roster = ShutdownRoster(grace: settings.http.shutdownGrace, logger: logger)
        let app = try PlatformApplication.application(
            platform: platform, modules: modules, extraServices: shipper.map { [$0] } ?? [], roster: roster)
        logger.info(
            "serving", metadata: ["services": "\(modules.map(\.name.rawValue).joined(separator: ","))", "port": "\(settings.http.port)"])
        try await PlatformApplication.serviceGroup(running: app, settings: settings, logger: logger, roster: roster).run()
        logger.info("stopped")
    }
}

/// The services this binary can host, and how each is composed.
enum ModuleCatalog {
    static let available = ["users", "trips", "dispatch", "payments", "notifications"]

    static func modules(named name: String?, platform: Platform) throws -> [any ServiceModule] {
        switch name {
        case nil, "all":
            return [
                try UsersModule(platform: platform), try trips(platform), try dispatch(platform), try PaymentsModule(platform: platform),
                try NotificationsModule(platform: platform),
            ]
        case "users": return [try UsersModule(platform: platform)]
        case "trips": return [try trips(platform)]
        case "dispatch": return [try dispatch(platform)]
        case "payments": return [try PaymentsModule(platform: platform)]
        case "notifications": return [try NotificationsModule(platform: platform)]
        case let other?:
            throw ValidationError("unknown service '\(other)'; available: \(available.joined(separator: ", "))")
        }
    }

    /// Trips asks dispatch and payments through their public APIs, in this process or another
    /// (`CURBSIDE_SERVICES_DISPATCH_URL`, `CURBSIDE_SERVICES_PAYMENTS_URL`), never through their types or tables.
    static func trips(_ platform: Platform) throws -> TripsModule {
        try TripsModule(
            platform: platform, dispatch: TripsModule.dispatchGateway(platform: platform),
            payments: TripsModule.paymentAuthorizer(platform: platform))
    }

    /// Dispatch asks users whether a driver may go online, through the users API (`CURBSIDE_SERVICES_USERS_URL`).
    static func dispatch(_ platform: Platform) throws -> DispatchModule {
        try DispatchModule(platform: platform, drivers: DispatchModule.driverDirectory(platform: platform))
    }

    static func migrations(for service: ServiceName) -> [Migration] {
        switch service {
        case .users: UsersModule.migrations
        case .trips: TripsModule.migrations
        case .dispatch: DispatchModule.migrations
        case .payments: PaymentsModule.migrations
        case .notifications: NotificationsModule.migrations
        }
    }

    /// The document a service serves at `/openapi.json`.
    static func document(for name: String) throws -> OpenAPIDocument {
        switch name {
        case "users": try UsersModule.loadDocument().withPlatformOperations(service: .users, hostsSubscribers: false)
        case "trips": try TripsModule.loadDocument().withPlatformOperations(service: .trips, hostsSubscribers: true)
        case "dispatch": try DispatchModule.loadDocument().withPlatformOperations(service: .dispatch, hostsSubscribers: true)
        case "payments": try PaymentsModule.loadDocument().withPlatformOperations(service: .payments, hostsSubscribers: true)
        case "notifications":
            try NotificationsModule.loadDocument().withPlatformOperations(service: .notifications, hostsSubscribers: true)
        default: throw ValidationError("unknown service '\(name)'; available: \(available.joined(separator: ", "))")
        }
    }
}
