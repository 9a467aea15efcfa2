/// A WGS 84 position, as the APIs take it (`google.type.LatLng`).
public struct GeoPoint: Sendable, Hashable, Codable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// A position on the simulated city's plane, in metres east (`x`) and north (`y`) of its centre.
///
/// The simulator moves cars in metres and converts to degrees only for the API: over a few
/// kilometres the flat-earth error is far below a GPS fix's.
public struct LocalPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    /// Straight-line distance in metres.
    public func distance(to other: LocalPoint) -> Double {
        ((other.x - x) * (other.x - x) + (other.y - y) * (other.y - y)).squareRoot()
    }

    /// Distance along the streets of a grid (no diagonals), in metres.
    public func manhattanDistance(to other: LocalPoint) -> Double {
        abs(other.x - x) + abs(other.y - y)
    }
}
