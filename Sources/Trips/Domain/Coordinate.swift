import Foundation

/// A WGS 84 position, valid by construction: latitude in [-90, 90], longitude in [-180, 180], finite.
public struct Coordinate: Sendable, Equatable, Hashable, Codable {
    public let latitude: Double
    public let longitude: Double

    /// Checks the ranges; `field` names the request field in the error (`pickup`).
    public init(latitude: Double, longitude: Double, field: String) throws(TripsError) {
        guard latitude.isFinite, (-90...90).contains(latitude) else {
            throw .invalidField(
                field: "\(field).latitude", message: "\(field).latitude must be between -90 and 90", reason: "INVALID_COORDINATES")
        }
        guard longitude.isFinite, (-180...180).contains(longitude) else {
            throw .invalidField(
                field: "\(field).longitude", message: "\(field).longitude must be between -180 and 180", reason: "INVALID_COORDINATES")
        }
        self.latitude = latitude
        self.longitude = longitude
    }

    /// A position read back from storage, checked when it was written.
    init(stored latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Great-circle distance in metres (haversine on a sphere of the Earth's mean radius).
    public func distance(to other: Coordinate) -> Double {
        let radius = 6_371_008.8
        let lat1 = latitude * .pi / 180
        let lat2 = other.latitude * .pi / 180
        let dLat = lat2 - lat1
        let dLng = (other.longitude - longitude) * .pi / 180
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1) * cos(lat2) * sin(dLng / 2) * sin(dLng / 2)
        return 2 * radius * asin(min(1, sqrt(a)))
    }
}
