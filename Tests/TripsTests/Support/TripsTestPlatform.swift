import CurbsideCore
import CurbsideTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import IntegrationEvents
import Logging
import PaymentsClient

@testable import Trips

/// The trips service wired as in production against the cluster `make test` started, with a fake
/// dispatch and a clock the test can move. The trips schema is migrated once per test process
/// (the executable's `migrate` does not know trips yet; the migrator is safe to run concurrently).
enum TripsTestPlatform {
    static var logger: Logger { TestEnvironment.logger }

    static func migrate(platform: Platform) async throws {
        try await MigrationOnce.shared.run {
            let database = platform.settings.database
            let owner = DatabaseCredentials(settings: database).configuration(
                service: .trips, role: .owner, host: database.host, port: database.port)
            try await Migrator(owner: owner, service: .trips, migrations: TripsModule.migrations, logger: logger).migrate()
        }
    }

    /// What a test gets: the HTTP API, the module, the fake dispatch and the clock.
    struct Context: Sendable {
        let api: TestAPI
        let module: TripsModule
        let dispatch: FakeDispatch
        let clock: TestClock
    }

    static func withAPI(
        settings extra: [String: String] = [:], payments: any PaymentAuthorizer = ImmediatePaymentAuthorizer(),
        routeEstimator: (any RouteEstimator)? = nil, _ body: @Sendable (Context) async throws -> Void
    ) async throws {
        let platform = extra.isEmpty ? try await TestEnvironment.platform() : try await TestEnvironment.platform(extra)
        try await migrate(platform: platform)
        let dispatch = FakeDispatch()
        let clock = TestClock()
        let module = try TripsModule(
            platform: platform, dispatch: dispatch, payments: payments, routeEstimator: routeEstimator,
            clock: TripsClock(clock.tripsClock))
        let router = try PlatformApplication.router(platform: platform, modules: [module])
        var app = Application(router: router, logger: logger)
        for client in module.databases.clients { app.addServices(client) }
        try await app.test(.router) { client in
            try await body(Context(api: TestAPI(client: client, platform: platform), module: module, dispatch: dispatch, clock: clock))
        }
    }
}

actor MigrationOnce {
    static let shared = MigrationOnce()
    private var done = false

    func run(_ migrate: () async throws -> Void) async throws {
        guard !done else { return }
        try await migrate()
        done = true
    }
}
