import Foundation

/// One notification from the live channel, as an app reads it.
public struct LiveMessage: Sendable, Equatable {
    /// The user's sequence number of the notification (reconnect with `after=` the last one).
    public var seq: Int64
    /// What happened, e.g. `offer.created`, `trip.driverAssigned`, `trip.cancelled`.
    public var kind: String
    /// The notification's data, e.g. `offer`, `trip`, `expireTime`, `state`.
    public var data: [String: String]

    /// Reads one text message of `/v1/stream`; `nil` for heartbeats and anything else.
    public static func parse(_ text: String) -> LiveMessage? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            object["type"] as? String == "notification", let kind = object["kind"] as? String,
            let seq = (object["seq"] as? String).flatMap(Int64.init) ?? (object["seq"] as? NSNumber)?.int64Value
        else { return nil }
        let data = (object["data"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
        return LiveMessage(seq: seq, kind: kind, data: data)
    }
}
