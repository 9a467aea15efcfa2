import CurbsideCore
import Foundation
import Logging
import PostgresNIO

extension TripRepository {
    /// Whose trips a list shows.
    public enum ListScope: Sendable {
        case passenger(UUID)
        case driver(UUID)
        case everyone
    }

    /// The fields `filter` accepts on trips.
    static let filterFields = [
        FilterField(
            "state", column: "state",
            kind: .enumeration(Dictionary(uniqueKeysWithValues: Trip.State.allCases.map { ($0.rawValue, $0.rawValue) }))),
        FilterField("createTime", column: "create_time", kind: .timestamp),
        FilterField("passenger", column: "passenger_id", kind: .resourceName(collection: "users")),
        FilterField("driver", column: "driver_id", kind: .resourceName(collection: "drivers")),
    ]

    /// A page of trips in keyset order (one extra row tells whether a next page exists).
    public func list(
        scope: ListScope, filter: Filter, order: OrderBy, after cursor: PageTokenCodec.Cursor?, limit: Int, on database: Database,
        reader: UUID?, logger: Logger
    ) async throws -> [Trip] {
        var query = SQLBuilder("SELECT \(TripRecords.columns) FROM platform.trips WHERE true")
        switch scope {
        case .passenger(let id):
            query.append(" AND passenger_id = ")
            query.bind(id)
        case .driver(let id):
            query.append(" AND driver_id = ")
            query.bind(id)
        case .everyone:
            break
        }
        try filter.apply(to: &query, fields: Self.filterFields)
        try KeysetPage.apply(cursor: cursor, order: order, sortColumn: "create_time", idColumn: "id", limit: limit, to: &query)
        let built = query
        return try await database.read(reader: reader, logger: logger) { client in
            try await TripRecords.trips(try await client.query(built.query, logger: logger))
        }
    }

    /// The average rating of `subject` (`drivers/{id}` or `passengers/{id}`): count and star total.
    public func ratingSummary(of subject: String, on database: Database, logger: Logger) async throws -> (count: Int, total: Int) {
        try await database.read(logger: logger) { client in
            let rows = try await client.query(
                "SELECT rating_count, star_total FROM platform.rating_summaries WHERE subject = \(subject)", logger: logger)
            for try await (count, total) in rows.decode((Int, Int).self) { return (count, total) }
            return (0, 0)
        }
    }
}

extension TripRepository {
    /// Trips still in REQUESTED that were created before `cutoff` (at most 100 per call).
    public func requested(before cutoff: Date, on database: Database, logger: Logger) async throws -> [UUID] {
        try await database.readPrimary { client in
            let rows = try await client.query(
                """
                SELECT id FROM platform.trips WHERE state = 'REQUESTED' AND create_time < \(cutoff.postgres)
                ORDER BY create_time LIMIT 100
                """, logger: logger)
            var ids: [UUID] = []
            for try await id in rows.decode(UUID.self) { ids.append(id) }
            return ids
        }
    }
}
