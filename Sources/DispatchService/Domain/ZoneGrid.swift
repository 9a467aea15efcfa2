import Foundation

/// Zones are cells of a latitude/longitude grid (0.01° ≈ 1.1 km north–south), named
/// `zones/{row}_{column}`; a cell's id is stable, so surge history survives restarts.
struct ZoneGrid: Sendable {
    var cellDegrees = 0.01

    /// The id of the cell containing `point`, e.g. `4075_-7398`.
    func zoneID(_ point: Coordinate) -> String {
        let row = Int((point.latitude / cellDegrees).rounded(.down))
        let column = Int((point.longitude / cellDegrees).rounded(.down))
        return "\(row)_\(column)"
    }
}
