import Foundation
import IntegrationEvents
import Testing

/// Event times travel with milliseconds, and events stored before that (whole seconds) still read.
@Suite struct IntegrationEventCodingTests {
    struct Stamped: IntegrationEvent {
        static let eventType = "test.v1.Stamped"
        static let aggregateType = "thing"
        var thing: String
        var at: Date
        var aggregateID: String { thing }
    }

    @Test func timesAreWrittenWithMillisecondsInUTC() throws {
        let at = Date(timeIntervalSince1970: 1_796_611_482.123)
        let json = String(decoding: try Stamped(thing: "a", at: at).encodedPayload(), as: UTF8.self)
        #expect(json == #"{"at":"2026-12-07T02:44:42.123Z","thing":"a"}"#)
        let back = try IntegrationEventCoding.decoder.decode(Stamped.self, from: Data(json.utf8))
        #expect(abs(back.at.timeIntervalSince1970 - at.timeIntervalSince1970) < 0.000_5)
    }

    @Test func wholeSecondAndOffsetTimesStillDecode() throws {
        for (text, expected) in [
            ("2026-11-21T10:55:17Z", 1_795_258_517.0),
            ("2026-11-21T11:55:17.5+01:00", 1_795_258_517.5),
        ] {
            let json = #"{"at":"\#(text)","thing":"a"}"#
            let event = try IntegrationEventCoding.decoder.decode(Stamped.self, from: Data(json.utf8))
            #expect(abs(event.at.timeIntervalSince1970 - expected) < 0.000_5, "\(text)")
        }
    }

    @Test func aTimeThatIsNotRFC3339IsRefused() {
        for text in ["yesterday", "2026-13-01T00:00:00Z", "1795258517", ""] {
            let json = #"{"at":"\#(text)","thing":"a"}"#
            #expect(throws: DecodingError.self, "\(text)") {
                try IntegrationEventCoding.decoder.decode(Stamped.self, from: Data(json.utf8))
            }
        }
    }

    @Test func theEnvelopeKeepsItsOccurrenceTimeToTheMillisecond() throws {
        let occurred = Date(timeIntervalSince1970: 1_796_611_482.987)
        let envelope = try EventEnvelope(Stamped(thing: "a", at: occurred), occurTime: occurred, traceID: nil)
        let back = try IntegrationEventCoding.decoder.decode(EventEnvelope.self, from: try envelope.encoded())
        #expect(abs(back.occurTime.timeIntervalSince1970 - occurred.timeIntervalSince1970) < 0.000_5)
        #expect(back.payload == envelope.payload)
    }

    /// Strings that need every kind of escape JSON has, and some that need none.
    static let awkward = [
        "plain", "", "quote \" and backslash \\", "slash / stays", "line\nbreak\r\ttab", "bell\u{7} nul\u{0} esc\u{1B} us\u{1F}",
        "back\u{8}space form\u{C}feed", "ünïcødé ✓ 🚕", "del\u{7F} and \u{2028} separators",
    ]

    struct Note: Codable {
        struct Nested: Codable {
            var list: [Double]
            var flag: Bool
            var none: String?
        }
        var note: String
        var nested: Nested
        var count: Int64
    }

    @Test func theHandWrittenFormIsWhatJSONEncoderWrites() throws {
        for (index, text) in Self.awkward.enumerated() {
            let payload = try IntegrationEventCoding.encoder.encode(
                Note(note: text, nested: .init(list: [1, 2.5, -0.001, 1e21], flag: index.isMultiple(of: 3), none: nil), count: 123_456_789_012))
            let envelope = EventEnvelope(
                id: UUID(), type: "test.v1.\(text)", aggregateType: "thing", aggregateID: text,
                occurTime: Date(timeIntervalSince1970: 1_796_611_482.5 + Double(index)), schemaVersion: index + 1,
                traceID: index.isMultiple(of: 2) ? nil : text, payload: JSONPayload(data: payload))
            let fast = String(decoding: try envelope.encoded(), as: UTF8.self)
            let reference = String(decoding: try IntegrationEventCoding.encoder.encode(envelope), as: UTF8.self)
            #expect(fast == reference, "\(text.debugDescription)")
            let back = try EventEnvelope(json: Data(fast.utf8))
            #expect(back.id == envelope.id)
            #expect(back.type == envelope.type)
            #expect(back.aggregateID == text)
            #expect(back.traceID == envelope.traceID)
            #expect(back.schemaVersion == envelope.schemaVersion)
            #expect(back.payload == JSONPayload(data: payload))
        }
    }

    @Test func aPayloadFromTheDatabaseTravelsAsItIs() throws {
        // PostgreSQL's jsonb text: spaces, keys by length.
        let stored = #"{"n": 1, "big": 9007199254740993, "ticker": "t\"1", "where": {"latitude": 37.7749, "payload": [1]}}"#
        let envelope = EventEnvelope(
            id: UUID(), type: "bench.v1.Tick", aggregateType: "ticker", aggregateID: "t1", occurTime: Date(), schemaVersion: 1,
            traceID: nil, payload: JSONPayload(data: Data(stored.utf8)))
        let line = try envelope.encoded()
        #expect(String(decoding: line, as: UTF8.self).contains(#""payload":\#(stored),"#))
        #expect(try EventEnvelope(json: line).payload.data == Data(stored.utf8))
        // A batch with spaces and line breaks between the parts, as any JSON writer may send it.
        var first = String(decoding: line, as: UTF8.self)
        // The envelope's own key comes first; the payload has a "payload" key of its own.
        first.replaceSubrange(try #require(first.range(of: #""payload":"#)), with: "\"payload\" :\n ")
        let spaced = "{ \"events\" : [\n" + first + " , " + String(decoding: line, as: UTF8.self) + " ] }"
        let batch = try EventEnvelope.decodeList(from: Data(spaced.utf8), key: "events")
        #expect(batch.map(\.payload.data) == [Data(stored.utf8), Data(stored.utf8)])
    }

    /// An envelope's JSON with one field replaced (or removed, for `nil`).
    static func envelopeJSON(replacing key: String, with value: String?) -> String {
        var fields = [
            "id": "\"\(UUID().uuidString)\"", "type": #""test.v1.Stamped""#, "aggregateType": #""thing""#, "aggregateID": #""a""#,
            "occurTime": #""2026-12-07T02:44:42.123Z""#, "schemaVersion": "1", "payload": #"{"thing":"a"}"#,
        ]
        fields[key] = value
        return "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    @Test func envelopesThatBreakTheContractAreRefused() throws {
        _ = try EventEnvelope(json: Data(Self.envelopeJSON(replacing: "traceID", with: #""abc""#).utf8))
        let broken: [(String, String?)] = [
            ("id", #""not-a-uuid""#), ("id", nil), ("occurTime", #""yesterday""#), ("schemaVersion", "true"), ("schemaVersion", #""1""#),
            ("schemaVersion", "1.5"), ("payload", #""{}""#), ("payload", "[1, 2]"), ("payload", "7"), ("payload", nil),
            ("traceID", "7"), ("type", nil),
        ]
        for (key, value) in broken {
            let json = Self.envelopeJSON(replacing: key, with: value)
            #expect(throws: (any Error).self, "\(json)") { try EventEnvelope(json: Data(json.utf8)) }
            let batch = #"{"events":["# + Self.envelopeJSON(replacing: "type", with: #""ok""#) + "," + json + "]}"
            #expect(throws: (any Error).self, "\(batch)") { try EventEnvelope.decodeList(from: Data(batch.utf8), key: "events") }
        }
        for body in ["not json", "[1]", #"{"events":{}}"#, #"{"other":[]}"#, #"{"events":[1]}"#] {
            #expect(throws: (any Error).self, "\(body)") { try EventEnvelope.decodeList(from: Data(body.utf8), key: "events") }
        }
    }
}
