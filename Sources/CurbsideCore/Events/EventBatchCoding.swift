import Foundation
import IntegrationEvents
import NIOCore

/// The JSON of `events:receiveBatch`: `{"events": [envelope, …]}` in, and
/// `{"failedEvents": [{"eventId": …, "message": …}]}` out (events not listed were applied).
enum EventBatchCoding {
    /// The most events one request may carry.
    static let maxEvents = 500

    struct Response: Codable {
        struct Failure: Codable {
            var eventId: UUID
            var message: String
        }
        var failedEvents: [Failure]
    }

    /// Written and read with the payloads carried through as they are (see `EventEnvelope.encoded()`).
    static func encode(_ batch: [EventEnvelope]) throws -> Data {
        try EventEnvelope.encodedList(batch, key: "events")
    }

    static func decodeBatch(_ data: Data) throws -> [EventEnvelope] {
        try EventEnvelope.decodeList(from: data, key: "events")
    }

    static func encode(failures: [UUID: any Error]) throws -> Data {
        let list = failures.map { Response.Failure(eventId: $0.key, message: String(String(describing: $0.value).prefix(500))) }
        return try IntegrationEventCoding.encoder.encode(Response(failedEvents: list.sorted { $0.eventId.uuidString < $1.eventId.uuidString }))
    }

    /// The failed events' messages by id.
    static func decodeFailures(_ body: ByteBuffer) throws -> [UUID: String] {
        let response = try IntegrationEventCoding.decoder.decode(Response.self, from: Data(buffer: body))
        return Dictionary(response.failedEvents.map { ($0.eventId, $0.message) }, uniquingKeysWith: { first, _ in first })
    }
}
