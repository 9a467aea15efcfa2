import Logging
import PostgresNIO

/// Creates the five databases, their schemas and login roles, and the grants that keep each role
/// in its lane. Needs a superuser; safe to run again (it converges, and re-sets role passwords).
///
/// Per database: schemas `driver`, `passenger` and `platform`, owned by `<service>_owner`;
/// `<service>_driver` may use `driver` and `platform`, `<service>_passenger` may use `passenger`
/// and `platform`, `<service>_platform` only `platform`. Only a service's own roles may connect.
public struct DatabaseBootstrapper: Sendable {
    let settings: PlatformSettings.Database
    let logger: Logger

    public init(settings: PlatformSettings.Database, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Services whose database stores geography (driver positions): they get the PostGIS extension.
    public static let postGISServices: Set<ServiceName> = [.dispatch]

    public func bootstrap(services: [ServiceName] = ServiceName.allCases) async throws {
        let credentials = DatabaseCredentials(settings: settings)
        try await withSuperuser(database: "postgres") { connection in
            for service in services {
                for role in DatabaseRole.allCases {
                    let login = DatabaseRole.login(service: service, role: role)
                    let password = credentials.password(service: service, role: role)
                    try await run(
                        """
                        DO $$ BEGIN
                          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(login)') THEN CREATE ROLE \(login); END IF;
                        END $$
                        """, on: connection)
                    try await run(
                        "ALTER ROLE \(login) WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD \(Self.literal(password))",
                        on: connection)
                }
                let exists = try await connection.query(
                    "SELECT 1 FROM pg_database WHERE datname = \(service.rawValue)", logger: logger)
                var found = false
                for try await _ in exists { found = true }
                if !found {
                    try await run("CREATE DATABASE \(service.rawValue) OWNER \(service.rawValue)_owner ENCODING 'UTF8'", on: connection)
                    logger.info("database created", metadata: ["db.name": "\(service.rawValue)"])
                }
                let roles = DatabaseRole.allCases.map { DatabaseRole.login(service: service, role: $0) }.joined(separator: ", ")
                try await run("REVOKE ALL ON DATABASE \(service.rawValue) FROM PUBLIC", on: connection)
                try await run("GRANT CONNECT, TEMPORARY ON DATABASE \(service.rawValue) TO \(roles)", on: connection)
            }
        }
        for service in services {
            try await withSuperuser(database: service.rawValue) { connection in
                try await configureSchemas(service, on: connection)
            }
        }
    }

    private func configureSchemas(_ service: ServiceName, on connection: PostgresConnection) async throws {
        let owner = DatabaseRole.login(service: service, role: .owner)
        let driver = DatabaseRole.login(service: service, role: .driver)
        let passenger = DatabaseRole.login(service: service, role: .passenger)
        let platform = DatabaseRole.login(service: service, role: .platform)
        let access: [(schema: String, roles: [String])] = [
            ("platform", [driver, passenger, platform]),
            ("driver", [driver]),
            ("passenger", [passenger]),
        ]
        try await run("REVOKE ALL ON SCHEMA public FROM PUBLIC", on: connection)
        if Self.postGISServices.contains(service) {
            // PostGIS lives in its own schema so that its hundreds of functions stay out of `platform`.
            try await run("CREATE SCHEMA IF NOT EXISTS extensions", on: connection)
            try await run("GRANT USAGE ON SCHEMA extensions TO \(owner), \(driver), \(passenger), \(platform)", on: connection)
            try await run("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA extensions", on: connection)
            try await run("ALTER DATABASE \(service.rawValue) SET search_path = platform, extensions", on: connection)
        } else {
            try await run("ALTER DATABASE \(service.rawValue) SET search_path = platform", on: connection)
        }
        // Short OLTP queries: compiling one with JIT (PostgreSQL 15's default above a cost threshold
        // that the nearby search crosses) took longer than running it, and a parallel gather costs
        // more to start than these queries take. Measured: BENCHMARKS.md. An operator can still
        // override either per database or role.
        try await run("ALTER DATABASE \(service.rawValue) SET jit = off", on: connection)
        try await run("ALTER DATABASE \(service.rawValue) SET max_parallel_workers_per_gather = 0", on: connection)
        for (schema, roles) in access {
            let grantees = roles.joined(separator: ", ")
            try await run("CREATE SCHEMA IF NOT EXISTS \(schema) AUTHORIZATION \(owner)", on: connection)
            try await run("REVOKE ALL ON SCHEMA \(schema) FROM PUBLIC", on: connection)
            try await run("GRANT USAGE ON SCHEMA \(schema) TO \(grantees)", on: connection)
            try await run(
                "ALTER DEFAULT PRIVILEGES FOR ROLE \(owner) IN SCHEMA \(schema) GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO \(grantees)",
                on: connection)
            try await run(
                "ALTER DEFAULT PRIVILEGES FOR ROLE \(owner) IN SCHEMA \(schema) GRANT USAGE, SELECT ON SEQUENCES TO \(grantees)",
                on: connection)
        }
    }

    private func withSuperuser(database: String, _ body: (PostgresConnection) async throws -> Void) async throws {
        try await SingleConnection.with(
            host: settings.host, port: settings.port, username: settings.superuser, password: settings.superuserPassword,
            database: database, connectTimeout: settings.connectTimeout, logger: logger, body)
    }

    private func run(_ sql: String, on connection: PostgresConnection) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// A SQL string literal. Passwords are hex or operator-supplied; quotes are doubled regardless.
    static func literal(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
