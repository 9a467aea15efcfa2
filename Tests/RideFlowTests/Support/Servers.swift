import AsyncHTTPClient
import CurbsideCore
import CurbsideTesting
import DispatchService
import Foundation
import HTTPTypes
import Hummingbird
import IntegrationEvents
import Logging
import NIOCore
import Notifications
import Payments
import ServiceLifecycle
import Trips
import Users

/// The whole platform in one server (users, trips, dispatch, payments and notifications modules), as `curbside serve` runs it
/// by default: events in-process, service calls through the generated clients to its own address.
struct AllInOneServer: Sendable {
    let baseURL: String

    static func run(extraSettings: [String: String] = [:], _ body: @Sendable (AllInOneServer) async throws -> Void) async throws {
        let port = try await LocalPorts.free(1)[0]
        var settings = try TestEnvironment.settings(extraSettings.merging(["curbside.http.port": String(port)]) { $1 })
        settings.events.exportDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("ride-\(UUID())").path
        let platform = try await Platform(settings: settings, logger: TestEnvironment.logger)
        let modules: [any ServiceModule] = [
            try UsersModule(platform: platform),
            try TripsModule(
                platform: platform, dispatch: TripsModule.dispatchGateway(platform: platform),
                payments: TripsModule.paymentAuthorizer(platform: platform)),
            try DispatchModule(platform: platform, drivers: DispatchModule.driverDirectory(platform: platform)),
            try PaymentsModule(platform: platform),
            try NotificationsModule(platform: platform),
        ]
        let app = try PlatformApplication.application(platform: platform, modules: modules)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: TestEnvironment.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let server = AllInOneServer(baseURL: "http://127.0.0.1:\(port)")
            do {
                try await waitUntilReady(server.baseURL)
                try await body(server)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
    }

    /// Ports nothing listens on right now (bound and released).
    static func waitUntilReady(_ base: String) async throws {
        for _ in 0..<100 {
            if let reply = try? await LiveHTTP.call(.get, base + "/healthz"), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("\(base) did not become healthy")
    }
}

/// JSON calls to a live server.
enum LiveHTTP {
    @discardableResult
    static func call(_ method: HTTPRequest.Method, _ url: String, token: String? = nil, json: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method.rawValue)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 << 20)
        var headers = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        return Reply(status: Int(response.status.code), headers: headers, body: Data(buffer: body))
    }

    /// Calls until `done` holds for the reply (events travel asynchronously), at most `timeout`.
    static func poll(
        _ method: HTTPRequest.Method, _ url: String, token: String?, json: String? = nil, timeout: Duration = .seconds(10),
        until done: (Reply) -> Bool
    ) async throws -> Reply {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let reply = try await call(method, url, token: token, json: json)
            if done(reply) { return reply }
            if clock.now >= deadline { throw TestFailure("gave up waiting on \(url): \(reply.status) \(reply.text)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
