import Configuration
import CurbsideCore
import CurbsideTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntegrationEvents
import Logging
import NIOCore

@testable import Users

/// The users service wired as in production against the cluster `make test` started, with cheap
/// bcrypt, a low sign-in limit and trust in `X-Forwarded-For` so tests can be distinct clients.
enum TestPlatform {
    static func platform() async throws -> Platform { try await TestEnvironment.platform() }

    static func settings() throws -> PlatformSettings { try TestEnvironment.settings() }

    static var logger: Logger { TestEnvironment.logger }

    /// Runs `body` against the HTTP router of a users module whose pools are running.
    static func withAPI(
        platform given: Platform? = nil, routing: EventRouting = .curbside, logSink: (any LogLineSink)? = nil,
        _ body: @Sendable (TestAPI, UsersModule) async throws -> Void
    ) async throws {
        let platform: Platform
        if let given { platform = given } else { platform = try await Self.platform() }
        MetricsRoute.bootstrap()
        let module = try UsersModule(platform: platform, routing: routing)
        let router = try PlatformApplication.router(platform: platform, modules: [module])
        let appLogger =
            logSink.map { sink in
                Logger(label: "test") { label in ECSLogHandler(label: label, serviceName: "curbside", level: .info, sinks: [sink]) }
            } ?? logger
        var app = Application(router: router, logger: appLogger)
        for client in module.databases.clients { app.addServices(client) }
        try await app.test(.router) { client in
            try await body(TestAPI(client: client, platform: platform), module)
        }
    }
}

/// The users service's own steps most tests need: sign-up, sign-in, an admin.
extension TestAPI {
    /// A signed-up account and its password.
    struct Account: Sendable {
        let id: String
        let email: String
        let password: String
        var name: String { "users/\(id)" }
    }

    /// A signed-in account.
    struct Session: Sendable {
        let account: Account
        let accessToken: String
        let refreshToken: String
    }

    func signUp(role: String = "PASSENGER", email: String? = nil) async throws -> Account {
        let email = email ?? "\(role.lowercased())-\(UUID().uuidString.prefix(12).lowercased())@example.com"
        let password = "pass-\(UUID().uuidString.prefix(8))-1"
        let reply = try await call(
            .post, "/v1/users",
            json: #"{"role":"\#(role)","email":"\#(email)","displayName":"Test \#(role)","password":"\#(password)"}"#)
        guard reply.status == 200, let id = reply.string("uid") else {
            throw TestFailure("sign-up failed: \(reply.status) \(reply.text)")
        }
        return Account(id: id, email: email, password: password)
    }

    func signIn(_ account: Account) async throws -> Session {
        let reply = try await call(
            .post, "/v1/sessions", json: #"{"email":"\#(account.email)","password":"\#(account.password)"}"#)
        guard reply.status == 200, let access = reply.string("accessToken"), let refresh = reply.string("refreshToken") else {
            throw TestFailure("sign-in failed: \(reply.status) \(reply.text)")
        }
        return Session(account: account, accessToken: access, refreshToken: refresh)
    }

    func newSession(role: String = "PASSENGER") async throws -> Session {
        try await signIn(try await signUp(role: role))
    }

    /// An admin, created the way `curbside admin create` does.
    func adminSession(module: UsersModule) async throws -> Session {
        let email = "admin-\(UUID().uuidString.prefix(12).lowercased())@example.com"
        let password = "admin-\(UUID().uuidString.prefix(8))-1"
        let user = try await module.accounts.signUp(
            .init(role: .admin, email: email, phoneNumber: nil, displayName: "Admin", password: password), requestID: nil,
            allowAdmin: true, logger: TestPlatform.logger)
        return try await signIn(Account(id: user.id.uuidString.lowercased(), email: email, password: password))
    }
}
