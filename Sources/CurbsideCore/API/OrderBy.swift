/// An AIP-132 `orderBy` restricted to one field and a direction, e.g. `createTime desc`.
public struct OrderBy: Sendable, Equatable {
    public let field: String
    public let descending: Bool

    /// Parses `orderBy`; `nil` gives `defaultField` ascending. Fields outside `allowed` are a 400.
    public init(_ text: String?, allowed: Set<String>, defaultField: String, defaultDescending: Bool = false)
        throws(AIPError)
    {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            field = defaultField
            descending = defaultDescending
            return
        }
        let words = text.split(separator: " ").map(String.init)
        guard (1...2).contains(words.count), allowed.contains(words[0]) else {
            throw .invalidArgument(
                "orderBy must be one of \(allowed.sorted().joined(separator: ", ")) optionally followed by asc or desc",
                field: "orderBy", reason: "INVALID_ORDER_BY")
        }
        field = words[0]
        if words.count == 2 {
            guard words[1] == "asc" || words[1] == "desc" else {
                throw .invalidArgument("orderBy direction must be asc or desc", field: "orderBy", reason: "INVALID_ORDER_BY")
            }
        }
        descending = words.count == 2 && words[1] == "desc"
    }

    /// A stable text form, part of a page token's query fingerprint.
    public var canonical: String { field + (descending ? " desc" : " asc") }
}
