import CurbsideCore
import CurbsideTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import Users

/// SIGTERM must stop the whole application promptly: no background job may keep it waiting.
@Suite struct ShutdownTests {
    @Test func theApplicationStopsPromptlyOnGracefulShutdown() async throws {
        var settings = try TestPlatform.settings()
        settings.http.port = 0
        let platform = try await Platform(settings: settings, logger: TestPlatform.logger)
        let module = try UsersModule(platform: platform)
        let app = try PlatformApplication.application(platform: platform, modules: [module])
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: TestPlatform.logger)
        let stoppedInTime = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return true
            }
            tasks.addTask {
                try await Task.sleep(for: .seconds(20))
                return false
            }
            try await Task.sleep(for: .milliseconds(500))
            await group.triggerGracefulShutdown()
            // The maintenance job sleeps five minutes between passes; shutdown must not wait for it.
            let first = try await tasks.next() ?? false
            tasks.cancelAll()
            return first
        }
        #expect(stoppedInTime)
    }

    /// A service that ignores graceful shutdown (as a stuck job or a lease never returned would).
    struct Stubborn: Service {
        func run() async throws { try await Task.sleep(for: .seconds(3600)) }
    }

    @Test func aStopEndsAfterTheGracePeriodEvenWhenSomethingIgnoresIt() async throws {
        var settings = try TestPlatform.settings()
        settings.http.port = 0
        settings.http.shutdownGrace = .seconds(1)
        let platform = try await Platform(settings: settings, logger: TestPlatform.logger)
        let module = try UsersModule(platform: platform)
        let app = try PlatformApplication.application(platform: platform, modules: [module], extraServices: [Stubborn()])
        let group = PlatformApplication.serviceGroup(running: app, settings: settings, logger: TestPlatform.logger, stopsOnSignals: false)
        let started = ContinuousClock.now
        let stoppedInTime = try await withThrowingTaskGroup(of: Bool.self) { tasks in
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
        #expect(stoppedInTime)
        #expect(ContinuousClock.now - started >= .seconds(1), "the grace period was given")
    }
}
