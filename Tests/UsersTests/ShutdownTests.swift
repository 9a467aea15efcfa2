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
}
