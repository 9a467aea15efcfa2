import Foundation

/// The simulated city: a square of streets (a Manhattan grid of equal blocks) around a centre.
///
/// Streets run north–south at every multiple of `blockMeters` east of the centre and east–west at
/// every multiple north of it. Cars stay on streets, pickups and drop-offs are snapped onto them,
/// and routes go along them, so the distances dispatch estimates (straight lines) differ from the
/// ones driven, as in a real city.
public struct StreetGrid: Sendable {
    /// The centre of the square.
    public let center: GeoPoint
    /// Half the side of the square, in metres.
    public let halfSide: Double
    /// The length of one block, in metres.
    public let blockMeters: Double
    /// Streets each side of the centre that lie inside the square.
    private let streetsEachSide: Int
    private let metersPerDegreeLongitude: Double

    private static let metersPerDegreeLatitude = 111_320.0

    /// A square `sizeKm` on a side, with blocks of `blockMeters`.
    public init(center: GeoPoint, sizeKm: Double, blockMeters: Double = 200) {
        self.center = center
        self.halfSide = max(sizeKm, 0.2) * 500
        self.blockMeters = min(max(blockMeters, 10), max(sizeKm, 0.2) * 500)
        self.streetsEachSide = Int((halfSide / self.blockMeters).rounded(.down))
        self.metersPerDegreeLongitude = Self.metersPerDegreeLatitude * max(cos(center.latitude * .pi / 180), 0.01)
    }

    /// A radius around the centre that covers the whole square (its half-diagonal, rounded up).
    public var coveringRadiusKm: Double {
        (halfSide * 2.0.squareRoot() / 1000).rounded(.up)
    }

    /// The geographic position of a point of the plane.
    public func geo(_ point: LocalPoint) -> GeoPoint {
        GeoPoint(
            latitude: center.latitude + point.y / Self.metersPerDegreeLatitude,
            longitude: center.longitude + point.x / metersPerDegreeLongitude)
    }

    /// The point of the plane at a geographic position.
    public func local(_ point: GeoPoint) -> LocalPoint {
        LocalPoint(
            x: (point.longitude - center.longitude) * metersPerDegreeLongitude,
            y: (point.latitude - center.latitude) * Self.metersPerDegreeLatitude)
    }

    /// The point moved inside the square (onto its edge when outside).
    public func clamped(_ point: LocalPoint) -> LocalPoint {
        let limit = Double(streetsEachSide) * blockMeters
        return LocalPoint(x: min(max(point.x, -limit), limit), y: min(max(point.y, -limit), limit))
    }

    /// The nearest point on a street, inside the square.
    public func snappedToStreet(_ point: LocalPoint) -> LocalPoint {
        let inside = clamped(point)
        let street = nearestIntersection(inside)
        // Onto whichever street is nearer: the north–south one (same x) or the east–west one.
        if abs(inside.x - street.x) <= abs(inside.y - street.y) {
            return LocalPoint(x: street.x, y: inside.y)
        }
        return LocalPoint(x: inside.x, y: street.y)
    }

    /// The nearest crossing of two streets, inside the square.
    public func nearestIntersection(_ point: LocalPoint) -> LocalPoint {
        let inside = clamped(point)
        return LocalPoint(x: (inside.x / blockMeters).rounded() * blockMeters, y: (inside.y / blockMeters).rounded() * blockMeters)
    }

    /// A crossing drawn uniformly from the whole grid.
    public func randomIntersection(using generator: inout SeededGenerator) -> LocalPoint {
        let x = Int.random(in: -streetsEachSide...streetsEachSide, using: &generator)
        let y = Int.random(in: -streetsEachSide...streetsEachSide, using: &generator)
        return LocalPoint(x: Double(x) * blockMeters, y: Double(y) * blockMeters)
    }

    /// A point drawn uniformly from the square (not snapped).
    public func randomPoint(using generator: inout SeededGenerator) -> LocalPoint {
        let limit = Double(streetsEachSide) * blockMeters
        return LocalPoint(x: generator.uniform(-limit...limit), y: generator.uniform(-limit...limit))
    }

    /// Whether a point lies inside the square.
    public func contains(_ point: LocalPoint) -> Bool {
        let limit = Double(streetsEachSide) * blockMeters
        return abs(point.x) <= limit && abs(point.y) <= limit
    }

    /// The way along the streets from `start` to `end` (both snapped onto streets first): to the
    /// nearest crossing, east or west, then north or south, then along the last street.
    public func route(from start: LocalPoint, to end: LocalPoint) -> Route {
        let from = snappedToStreet(start)
        let to = snappedToStreet(end)
        // A point on a street rounds to a crossing of that same street: the car reaches it by
        // driving along the street it is on.
        let firstCrossing = nearestIntersection(from)
        let lastCrossing = nearestIntersection(to)
        let corner = LocalPoint(x: lastCrossing.x, y: firstCrossing.y)
        return Route(through: [from, firstCrossing, corner, lastCrossing, to])
    }
}
