import Foundation
import Logging
import PostgresNIO
import Testing

@testable import CurbsideCore

/// PostgreSQL itself keeps each role in its lane: these tests connect as the roles and watch the
/// server refuse.
@Suite struct DatabaseRoleTests {
    let settings: PlatformSettings
    let credentials: DatabaseCredentials
    let logger = TestSettings.logger

    init() throws {
        settings = try TestSettings.make()
        credentials = DatabaseCredentials(settings: settings.database)
    }

    @discardableResult
    func connect<T>(_ service: ServiceName, as role: DatabaseRole, database: ServiceName? = nil, _ body: (PostgresConnection) async throws -> T)
        async throws -> T
    {
        var configuration = credentials.configuration(
            service: service, role: role, host: settings.database.host, port: settings.database.port)
        if let database {
            configuration = PostgresClientConfiguration(
                host: configuration.host, port: configuration.port, username: configuration.username,
                password: configuration.password, database: database.rawValue, settings: settings.database)
        }
        return try await SingleConnection.with(configuration, logger: logger, body)
    }

    /// Creates one table in the driver schema and one in the passenger schema of the trips database.
    func makeTables() async throws -> (driverTable: String, passengerTable: String) {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let driverTable = "driver.role_test_\(suffix)"
        let passengerTable = "passenger.role_test_\(suffix)"
        try await connect(.trips, as: .owner) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(driverTable) (id int)"), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(passengerTable) (id int)"), logger: logger)
        }
        return (driverTable, passengerTable)
    }

    static func isPermissionDenied(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "42501"
    }

    @Test(arguments: ServiceName.allCases)
    func everyServiceDatabaseRunsWithoutJITOrParallelGathers(_ service: ServiceName) async throws {
        try await connect(service, as: .platform) { connection in
            for (setting, expected) in [("jit", "off"), ("max_parallel_workers_per_gather", "0")] {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: "SHOW \(setting)"), logger: logger)
                for try await value in rows.decode(String.self) { #expect(value == expected, "\(service) \(setting)") }
            }
        }
    }

    @Test func theDriverRoleUsesTheDriverSchemaButNotThePassengerSchema() async throws {
        let (driverTable, passengerTable) = try await makeTables()
        try await connect(.trips, as: .driver) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(driverTable) VALUES (1)"), logger: logger)
            await #expect { try await connection.query(PostgresQuery(unsafeSQL: "SELECT * FROM \(passengerTable)"), logger: logger) } throws: {
                Self.isPermissionDenied($0)
            }
        }
    }

    @Test func thePassengerRoleUsesThePassengerSchemaButNotTheDriverSchema() async throws {
        let (driverTable, passengerTable) = try await makeTables()
        try await connect(.trips, as: .passenger) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(passengerTable) VALUES (1)"), logger: logger)
            await #expect { try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(driverTable) VALUES (1)"), logger: logger) } throws: {
                Self.isPermissionDenied($0)
            }
        }
    }

    @Test func thePlatformRoleSeesNeitherAudienceSchema() async throws {
        let (driverTable, passengerTable) = try await makeTables()
        try await connect(.trips, as: .platform) { connection in
            for table in [driverTable, passengerTable] {
                await #expect { try await connection.query(PostgresQuery(unsafeSQL: "SELECT * FROM \(table)"), logger: logger) } throws: {
                    Self.isPermissionDenied($0)
                }
            }
        }
    }

    @Test(arguments: [DatabaseRole.driver, .passenger, .platform, .owner])
    func noRoleCanConnectToAnotherServicesDatabase(_ role: DatabaseRole) async throws {
        await #expect(throws: (any Error).self) {
            try await connect(.users, as: role, database: .payments) { _ in }
        }
    }

    @Test func applicationRolesCannotChangeTheSchema() async throws {
        try await connect(.trips, as: .driver) { connection in
            await #expect(throws: (any Error).self) {
                try await connection.query("CREATE TABLE driver.sneaky (id int)", logger: logger)
            }
        }
    }

    @Test func bootstrappingAgainChangesNothingAndKeepsPasswordsWorking() async throws {
        try await DatabaseBootstrapper(settings: settings.database, logger: logger).bootstrap(services: [.trips])
        let answer = try await connect(.trips, as: .driver) { connection in
            var value = 0
            for try await one in try await connection.query("SELECT 1", logger: logger).decode(Int.self) { value = one }
            return value
        }
        #expect(answer == 1)
    }
}
