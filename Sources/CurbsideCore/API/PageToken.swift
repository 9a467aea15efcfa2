import Crypto
import Foundation

/// Opaque, URL-safe, tamper-evident list cursors (AIP-158).
///
/// A token holds the position after the last item returned (its sort key and id) and a fingerprint
/// of the query it belongs to (collection, filter, order and caller). A token presented with another
/// query or by another caller is refused, so a token can never widen what a caller sees.
public struct PageTokenCodec: Sendable {
    private let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data(("page-token:" + secret).utf8)))
    }

    /// The position a page ends at.
    public struct Cursor: Codable, Sendable, Equatable {
        /// The sort key of the last item, as text (a timestamp, a name).
        public var sortKey: String
        /// The id of the last item, the tie-breaker.
        public var id: String

        public init(sortKey: String, id: String) {
            self.sortKey = sortKey
            self.id = id
        }
    }

    private struct Payload: Codable {
        var q: String
        var k: String
        var i: String
    }

    public func encode(_ cursor: Cursor, query: String) -> String {
        let payload = Payload(q: Self.fingerprint(query), k: cursor.sortKey, i: cursor.id)
        let data = (try? JSONEncoder().encode(payload)) ?? Data()
        let mac = HMAC<SHA256>.authenticationCode(for: data, using: key)
        return Base64URL.encode(data) + "." + Base64URL.encode(Data(mac))
    }

    /// The cursor in `token`, or a 400 if it was forged, altered or belongs to another query.
    public func decode(_ token: String, query: String) throws(AIPError) -> Cursor {
        let invalid = AIPError.invalidArgument(
            "pageToken is not valid for this request", field: "pageToken", reason: "INVALID_PAGE_TOKEN")
        let parts = token.split(separator: ".")
        guard token.utf8.count < 2048, parts.count == 2, let data = Base64URL.decode(String(parts[0])),
            let mac = Base64URL.decode(String(parts[1])),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: data, using: key),
            let payload = try? JSONDecoder().decode(Payload.self, from: data),
            payload.q == Self.fingerprint(query)
        else { throw invalid }
        return Cursor(sortKey: payload.k, id: payload.i)
    }

    private static func fingerprint(_ query: String) -> String {
        SHA256.hash(data: Data(query.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}

/// AIP-158 page size handling.
public enum PageSize {
    /// `nil` or 0 → `defaultSize`; above `maximum` → `maximum`; negative → 400.
    public static func resolve(_ requested: Int32?, defaultSize: Int = 50, maximum: Int = 1000) throws(AIPError) -> Int {
        guard let requested, requested != 0 else { return defaultSize }
        guard requested > 0 else {
            throw .invalidArgument("pageSize must not be negative", field: "pageSize", reason: "INVALID_PAGE_SIZE")
        }
        return min(Int(requested), maximum)
    }
}
