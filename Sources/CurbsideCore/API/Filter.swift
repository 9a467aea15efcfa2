import Foundation

/// The AIP-160 subset Curbside lists accept: comparisons joined by `AND`.
///
/// `role = "DRIVER" AND createTime >= "2026-01-01T00:00:00Z"`. Values are quoted strings or bare
/// words; operators `=`, `!=`, `<`, `<=`, `>`, `>=`. Each list documents which fields it accepts;
/// anything else is a 400.
public struct Filter: Sendable, Equatable {
    public enum Operator: String, Sendable, CaseIterable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

        /// The SQL operator.
        public var sql: String { self == .notEqual ? "<>" : rawValue }
    }

    public struct Term: Sendable, Equatable {
        public var field: String
        public var op: Operator
        public var value: String
    }

    public let terms: [Term]

    public init(_ text: String?) throws(AIPError) {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            terms = []
            return
        }
        guard text.utf8.count <= 1024 else { throw Self.error("filter is too long") }
        var tokens = try Self.tokenize(text)
        var terms: [Term] = []
        while true {
            guard tokens.count >= 3, case .word(let field) = tokens[0], case .op(let op) = tokens[1] else {
                throw Self.error("expected 'field operator value' in filter")
            }
            let value: String
            switch tokens[2] {
            case .word(let word): value = word
            case .quoted(let quoted): value = quoted
            default: throw Self.error("expected a value after \(field) \(op.rawValue)")
            }
            terms.append(Term(field: field, op: op, value: value))
            tokens.removeFirst(3)
            if tokens.isEmpty { break }
            guard case .word(let joiner) = tokens[0], joiner == "AND" else {
                throw Self.error("terms must be joined with AND")
            }
            tokens.removeFirst()
        }
        self.terms = terms
    }

    private enum Token: Equatable {
        case word(String)
        case quoted(String)
        case op(Operator)
    }

    private static func tokenize(_ text: String) throws(AIPError) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
            } else if character == "\"" {
                var value = ""
                index += 1
                while index < characters.count, characters[index] != "\"" {
                    if characters[index] == "\\", index + 1 < characters.count { index += 1 }
                    value.append(characters[index])
                    index += 1
                }
                guard index < characters.count else { throw error("unterminated string in filter") }
                index += 1
                tokens.append(.quoted(value))
            } else if "=!<>".contains(character) {
                var symbol = String(character)
                if index + 1 < characters.count, characters[index + 1] == "=" {
                    symbol.append("=")
                    index += 1
                }
                index += 1
                guard let op = Operator(rawValue: symbol) else { throw error("unknown operator \(symbol) in filter") }
                tokens.append(.op(op))
            } else {
                var word = ""
                while index < characters.count, !characters[index].isWhitespace, !"=!<>\"".contains(characters[index]) {
                    word.append(characters[index])
                    index += 1
                }
                tokens.append(.word(word))
            }
        }
        return tokens
    }

    static func error(_ message: String) -> AIPError {
        .invalidArgument(message, field: "filter", reason: "INVALID_FILTER")
    }
}

/// How one list exposes a filterable field: its SQL column and how its values are checked.
public struct FilterField: Sendable {
    public enum Kind: Sendable {
        /// One of the listed API values, stored as the mapped SQL value.
        case enumeration([String: String])
        case timestamp
        case text
        /// A resource name in `collection` (`users/{id}`), stored as the id (a UUID column).
        case resourceName(collection: String)
    }

    public let name: String
    public let column: String
    public let kind: Kind

    public init(_ name: String, column: String, kind: Kind) {
        self.name = name
        self.column = column
        self.kind = kind
    }
}

extension Filter {
    /// Appends `AND column op $n` for each term to `query`, refusing unknown fields, operators the
    /// field does not support, and malformed values.
    public func apply(to query: inout SQLBuilder, fields: [FilterField]) throws(AIPError) {
        for term in terms {
            guard let field = fields.first(where: { $0.name == term.field }) else {
                let known = fields.map(\.name).joined(separator: ", ")
                throw Self.error("cannot filter on \(term.field); filterable fields: \(known)")
            }
            switch field.kind {
            case .enumeration(let values):
                guard term.op == .equal || term.op == .notEqual else {
                    throw Self.error("\(term.field) supports only = and !=")
                }
                guard let sqlValue = values[term.value] else {
                    throw Self.error("\(term.field) must be one of \(values.keys.sorted().joined(separator: ", "))")
                }
                query.append(" AND \(field.column) \(term.op.sql) ")
                query.bind(sqlValue)
            case .timestamp:
                guard let date = Timestamp.parse(term.value) else {
                    throw Self.error("\(term.field) must be an RFC 3339 timestamp")
                }
                query.append(" AND \(field.column) \(term.op.sql) ")
                query.bind(date.postgres)
            case .text:
                guard term.op == .equal || term.op == .notEqual else {
                    throw Self.error("\(term.field) supports only = and !=")
                }
                query.append(" AND \(field.column) \(term.op.sql) ")
                query.bind(term.value)
            case .resourceName(let collection):
                guard term.op == .equal || term.op == .notEqual else {
                    throw Self.error("\(term.field) supports only = and !=")
                }
                guard term.value.hasPrefix(collection + "/"), let id = UUID(uuidString: String(term.value.dropFirst(collection.count + 1)))
                else {
                    throw Self.error("\(term.field) must be a resource name like \(collection)/{uuid}")
                }
                query.append(" AND \(field.column) \(term.op.sql) ")
                query.bind(id)
            }
        }
    }
}
