import Foundation

/// An integration event as it travels: the payload plus everything a subscriber, a relay or a
/// warehouse needs to route, order, deduplicate and trace it. Encodes to stable JSON (sorted keys,
/// RFC 3339 time), which is both the HTTP delivery body and one line of the analytics export.
public struct EventEnvelope: Codable, Sendable, Equatable {
    /// Unique per event; subscribers and the warehouse deduplicate on it.
    public var id: UUID
    /// `<service>.v<major>.<Name>`.
    public var type: String
    public var aggregateType: String
    public var aggregateID: String
    public var occurTime: Date
    public var schemaVersion: Int
    /// The trace of the request that caused the event, for logs along the delivery path.
    public var traceID: String?
    /// The event's own JSON.
    public var payload: JSONPayload

    public init(
        id: UUID, type: String, aggregateType: String, aggregateID: String, occurTime: Date, schemaVersion: Int,
        traceID: String?, payload: JSONPayload
    ) {
        self.id = id
        self.type = type
        self.aggregateType = aggregateType
        self.aggregateID = aggregateID
        self.occurTime = occurTime
        self.schemaVersion = schemaVersion
        self.traceID = traceID
        self.payload = payload
    }

    /// Wraps a typed event.
    public init(_ event: some IntegrationEvent, id: UUID = UUID(), occurTime: Date, traceID: String?) throws {
        let type = Swift.type(of: event)
        self.init(
            id: id, type: type.eventType, aggregateType: type.aggregateType, aggregateID: event.aggregateID,
            occurTime: occurTime, schemaVersion: type.schemaVersion, traceID: traceID,
            payload: JSONPayload(data: try event.encodedPayload()))
    }

    /// `<aggregateType>/<aggregateID>`: the unit of ordering. Events with the same key are delivered in order.
    public var aggregateKey: String { aggregateType + "/" + aggregateID }

    /// The typed event, when the envelope carries one of type `Event`.
    public func decode<Event: IntegrationEvent>(as event: Event.Type) throws -> Event? {
        guard type == Event.eventType else { return nil }
        return try IntegrationEventCoding.decoder.decode(Event.self, from: payload.data)
    }
}

/// Raw JSON carried inside an envelope, encoded as the JSON value itself (not a string).
public struct JSONPayload: Codable, Sendable, Equatable {
    public let data: Data

    public init(data: Data) { self.data = data }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(JSONValue.self)
        data = try IntegrationEventCoding.encoder.encode(value)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(try JSONDecoder().decode(JSONValue.self, from: data))
    }
}

/// Any JSON value, so payloads pass through envelopes unchanged.
indirect enum JSONValue: Codable, Equatable {
    case null, bool(Bool), number(Double), integer(Int64), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
