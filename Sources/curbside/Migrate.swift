import ArgumentParser
import CurbsideCore

/// `curbside migrate`: applies each service's pending migrations.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (safe to run from several instances at once).")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Migrate only this service. Default: all.")
    var service: String?

    func run() async throws {
        let settings = try common.settings()
        let logger = ProcessLogging.bootstrap(settings: settings, shipper: nil)
        let services =
            try service.map { name in
                guard let service = ServiceName(rawValue: name) else { throw ValidationError("unknown service '\(name)'") }
                return [service]
            } ?? ServiceName.allCases
        let credentials = DatabaseCredentials(settings: settings.database)
        for service in services {
            let migrations = ModuleCatalog.migrations(for: service)
            let owner = credentials.configuration(
                service: service, role: .owner, host: settings.database.host, port: settings.database.port)
            let applied = try await Migrator(owner: owner, service: service, migrations: migrations, logger: logger).migrate()
            logger.info("migrated", metadata: ["service": "\(service.rawValue)", "applied": "\(applied.count)"])
        }
    }
}

/// `curbside db bootstrap`: creates the databases, schemas and roles (needs a superuser).
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Database administration.", subcommands: [Bootstrap.self])

    struct Bootstrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the five databases with their driver/passenger/platform schemas and roles.",
            discussion: "Connects as CURBSIDE_DB_SUPERUSER (password CURBSIDE_DB_SUPERUSER_PASSWORD). Safe to run again.")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let settings = try common.settings()
            let logger = ProcessLogging.bootstrap(settings: settings, shipper: nil)
            try await DatabaseBootstrapper(settings: settings.database, logger: logger).bootstrap()
            logger.info("databases ready", metadata: ["services": "\(ServiceName.allCases.map(\.rawValue).joined(separator: ","))"])
        }
    }
}
