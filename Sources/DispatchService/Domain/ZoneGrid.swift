import Foundation

/// Zones are cells of a latitude/longitude grid (0.01° ≈ 1.1 km north–south), named
/// `zones/{row}_{column}`; a cell's id is stable, so surge history survives restarts.
struct ZoneGrid: Sendable {
    var cellDegrees = 0.01

    /// The id of the cell containing `point`, e.g. `4075_-7398`.
    func zoneID(_ point: Coordinate) -> String {
        "\(row(latitude: point.latitude))_\(column(longitude: point.longitude))"
    }

    /// The row of the cells at `latitude`.
    func row(latitude: Double) -> Int { Int((latitude / cellDegrees).rounded(.down)) }

    /// The column of the cells at `longitude`.
    func column(longitude: Double) -> Int { Int((longitude / cellDegrees).rounded(.down)) }

    /// The edges of the cell `id` (as ``zoneID(_:)`` names it), or `nil` for a malformed id.
    func bounds(ofZone id: String) -> (south: Double, west: Double, north: Double, east: Double)? {
        let parts = id.split(separator: "_")
        guard parts.count == 2, let row = Int(parts[0]), let column = Int(parts[1]) else { return nil }
        let south = Double(row) * cellDegrees
        let west = Double(column) * cellDegrees
        return (south, west, south + cellDegrees, west + cellDegrees)
    }
}
