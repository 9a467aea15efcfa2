import Configuration
import Foundation
import Logging
import PostgresNIO

@testable import CurbsideCore

/// Settings for tests: the cluster `make test` started (CURBSIDE_DB_* in the environment), with
/// cheap bcrypt and a quiet logger.
enum TestSettings {
    static func make(_ overrides: [String: String] = [:]) throws -> PlatformSettings {
        return try PlatformSettings(reader: PlatformSettings.reader(overrides: ["curbside.auth.bcrypt_cost": "4"].merging(overrides) { $1 }))
    }

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    /// The delayed replica (`recovery_min_apply_delay`) started by `make test`, if any.
    static var delayedReplica: (host: String, port: Int)? {
        guard let text = ProcessInfo.processInfo.environment["CURBSIDE_TEST_DELAYED_REPLICA"] else { return nil }
        return try? PlatformSettings.parseHostPorts(text).first
    }
}
