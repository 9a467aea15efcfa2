import Foundation

/// A point on Earth in WGS 84 degrees, as the dispatch domain reasons about it.
struct Coordinate: Sendable, Equatable, Hashable {
    var latitude: Double
    var longitude: Double
}

/// Great-circle geometry, good to well under 1 % at city scale: enough for ranking and trails.
enum Geo {
    static let earthRadiusMeters = 6_371_008.8

    /// Haversine distance in meters.
    static func distanceMeters(_ a: Coordinate, _ b: Coordinate) -> Double {
        let lat1 = a.latitude * .pi / 180
        let lat2 = b.latitude * .pi / 180
        let dLat = lat2 - lat1
        let dLng = (b.longitude - a.longitude) * .pi / 180
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(lat1) * cos(lat2) * sin(dLng / 2) * sin(dLng / 2)
        return 2 * earthRadiusMeters * asin(min(1, sqrt(h)))
    }
}
