import Foundation

/// The envelope's JSON on the hot paths (every HTTP delivery, every line of the analytics export),
/// with the payload's bytes carried through as they are rather than through `Codable`:
/// `JSONPayload`'s `Codable` form goes through ``JSONValue``, whose decoding tries each JSON type in
/// turn and pays for an error per miss (0.13 ms an event, CurbsideBenchmarks "events: …").
/// For a payload written by `IntegrationEventCoding` (compact, sorted keys) the output is byte for
/// byte what `IntegrationEventCoding.encoder` writes for the envelope; a payload read back from
/// PostgreSQL keeps `jsonb`'s spelling (the same JSON).
extension EventEnvelope {
    /// The stable JSON form: sorted keys, RFC 3339 times with milliseconds, the payload as stored.
    public func encoded() throws -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(200 + payload.data.count)
        write(into: &bytes)
        return Data(bytes)
    }

    /// Several envelopes as `{"<key>": [envelope, …]}` (a relay's batch; ``decodeList(from:key:)`` reads it).
    public static func encodedList(_ envelopes: [EventEnvelope], key: String) throws -> Data {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(envelopes.reduce(key.utf8.count + 8) { $0 + 200 + $1.payload.data.count })
        JSONText.append(key, to: &bytes)
        bytes += ":[".utf8
        for (index, envelope) in envelopes.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            envelope.write(into: &bytes)
        }
        bytes += "]}".utf8
        return Data(bytes)
    }

    /// Reads an envelope from its JSON (what ``encoded()`` writes, or any equivalent JSON).
    public init(json data: Data) throws {
        let fields = try IntegrationEventCoding.decoder.decode(Fields.self, from: data)
        let bytes = [UInt8](data)
        let payloads = JSONSpans.values(ofKey: "payload", atDepth: 1, in: bytes)
        guard payloads.count == 1, let payload = payloads.first else { throw EnvelopeJSONError("payload must be a JSON object") }
        self = try fields.envelope(payload: bytes[payload])
    }

    /// Reads the envelopes of `{"<key>": [envelope, …]}` (a relay's batch).
    public static func decodeList(from data: Data, key: String) throws -> [EventEnvelope] {
        let list = try IntegrationEventCoding.decoder.decode([String: [Fields]].self, from: data)
        guard let fields = list[key] else { throw EnvelopeJSONError(#"the body must be {"\#(key)": [event envelope, …]}"#) }
        let bytes = [UInt8](data)
        // Root object, the list, each envelope: depth 3.
        let payloads = JSONSpans.values(ofKey: "payload", atDepth: 3, in: bytes)
        guard payloads.count == fields.count else { throw EnvelopeJSONError("every event needs one payload, a JSON object") }
        return try zip(fields, payloads).map { try $0.envelope(payload: bytes[$1]) }
    }

    /// Every field but the payload, decoded by JSONDecoder (which also checks that the whole text is JSON).
    private struct Fields: Decodable {
        var id: UUID
        var type: String
        var aggregateType: String
        var aggregateID: String
        var occurTime: Date
        var schemaVersion: Int
        var traceID: String?

        func envelope(payload: ArraySlice<UInt8>) throws -> EventEnvelope {
            guard payload.first == UInt8(ascii: "{") else { throw EnvelopeJSONError("payload must be a JSON object") }
            return EventEnvelope(
                id: id, type: type, aggregateType: aggregateType, aggregateID: aggregateID, occurTime: occurTime,
                schemaVersion: schemaVersion, traceID: traceID, payload: JSONPayload(data: Data(payload)))
        }
    }

    private func write(into bytes: inout [UInt8]) {
        // The keys in the order JSONEncoder's `.sortedKeys` puts them.
        bytes += #"{"aggregateID":"#.utf8
        JSONText.append(aggregateID, to: &bytes)
        bytes += #","aggregateType":"#.utf8
        JSONText.append(aggregateType, to: &bytes)
        bytes += #","id":""#.utf8
        bytes += id.uuidString.utf8
        bytes += #"","occurTime":""#.utf8
        bytes += RFC3339.format(occurTime).utf8
        bytes += #"","payload":"#.utf8
        bytes += payload.data
        bytes += #","schemaVersion":"#.utf8
        bytes += String(schemaVersion).utf8
        if let traceID {
            bytes += #","traceID":"#.utf8
            JSONText.append(traceID, to: &bytes)
        }
        bytes += #","type":"#.utf8
        JSONText.append(type, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }
}

/// JSON string literals as JSONEncoder writes them (with `.withoutEscapingSlashes`), for the few
/// hot paths that write their JSON by hand.
public enum JSONText {
    /// Appends `string` as a quoted, escaped JSON string.
    public static func append(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += #"\""#.utf8
            case UInt8(ascii: "\\"): bytes += #"\\"#.utf8
            case 0x0A: bytes += #"\n"#.utf8
            case 0x0D: bytes += #"\r"#.utf8
            case 0x09: bytes += #"\t"#.utf8
            case 0x08: bytes += #"\b"#.utf8
            case 0x0C: bytes += #"\f"#.utf8
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += #"\u00"#.utf8
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// An envelope's JSON is not what the contract says.
public struct EnvelopeJSONError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Where values sit in a JSON text, found without parsing it into values (the text has already
/// been checked as JSON by the decoder).
enum JSONSpans {
    /// The byte ranges of the values of `key` in objects nested `depth` containers deep (the root
    /// object is depth 1), in document order.
    static func values(ofKey key: String, atDepth depth: Int, in bytes: [UInt8]) -> [Range<Int>] {
        let quotedKey = Array("\"\(key)\"".utf8)
        var spans: [Range<Int>] = []
        var level = 0
        var index = 0
        var valueStart: Int?
        var valueLevel = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let start = index
                index = endOfString(startingAt: index, in: bytes)
                // A key of an object at the wanted depth, followed by its colon.
                if valueStart == nil, level == depth, bytes[start..<index].elementsEqual(quotedKey) {
                    var next = index
                    while next < bytes.count, isSpace(bytes[next]) { next += 1 }
                    if next < bytes.count, bytes[next] == UInt8(ascii: ":") {
                        next += 1
                        while next < bytes.count, isSpace(bytes[next]) { next += 1 }
                        valueStart = next
                        valueLevel = level
                        index = next
                    }
                }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                level += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                level -= 1
                if let start = valueStart, level == valueLevel {
                    spans.append(start..<(index + 1))
                    valueStart = nil
                }
            default:
                break
            }
            index += 1
        }
        return spans
    }

    /// The index just past the string that starts at `start` (its opening quote).
    private static func endOfString(startingAt start: Int, in bytes: [UInt8]) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return index
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
