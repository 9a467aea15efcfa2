import Foundation

/// Keyset pagination on (sort column, id): stable under concurrent inserts, every item once.
public enum KeysetPage {
    /// Appends the cursor condition, ORDER BY and LIMIT (one extra row tells whether a next page exists).
    public static func apply(
        cursor: PageTokenCodec.Cursor?, order: OrderBy, sortColumn: String, idColumn: String, limit: Int,
        to query: inout SQLBuilder
    ) throws(AIPError) {
        let direction = order.descending ? "DESC" : "ASC"
        if let cursor {
            guard let sortValue = Timestamp.parse(cursor.sortKey), let id = UUID(uuidString: cursor.id) else {
                throw .invalidArgument("pageToken is not valid for this request", field: "pageToken", reason: "INVALID_PAGE_TOKEN")
            }
            query.append(" AND (\(sortColumn), \(idColumn)) \(order.descending ? "<" : ">") (")
            query.bind(sortValue.postgres)
            query.append(", ")
            query.bind(id)
            query.append(")")
        }
        query.append(" ORDER BY \(sortColumn) \(direction), \(idColumn) \(direction) LIMIT ")
        query.bind(limit + 1)
    }
}
