import CurbsideCore
import CurbsideTesting
import Foundation
import ServiceLifecycle
import Testing

@testable import Notifications

/// A notifications server on a free port: the platform's HTTP server with the WebSocket upgrade,
/// in a service group as `curbside serve` runs it.
struct LiveNotificationsServer: Sendable {
    let port: Int
    let context: NotificationsContext
    let group: ServiceGroup
    let running: Task<Void, any Error>

    /// Runs `body` against a started server, then stops it.
    static func with(
        _ extra: [String: String] = [:], _ body: @Sendable (LiveNotificationsServer) async throws -> Void
    ) async throws {
        let port = try await LocalPorts.free(1)[0]
        let settings = try TestEnvironment.settings(
            extra.merging(["curbside.http.port": String(port), "curbside.notifications.stream_heartbeat_ms": "300"]) { $1 })
        let platform = try await Platform(settings: settings, logger: TestEnvironment.logger)
        try await NotificationsTestPlatform.withModules(count: 1, settings: extra) { api, _, clock in
            let module = try NotificationsModule(platform: platform)
            let app = try PlatformApplication.application(platform: platform, modules: [module])
            let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: TestEnvironment.logger)
            let server = LiveNotificationsServer(
                port: port, context: NotificationsContext(api: api, module: module, clock: clock), group: group,
                running: Task { try await group.run() })
            do {
                try await LocalPorts.waitUntilListening(port)
                try await body(server)
            } catch {
                _ = await server.stop(within: .seconds(30))
                throw error
            }
            #expect(await server.stop(within: .seconds(30)), "the server did not stop")
        }
    }

    /// Asks the server to stop, as SIGTERM does; whether it has stopped within `limit` (a stop
    /// held up by a connection ignores cancellation too, so this does not wait for it past `limit`).
    func stop(within limit: Duration) async -> Bool {
        await group.triggerGracefulShutdown()
        let (outcome, continuation) = AsyncStream<Bool>.makeStream()
        let running = running
        let stopped = Task {
            _ = await running.result
            continuation.yield(true)
        }
        let timer = Task {
            try await Task.sleep(for: limit)
            continuation.yield(false)
        }
        defer {
            stopped.cancel()
            timer.cancel()
        }
        for await result in outcome { return result }
        return false
    }
}
