import AsyncHTTPClient
import Logging

/// A simulated city run against a Curbside platform through its public API and live channel only,
/// as the passenger app, the driver app and the operator's tools use them.
///
/// ```swift
/// let simulation = Simulation(config: config)
/// let summary = try await simulation.run { snapshot in print(ProgressLine.render(snapshot)) }
/// print(SummaryTable.render(summary))
/// ```
///
/// A run signs in as an admin, opens (or reuses) the city and signs up its drivers and passengers
/// (set-up), then lets the city live for `duration`: drivers go online and cruise, passengers
/// request rides by the demand curve, drivers take them. When the duration is over (or after
/// `requestStop()`) waiting passengers cancel, riding ones are dropped off, drivers go offline.
/// Cancelling the task stops everything at once instead.
public final class Simulation: Sendable {
    /// What this run was told.
    public let config: SimulationConfig
    let control = RunControl()
    private let logger: Logger

    /// A simulation of `config`; `logger` receives the simulator's own debug messages.
    public init(config: SimulationConfig, logger: Logger = Logger(label: "curbside.simulate")) {
        self.config = config
        self.logger = logger
    }

    /// Asks a running simulation to wind down now, as if its duration were over.
    public func requestStop() {
        control.requestStop()
    }

    /// Sets up and runs the city, calling `progress` about once a second (from another task);
    /// returns the summary. Throws only when set-up fails (``SimulationError``) or the task is
    /// cancelled during set-up: once the city is live, API errors are counted, never thrown.
    public func run(progress: @escaping @Sendable (SimulationSnapshot) -> Void) async throws -> SimulationSummary {
        var configuration = HTTPClient.Configuration()
        // One pool for every simulated app: a few hundred people share these connections, as the
        // server's load balancer would see them.
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(config.maxConnections, 1))
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let stats = SimulationStats()
        let api = APIClient(http: http, baseURL: config.baseURL, stats: stats)
        do {
            let summary = try await withThrowingTaskGroup(of: Void.self, returning: SimulationSummary.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        progress(stats.snapshot())
                        try await Task.sleep(for: .seconds(1))
                    }
                }
                let summary = try await setUpAndRun(api: api, stats: stats)
                group.cancelAll()
                progress(stats.snapshot())
                return summary
            }
            try? await http.shutdown()
            return summary
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func setUpAndRun(api: APIClient, stats: SimulationStats) async throws -> SimulationSummary {
        let adminToken = try await adminToken(api: api)
        let grid = StreetGrid(center: config.center, sizeKm: config.sizeKm, blockMeters: config.behaviour.blockMeters)
        let city = try await CitySetup.prepare(api: api, grid: grid, sizeKm: config.sizeKm, adminToken: adminToken)
        let context = SimulationContext(
            api: api, stats: stats, grid: grid, config: config, board: TripBoard(), control: control, logger: logger)
        let (drivers, passengers) = try await signUpEveryone(context: context, adminToken: adminToken)
        await live(context: context, drivers: drivers, passengers: passengers)
        stats.update { $0.phase = .finished }
        return SimulationSummary(config: config, city: city, snapshot: stats.snapshot(), stoppedEarly: control.wasStopped)
    }
}
