import Foundation

/// A fact one service publishes for others: a versioned, public contract.
///
/// The type name (`users.v1.DriverApproved`) never changes meaning; an incompatible change is a
/// new version (`users.v2.…`). Payloads encode with stable keys and RFC 3339 timestamps (milliseconds).
public protocol IntegrationEvent: Codable, Sendable, Equatable {
    /// `<service>.v<major>.<Name>`.
    static var eventType: String { get }
    /// The kind of aggregate the event is about (`driver`, `trip`).
    static var aggregateType: String { get }
    /// The schema version of the payload.
    static var schemaVersion: Int { get }
    /// The id of the aggregate instance; events of one aggregate are delivered in order.
    var aggregateID: String { get }
}

extension IntegrationEvent {
    public static var schemaVersion: Int { 1 }

    /// The JSON payload, with sorted keys and RFC 3339 dates.
    public func encodedPayload() throws -> Data {
        try IntegrationEventCoding.encoder.encode(self)
    }
}

/// The JSON coders every event uses, so that payloads are byte-stable. Times are written as RFC 3339
/// in UTC with milliseconds (`2026-12-07T02:44:42.123Z`) and read with or without a fraction, so
/// events written before milliseconds were carried still decode.
public enum IntegrationEventCoding {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
            }
            return date
        }
        return decoder
    }
}
