import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// Drivers, their vehicles and documents, all in the `driver` schema and written through the driver
/// role, which PostgreSQL keeps out of the `passenger` schema.
public struct DriverRepository: Sendable {
    let database: Database
    let outbox: OutboxWriter

    public init(databases: ServiceDatabases, outbox: OutboxWriter) {
        database = databases.driver
        self.outbox = outbox
    }

    public func driver(id: UUID, reader: UUID?, logger: Logger) async throws -> Driver? {
        try await database.read(reader: reader, logger: logger) { client in
            try await DriverRecords.drivers(
                try await client.query(
                    "SELECT \(unescaped: DriverRecords.driverColumns) FROM driver.drivers WHERE user_id = \(id)",
                    logger: logger)
            ).first
        }
    }

    /// Locks the driver, applies `change` and saves it with the integration events it caused, in one transaction.
    public func update(
        id: UUID, writer: UUID?, logger: Logger, _ change: @Sendable (inout Driver) throws -> [DriverEvent]
    ) async throws -> Driver? {
        try await database.transaction(writer: writer, logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: DriverRecords.driverColumns) FROM driver.drivers WHERE user_id = \(id) FOR UPDATE",
                logger: logger)
            guard var driver = try await DriverRecords.drivers(rows).first else { return nil }
            let events = try change(&driver)
            try await connection.query(
                """
                UPDATE driver.drivers SET approval_state = \(driver.approvalState.rawValue),
                    approval_reason = \(driver.approvalReason), approval_update_time = \(driver.approvalUpdateTime?.postgres),
                    update_time = \(driver.updateTime.postgres), version = \(driver.version)
                WHERE user_id = \(id)
                """, logger: logger)
            for event in events {
                try await publish(event, driver: driver, on: connection, logger: logger)
            }
            return driver
        }
    }

    private func publish(_ event: DriverEvent, driver: Driver, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        switch event {
        case .approved(_, let at):
            try await outbox.append(
                UsersV1.DriverApproved(driver: driver.name, approveTime: at), occurredAt: at, on: connection, logger: logger)
        case .rejected(_, let reason, let at):
            try await outbox.append(
                UsersV1.DriverRejected(driver: driver.name, reason: reason, rejectTime: at), occurredAt: at,
                on: connection, logger: logger)
        case .suspended(_, let reason, let at):
            try await outbox.append(
                UsersV1.DriverSuspended(driver: driver.name, reason: reason, suspendTime: at), occurredAt: at,
                on: connection, logger: logger)
        }
    }

    /// A page of drivers with their display names, for the admin's approval queue.
    public func list(filter: Filter, order: OrderBy, after cursor: PageTokenCodec.Cursor?, limit: Int, logger: Logger)
        async throws -> [(Driver, String)]
    {
        var query = SQLBuilder(
            """
            SELECT d.user_id, d.approval_state, d.approval_reason, d.approval_update_time, d.create_time, d.update_time,
                   d.version, u.display_name
            FROM driver.drivers d JOIN platform.users u ON u.id = d.user_id WHERE u.delete_time IS NULL
            """)
        try filter.apply(
            to: &query,
            fields: [
                FilterField(
                    "approvalState", column: "d.approval_state",
                    kind: .enumeration(Dictionary(uniqueKeysWithValues: Driver.ApprovalState.allCases.map { ($0.rawValue, $0.rawValue) }))),
                FilterField("createTime", column: "d.create_time", kind: .timestamp),
            ])
        try KeysetPage.apply(cursor: cursor, order: order, sortColumn: "d.create_time", idColumn: "d.user_id", limit: limit, to: &query)
        let built = query
        return try await database.read(logger: logger) { client in
            var result: [(Driver, String)] = []
            let rows = try await client.query(built.query, logger: logger)
            for try await row in rows.decode((UUID, String, String?, Date?, Date, Date, Int, String).self) {
                result.append((DriverRecords.driver((row.0, row.1, row.2, row.3, row.4, row.5, row.6)), row.7))
            }
            return result
        }
    }

    /// The display name of a driver's account (shown with the driver).
    public func displayName(of id: UUID, reader: UUID?, logger: Logger) async throws -> String? {
        try await database.read(reader: reader, logger: logger) { client in
            let rows = try await client.query("SELECT display_name FROM platform.users WHERE id = \(id)", logger: logger)
            for try await name in rows.decode(String.self) { return name }
            return nil
        }
    }
}
