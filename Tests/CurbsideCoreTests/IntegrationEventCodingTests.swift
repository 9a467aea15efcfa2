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
}
