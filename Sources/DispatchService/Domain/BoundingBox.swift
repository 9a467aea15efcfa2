import Foundation

/// A latitude/longitude rectangle (not across the antimeridian), as the ops console asks for the
/// part of the map it shows.
struct BoundingBox: Sendable, Equatable {
    var minLatitude: Double
    var minLongitude: Double
    var maxLatitude: Double
    var maxLongitude: Double

    /// A side may be at most this long: the console shows a city, and a larger box would make every
    /// snapshot read a country's drivers.
    static let maxSideMeters = 100_000.0

    /// Parses `minLat,minLng,maxLat,maxLng` (degrees) and checks it is a box of at most
    /// ``maxSideMeters`` a side; the error says what is wrong, for the client.
    static func parse(_ text: String) -> Result<BoundingBox, BoundingBoxError> {
        let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 4, let minLat = numbers[0], let minLng = numbers[1], let maxLat = numbers[2], let maxLng = numbers[3],
            [minLat, minLng, maxLat, maxLng].allSatisfy(\.isFinite)
        else { return .failure(BoundingBoxError("bbox must be minLat,minLng,maxLat,maxLng in degrees")) }
        guard (-90...90).contains(minLat), (-90...90).contains(maxLat), (-180...180).contains(minLng), (-180...180).contains(maxLng) else {
            return .failure(BoundingBoxError("bbox latitudes must be in [-90, 90] and longitudes in [-180, 180]"))
        }
        guard minLat < maxLat, minLng < maxLng else {
            return .failure(BoundingBoxError("bbox must have minLat < maxLat and minLng < maxLng"))
        }
        let box = BoundingBox(minLatitude: minLat, minLongitude: minLng, maxLatitude: maxLat, maxLongitude: maxLng)
        guard max(box.heightMeters, box.widthMeters) <= maxSideMeters else {
            return .failure(BoundingBoxError("bbox may be at most \(Int(maxSideMeters / 1000)) km a side"))
        }
        return .success(box)
    }

    var center: Coordinate { Coordinate(latitude: (minLatitude + maxLatitude) / 2, longitude: (minLongitude + maxLongitude) / 2) }

    /// North to south.
    var heightMeters: Double { (maxLatitude - minLatitude) * Self.metersPerDegree }

    /// West to east along the parallel nearest the equator, the box's widest.
    var widthMeters: Double {
        let widest = minLatitude <= 0 && maxLatitude >= 0 ? 0 : min(abs(minLatitude), abs(maxLatitude))
        return (maxLongitude - minLongitude) * Self.metersPerDegree * cos(widest * .pi / 180)
    }

    /// From the centre to the farthest corner: a circle around ``center`` with this radius holds the box.
    var circumradiusMeters: Double {
        [
            Coordinate(latitude: minLatitude, longitude: minLongitude), Coordinate(latitude: minLatitude, longitude: maxLongitude),
            Coordinate(latitude: maxLatitude, longitude: minLongitude), Coordinate(latitude: maxLatitude, longitude: maxLongitude),
        ].map { Geo.distanceMeters(center, $0) }.max() ?? 0
    }

    private static let metersPerDegree = Geo.earthRadiusMeters * .pi / 180
}

/// Why a bounding box was refused (the message goes to the client).
struct BoundingBoxError: Error, Equatable {
    let message: String

    init(_ message: String) { self.message = message }
}
