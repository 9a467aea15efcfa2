import Crypto
import Foundation

/// One versioned, forward-only change to a service's schema.
///
/// An applied migration must never change: its SHA-256 checksum is recorded and compared on every
/// run. Fix mistakes with a new migration.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(_ version: Int, _ name: String, _ sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Hex SHA-256 of the SQL text.
    public var checksum: String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The SQL split into single statements (the extended query protocol takes one at a time).
    /// Respects quotes, dollar quotes and comments.
    public var statements: [String] { SQLStatementSplitter.split(sql) }
}

/// Splits a SQL script into statements at top-level semicolons.
enum SQLStatementSplitter {
    static func split(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var index = script.startIndex
        var dollarTag: String?
        var inSingleQuote = false

        func peek(_ offset: Int) -> Character? {
            script.index(index, offsetBy: offset, limitedBy: script.endIndex).flatMap { $0 < script.endIndex ? script[$0] : nil }
        }

        while index < script.endIndex {
            let character = script[index]
            if let tag = dollarTag {
                if script[index...].hasPrefix(tag) {
                    current += tag
                    index = script.index(index, offsetBy: tag.count)
                    dollarTag = nil
                    continue
                }
            } else if inSingleQuote {
                if character == "'" { inSingleQuote = false }
            } else if character == "'" {
                inSingleQuote = true
            } else if character == "-", peek(1) == "-" {
                // Line comment: skip to end of line.
                while index < script.endIndex, script[index] != "\n" { index = script.index(after: index) }
                continue
            } else if character == "$" {
                let rest = script[script.index(after: index)...]
                if let end = rest.firstIndex(of: "$"), rest[..<end].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    let tag = String(script[index...end])
                    dollarTag = tag
                    current += tag
                    index = script.index(after: end)
                    continue
                }
            } else if character == ";" {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
                index = script.index(after: index)
                continue
            }
            current.append(character)
            index = script.index(after: index)
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }
}
