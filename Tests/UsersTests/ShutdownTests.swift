import CurbsideCore
import CurbsideTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import Users

/// SIGTERM must stop the whole application promptly: no background job may keep it waiting.
@Suite struct ShutdownTests {
    /// A service that ignores graceful shutdown (as a stuck job or a lease never returned would).
    struct Stubborn: Service {
        func run() async throws { try await Task.sleep(for: .seconds(3600)) }
    }

    /// Starts `group`, asks it to stop after half a second, and says whether it ended within 20 s.
    func stopsInTime(_ group: ServiceGroup) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                // Cancelled services may end with an error; what matters is that the group ends.
                try? await group.run()
                return true
            }
            tasks.addTask {
                try await Task.sleep(for: .seconds(20))
                return false
            }
            try await Task.sleep(for: .milliseconds(500))
            await group.triggerGracefulShutdown()
            let first = try await tasks.next() ?? false
            tasks.cancelAll()
            return first
        }
    }

    @Test func theApplicationStopsPromptlyOnGracefulShutdown() async throws {
        var settings = try TestPlatform.settings()
        settings.http.port = 0
        let platform = try await Platform(settings: settings, logger: TestPlatform.logger)
        let module = try UsersModule(platform: platform)
        let app = try PlatformApplication.application(platform: platform, modules: [module])
        // The maintenance job sleeps five minutes between passes; shutdown must not wait for it.
        #expect(try await stopsInTime(ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: TestPlatform.logger)))
    }

    @Test func aStopEndsAfterTheGracePeriodEvenWhenSomethingIgnoresIt() async throws {
        var settings = try TestPlatform.settings()
        settings.http.port = 0
        settings.http.shutdownGrace = .seconds(1)
        let platform = try await Platform(settings: settings, logger: TestPlatform.logger)
        let module = try UsersModule(platform: platform)
        let captured = CapturedLines()
        let logger = Logger(label: "test") { ECSLogHandler(label: $0, serviceName: "curbside", level: .info, sinks: [captured]) }
        let roster = ShutdownRoster(grace: settings.http.shutdownGrace, lastWord: .milliseconds(500), logger: logger)
        let app = try PlatformApplication.application(platform: platform, modules: [module], extraServices: [Stubborn()], roster: roster)
        let started = ContinuousClock.now
        #expect(
            try await stopsInTime(
                PlatformApplication.serviceGroup(running: app, settings: settings, logger: logger, stopsOnSignals: false, roster: roster)))
        #expect(ContinuousClock.now - started >= .seconds(1), "the grace period was given")
        // The log says what held the stop up, and what was still waiting its turn behind it.
        let reports = captured.all.filter { $0.contains("grace period") }
        #expect(reports.count == 1)
        let report = try #require(reports.first)
        #expect(report.contains(#""shutdown.stopping":"HTTP server (open requests and WebSockets), Stubborn""#), "\(report)")
        #expect(report.contains("users database pool 1"), "\(report)")
        #expect(report.contains("users OutboxRelay"), "\(report)")
        #expect(!captured.all.contains { $0.contains("about to be ended") }, "the stop ended before the last word")
        #expect(roster.running.stopping.isEmpty && roster.running.waiting.isEmpty)
    }
}
