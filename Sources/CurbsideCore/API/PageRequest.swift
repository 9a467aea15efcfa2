/// One list request's paging (AIP-158): the page size, where the page starts, and the next token.
///
/// `query` identifies what is being listed and by whom (collection, filter, order, caller); a token
/// is only accepted back for the same query.
public struct PageRequest: Sendable {
    public let limit: Int
    public let cursor: PageTokenCodec.Cursor?
    let query: String
    let codec: PageTokenCodec

    public init(pageSize: Int32?, pageToken: String?, query: String, codec: PageTokenCodec) throws(AIPError) {
        limit = try PageSize.resolve(pageSize)
        if let pageToken, !pageToken.isEmpty {
            cursor = try codec.decode(pageToken, query: query)
        } else {
            cursor = nil
        }
        self.query = query
        self.codec = codec
    }

    /// Splits rows fetched with `limit + 1` into this page and the token of the next (nil on the last page).
    public func page<Item>(_ rows: [Item], cursor: (Item) -> PageTokenCodec.Cursor) -> (items: [Item], nextPageToken: String?) {
        guard rows.count > limit else { return (rows, nil) }
        let items = Array(rows.prefix(limit))
        return (items, items.last.map { codec.encode(cursor($0), query: query) })
    }
}
