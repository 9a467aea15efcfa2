import CurbsideCore
import Foundation
import Logging

/// The platform every service's tests run on: the cluster `make test` started (CURBSIDE_DB_* in the
/// environment), with cheap bcrypt, a low sign-in limit and trust in `X-Forwarded-For` so tests can
/// be distinct clients.
public enum TestEnvironment {
    public static let overrides: [String: String] = [
        "curbside.auth.bcrypt_cost": "4",
        "curbside.auth.sign_in_max_failures": "3",
        "curbside.http.trust_forwarded_for": "true",
        "curbside.http.max_body_bytes": "65536",
        // Tests start payout runs themselves; a daily run would pay other tests' drivers at random.
        "curbside.payments.daily_payouts": "false",
    ]

    private static let cache = PlatformCache()

    /// One shared platform (signing keys, hasher) for the whole test process.
    public static func platform() async throws -> Platform { try await cache.get() }

    /// Settings with the test overrides and `extra` on top.
    public static func settings(_ extra: [String: String] = [:]) throws -> PlatformSettings {
        try PlatformSettings(reader: PlatformSettings.reader(overrides: overrides.merging(extra) { $1 }))
    }

    /// A platform of its own, for tests that need different settings.
    public static func platform(_ extra: [String: String]) async throws -> Platform {
        try await Platform(settings: try settings(extra), logger: logger)
    }

    public static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }
}

actor PlatformCache {
    private var platform: Platform?

    func get() async throws -> Platform {
        if let platform { return platform }
        let made = try await Platform(settings: try TestEnvironment.settings(), logger: TestEnvironment.logger)
        platform = made
        return made
    }
}

/// A test's own failure with a message.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
