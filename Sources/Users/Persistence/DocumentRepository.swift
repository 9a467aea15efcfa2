import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// A driver's documents (`driver.documents`).
public struct DocumentRepository: Sendable {
    let database: Database

    public init(databases: ServiceDatabases) {
        database = databases.driver
    }

    /// Stores a document once per request id; returns the id of the document the first request created.
    public func create(_ document: DriverDocument, requestID: UUID?, requestHash: String, writer: UUID, logger: Logger)
        async throws -> UUID
    {
        try await database.transaction(writer: writer, logger: logger) { connection in
            if let vehicleID = document.vehicleID {
                let owned = try await connection.query(
                    "SELECT 1 FROM driver.vehicles WHERE id = \(vehicleID) AND driver_id = \(document.driverID)",
                    logger: logger)
                var found = false
                for try await _ in owned { found = true }
                guard found else { throw UsersError.vehicleNotFound("vehicle") }
            }
            return try await IdempotencyKeys.createOnce(
                scope: "users.createDocument:\(document.driverID)", requestID: requestID, requestHash: requestHash,
                id: document.id, on: connection, logger: logger
            ) {
                try await connection.query(
                    """
                    INSERT INTO driver.documents (\(unescaped: DriverRecords.documentColumns))
                    VALUES (\(document.id), \(document.driverID), \(document.kind.rawValue), \(document.documentNumber),
                            \(document.vehicleID), \(document.expireTime.postgres), \(document.createTime.postgres))
                    """, logger: logger)
            }
        }
    }

    public func document(driverID: UUID, id: UUID, reader: UUID?, logger: Logger) async throws -> DriverDocument? {
        try await database.read(reader: reader, logger: logger) { client in
            try await DriverRecords.documents(
                try await client.query(
                    """
                    SELECT \(unescaped: DriverRecords.documentColumns) FROM driver.documents
                    WHERE driver_id = \(driverID) AND id = \(id)
                    """, logger: logger)
            ).first
        }
    }

    /// A page of documents; with no cursor and a large limit, all of them (eligibility).
    public func list(driverID: UUID, after cursor: PageTokenCodec.Cursor?, limit: Int, reader: UUID?, logger: Logger)
        async throws -> [DriverDocument]
    {
        var query = SQLBuilder("SELECT \(DriverRecords.documentColumns) FROM driver.documents WHERE driver_id = ")
        query.bind(driverID)
        try KeysetPage.apply(
            cursor: cursor, order: try OrderBy(nil, allowed: ["createTime"], defaultField: "createTime"),
            sortColumn: "create_time", idColumn: "id", limit: limit, to: &query)
        let built = query
        return try await database.read(reader: reader, logger: logger) { client in
            try await DriverRecords.documents(try await client.query(built.query, logger: logger))
        }
    }

    public func delete(driverID: UUID, id: UUID, writer: UUID, logger: Logger) async throws -> Bool {
        try await database.transaction(writer: writer, logger: logger) { connection in
            let rows = try await connection.query(
                "DELETE FROM driver.documents WHERE driver_id = \(driverID) AND id = \(id) RETURNING id", logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }
}
