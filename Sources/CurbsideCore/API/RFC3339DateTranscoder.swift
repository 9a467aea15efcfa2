import Foundation
import OpenAPIRuntime

/// Reads RFC 3339 timestamps with or without fractional seconds and writes them in UTC with `Z`,
/// with milliseconds only when there are any (AIP-142).
public struct RFC3339DateTranscoder: DateTranscoder {
    public init() {}

    public func encode(_ date: Date) throws -> String {
        let text = Timestamp.format(date)
        return text.hasSuffix(".000Z") ? String(text.dropLast(5)) + "Z" : text
    }

    public func decode(_ text: String) throws -> Date {
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not an RFC 3339 timestamp"))
        }
        return date
    }
}
