import Configuration
import Foundation
import Logging

/// Every setting of the platform, read once at start-up from swift-configuration.
///
/// Keys are read under `curbside.`; with environment variables that is `CURBSIDE_` followed by the
/// key in upper case, dots and underscores alike becoming `_` (`curbside.http.port` ↔ `CURBSIDE_HTTP_PORT`).
/// The README lists every key with its default; keep the two in step.
public struct PlatformSettings: Sendable {
    public struct HTTP: Sendable {
        public var host: String
        public var port: Int
        public var maxBodyBytes: Int
        public var bodyTimeout: Duration
        /// How long a new connection may take to send its first request head before it is closed
        /// (a connection without a request is also closed at once when the server starts to stop).
        public var headerTimeout: Duration
        /// Believe `X-Forwarded-For` (only behind a load balancer that sets it).
        public var trustForwardedFor: Bool
        /// How long a graceful stop may take before whatever is still running is cancelled.
        public var shutdownGrace: Duration = .seconds(25)
    }

    public struct Database: Sendable {
        public var host: String
        public var port: Int
        /// `host:port` of each streaming replica; reads that tolerate lag go there.
        public var replicas: [(host: String, port: Int)]
        /// Role passwords are derived from this secret unless given one by one.
        public var secret: String
        public var passwordOverrides: [String: String]
        public var superuser: String
        public var superuserPassword: String?
        public var poolSize: Int
        public var maxReplicaLag: Duration
        public var replicaCheckInterval: Duration
        public var connectTimeout: Duration
        public var requireTLS: Bool
    }

    public struct Auth: Sendable {
        public var keysDirectory: String
        public var issuer: String
        public var accessTokenLifetime: Duration
        public var refreshTokenLifetime: Duration
        public var bcryptCost: UInt8
        public var signInMaxFailures: Int
        public var signInWindow: Duration
        public var signInLockout: Duration
        public var pageTokenSecret: String
    }

    public struct Logging: Sendable {
        public var level: Logger.Level
        public var elasticsearchURL: String?
        public var elasticsearchIndex: String
        public var elasticsearchBufferSize: Int
        public var elasticsearchBatchSize: Int
        public var elasticsearchFlushInterval: Duration
    }

    public struct Events: Sendable {
        /// Subscribers in other processes, by name; the others are expected in this process.
        public var subscriberURLs: [String: String]
        public var pollInterval: Duration
        public var maxAttempts: Int
        public var lease: Duration
        /// Relay passes in flight at once per service (see ``OutboxRelay/Configuration/lanes``).
        public var relayLanes: Int
        public var exportDirectory: String
        public var exportMaxEventsPerFile: Int
        public var exportMaxAge: Duration
        /// Events every subscriber has received are deleted this long after they happened.
        public var retention: Duration = .seconds(3600)
    }

    public var http: HTTP
    /// Where to reach each service's API for service-to-service calls (default: this process).
    public var serviceURLs: [ServiceName: String]
    /// The `curbside.` scope, for settings a module reads itself (`curbside.trips.*`, `curbside.dispatch.*`).
    public let config: ConfigReader
    public var database: Database
    public var events: Events
    public var auth: Auth
    public var logging: Logging
    public var secretsDirectory: String
    public var accountDeletionGracePeriod: Duration

    /// Reads every setting, generating local secrets into `secretsDirectory` when none are configured.
    public init(reader root: ConfigReader) throws {
        let config = root.scoped(to: "curbside")
        self.config = config
        secretsDirectory = config.string(forKey: "secrets.dir", default: ".local/secrets")
        let secrets = LocalSecrets(directory: secretsDirectory)

        http = HTTP(
            host: config.string(forKey: "http.host", default: "127.0.0.1"),
            port: config.int(forKey: "http.port", default: 8080),
            maxBodyBytes: config.int(forKey: "http.max_body_bytes", default: 1 << 20),
            bodyTimeout: .seconds(config.int(forKey: "http.body_timeout_seconds", default: 10)),
            headerTimeout: .seconds(config.int(forKey: "http.header_timeout_seconds", default: 30)),
            trustForwardedFor: config.bool(forKey: "http.trust_forwarded_for", default: false),
            shutdownGrace: .seconds(config.int(forKey: "http.shutdown_grace_seconds", default: 25))
        )

        let ownURL = "http://\(http.host == "0.0.0.0" ? "127.0.0.1" : http.host):\(http.port)"
        serviceURLs = Dictionary(
            uniqueKeysWithValues: ServiceName.allCases.map { service in
                (service, config.string(forKey: ConfigKey("services.\(service.rawValue)_url"), default: ownURL))
            })

        var overrides: [String: String] = [:]
        for service in ServiceName.allCases {
            for role in DatabaseRole.allCases {
                let login = DatabaseRole.login(service: service, role: role)
                if let password = config.string(forKey: ConfigKey("db.password.\(login)"), isSecret: true) {
                    overrides[login] = password
                }
            }
        }
        let replicaList = config.string(forKey: "db.replicas", default: "")
        database = Database(
            host: config.string(forKey: "db.host", default: "127.0.0.1"),
            port: config.int(forKey: "db.port", default: 54320),
            replicas: try Self.parseHostPorts(replicaList),
            secret: try config.string(forKey: "db.secret", isSecret: true) ?? secrets.value(named: "db-secret"),
            passwordOverrides: overrides,
            superuser: config.string(forKey: "db.superuser", default: "postgres"),
            superuserPassword: config.string(forKey: "db.superuser_password", isSecret: true),
            poolSize: config.int(forKey: "db.pool_size", default: 10),
            maxReplicaLag: .milliseconds(config.int(forKey: "db.max_replica_lag_ms", default: 1000)),
            replicaCheckInterval: .milliseconds(config.int(forKey: "db.replica_check_interval_ms", default: 500)),
            connectTimeout: .seconds(config.int(forKey: "db.connect_timeout_seconds", default: 5)),
            requireTLS: config.bool(forKey: "db.require_tls", default: false)
        )

        auth = Auth(
            keysDirectory: config.string(forKey: "auth.keys_dir", default: secretsDirectory + "/jwt"),
            issuer: config.string(forKey: "auth.issuer", default: "curbside"),
            accessTokenLifetime: .seconds(config.int(forKey: "auth.access_token_seconds", default: 900)),
            refreshTokenLifetime: .seconds(config.int(forKey: "auth.refresh_token_days", default: 30) * 86_400),
            bcryptCost: UInt8(clamping: config.int(forKey: "auth.bcrypt_cost", default: 12)),
            signInMaxFailures: config.int(forKey: "auth.sign_in_max_failures", default: 5),
            signInWindow: .seconds(config.int(forKey: "auth.sign_in_window_seconds", default: 900)),
            signInLockout: .seconds(config.int(forKey: "auth.sign_in_lockout_seconds", default: 300)),
            pageTokenSecret: try config.string(forKey: "auth.page_token_secret", isSecret: true)
                ?? secrets.value(named: "page-token-secret")
        )

        events = Events(
            subscriberURLs: try Self.parseNamedURLs(config.string(forKey: "events.subscriber_urls", default: "")),
            pollInterval: .milliseconds(config.int(forKey: "events.poll_ms", default: 200)),
            maxAttempts: config.int(forKey: "events.max_attempts", default: 10),
            lease: .seconds(config.int(forKey: "events.lease_seconds", default: 30)),
            relayLanes: config.int(forKey: "events.relay_lanes", default: 2),
            exportDirectory: config.string(forKey: "events.export_dir", default: ".local/analytics"),
            exportMaxEventsPerFile: config.int(forKey: "events.export_max_events", default: 10_000),
            exportMaxAge: .seconds(config.int(forKey: "events.export_max_age_seconds", default: 60)),
            retention: .seconds(60 * config.int(forKey: "events.retention_minutes", default: 60))
        )

        let level = config.string(forKey: "log.level", default: "info")
        logging = Logging(
            level: Logger.Level(rawValue: level) ?? .info,
            elasticsearchURL: config.string(forKey: "log.elasticsearch_url"),
            elasticsearchIndex: config.string(forKey: "log.elasticsearch_index", default: "curbside-logs"),
            elasticsearchBufferSize: config.int(forKey: "log.elasticsearch_buffer", default: 10_000),
            elasticsearchBatchSize: config.int(forKey: "log.elasticsearch_batch", default: 500),
            elasticsearchFlushInterval: .milliseconds(config.int(forKey: "log.elasticsearch_flush_ms", default: 1000))
        )
        accountDeletionGracePeriod = .seconds(config.int(forKey: "users.deletion_grace_days", default: 30) * 86_400)
    }

    /// Parses `name=url,name=url`.
    static func parseNamedURLs(_ list: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for entry in list.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, parts[1].hasPrefix("http") else {
                throw ConfigurationError("CURBSIDE_EVENTS_SUBSCRIBER_URLS: expected name=http://host:port, got '\(entry)'")
            }
            result[parts[0]] = parts[1]
        }
        return result
    }

    /// Parses `host:port,host:port`.
    static func parseHostPorts(_ list: String) throws -> [(host: String, port: Int)] {
        try list.split(separator: ",").map { entry in
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            guard let colon = trimmed.lastIndex(of: ":"), let port = Int(trimmed[trimmed.index(after: colon)...]) else {
                throw ConfigurationError("CURBSIDE_DB_REPLICAS: expected host:port, got '\(trimmed)'")
            }
            return (String(trimmed[..<colon]), port)
        }
    }
}

/// A configuration mistake, reported at start-up with the key to fix.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension PlatformSettings {
    /// A reader of the process environment with `overrides` (dotted keys such as `curbside.http.port`,
    /// string values parsed like environment variables) taking precedence.
    public static func reader(overrides: [String: String] = [:]) -> ConfigReader {
        let asEnvironment = Dictionary(
            uniqueKeysWithValues: overrides.map { key, value in
                (key.uppercased().replacingOccurrences(of: ".", with: "_"), value)
            })
        return ConfigReader(providers: [
            EnvironmentVariablesProvider(environmentVariables: asEnvironment), EnvironmentVariablesProvider(),
        ])
    }
}
