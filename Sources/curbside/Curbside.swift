import ArgumentParser

/// The `curbside` command: every service of the platform, and the tools to run them.
@main
struct Curbside: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curbside",
        abstract: "Curbside, a ride-hailing backend: serve the APIs, migrate the databases, administer, simulate a city.",
        discussion: """
            Configuration comes from environment variables (CURBSIDE_*, listed in the README); flags override them.
            """,
        subcommands: [Serve.self, Migrate.self, OpenAPI.self, Admin.self, Ledger.self, DatabaseCommand.self, Simulate.self]
    )
}
