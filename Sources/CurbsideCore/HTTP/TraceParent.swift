import Foundation

/// The W3C `traceparent` header (`00-<trace id>-<parent id>-<flags>`), of which Curbside keeps the trace id.
struct TraceParent {
    let traceID: String

    init?(header: String?) {
        guard let header else { return nil }
        let parts = header.split(separator: "-")
        guard parts.count == 4, parts[1].count == 32, parts[1].allSatisfy(\.isHexDigit),
            parts[1] != Substring(String(repeating: "0", count: 32))
        else { return nil }
        traceID = parts[1].lowercased()
    }

    /// A fresh 128-bit trace id in lowercase hex.
    static func newTraceID() -> String {
        (0..<2).map { _ in
            let hex = String(UInt64.random(in: .min ... .max), radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
