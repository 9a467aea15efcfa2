import Foundation

/// One message of the ops stream (`/v1/ops/stream`): what dispatch sees inside the console's box
/// at `time`. Encoded as one JSON text message:
///
/// ```json
/// {"type": "snapshot", "time": "2026-11-21T10:55:17.720Z",
///  "drivers": [{"driver": "drivers/<uuid>", "lat": 52.52, "lng": 13.405, "state": "ON_TRIP", "trip": "trips/<uuid>"}],
///  "trips": [{"trip": "trips/<uuid>", "state": "ASSIGNED", "pickup": {"lat": 52.52, "lng": 13.40},
///             "dropoff": {"lat": 52.50, "lng": 13.44}, "driver": "drivers/<uuid>"}],
///  "zones": [{"zone": "zones/5252_1340", "south": 52.52, "west": 13.40, "north": 52.53, "east": 13.41, "surge": 1.35}],
///  "counters": {"requestsLastMinute": 12, "matchRate15m": 0.93, "meanPickupEtaSeconds": 214.5, "onlineDrivers": 48}}
/// ```
///
/// - `drivers`: online drivers whose latest position is in the box, most recently heard from first,
///   at most 20,000 (`counters.onlineDrivers` counts them all). `state` is `ON_TRIP` (holds a
///   trip, then `trip` is set), `OFFERED` (holds an open offer), `STALE` (silent for longer than
///   `dispatch.stale_after_seconds`, so not offered anything) or `AVAILABLE`.
/// - `trips`: trips being matched (`OPEN`) or with a driver (`ASSIGNED`: on the way, waiting or
///   riding) whose pickup is in the box, newest first, at most 5,000; `driver` once assigned.
/// - `zones`: surge zones (grid cells) in the box whose surge was computed within the surge window
///   (`dispatch.surge_window_seconds`), with the cell's edges and the highest multiplier over
///   vehicle classes (1.0 = none).
/// - `counters`, over trips requested with a pickup in the box: `requestsLastMinute`;
///   `matchRate15m`, of the trips requested in the last 15 minutes that matching has decided,
///   the share that got a driver (absent when none was decided); `meanPickupEtaSeconds`, dispatch's
///   pickup estimate of the accepted offers of those trips (absent when none); `onlineDrivers`.
///   No API latency: the platform's request timings are Prometheus histograms (`/metrics`) with no
///   percentile to read in-process, so the console measures its own calls instead.
///
/// Coordinates are WGS 84 degrees rounded to 6 decimals (about 0.1 m).
struct OpsSnapshot: Encodable, Sendable {
    var type = "snapshot"
    var time: String
    var drivers: [Driver]
    var trips: [Trip]
    var zones: [Zone]
    var counters: Counters

    struct Driver: Encodable, Sendable {
        var driver: String
        var lat: Double
        var lng: Double
        var state: String
        var trip: String?
    }

    struct Point: Encodable, Sendable {
        var lat: Double
        var lng: Double

        init(_ coordinate: Coordinate) {
            lat = OpsSnapshot.rounded(coordinate.latitude)
            lng = OpsSnapshot.rounded(coordinate.longitude)
        }
    }

    struct Trip: Encodable, Sendable {
        var trip: String
        var state: String
        var pickup: Point
        var dropoff: Point
        var driver: String?
    }

    struct Zone: Encodable, Sendable {
        var zone: String
        var south: Double
        var west: Double
        var north: Double
        var east: Double
        var surge: Double
    }

    struct Counters: Encodable, Sendable {
        var requestsLastMinute: Int
        var matchRate15m: Double?
        var meanPickupEtaSeconds: Double?
        var onlineDrivers: Int
    }

    /// To 6 decimals: enough for a map, and a third shorter on the wire than a double's 15 digits.
    static func rounded(_ degrees: Double) -> Double { (degrees * 1_000_000).rounded() / 1_000_000 }

    /// The JSON text message.
    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
