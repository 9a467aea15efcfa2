import Foundation

/// The in-memory alternative to PostGIS for nearby search, for the measurement only: points
/// bucketed in square cells of about `cellMeters`; a query scans the cells that cover its circle.
struct GridIndex: Sendable {
    struct Entry: Sendable {
        var id: UUID
        var latitude: Double
        var longitude: Double
    }

    let cellDegreesLatitude: Double
    let cellDegreesLongitude: Double
    private var cells: [Int64: [Entry]] = [:]

    init(cellMeters: Double, referenceLatitude: Double) {
        cellDegreesLatitude = cellMeters / CitySquare.metersPerDegreeLatitude
        cellDegreesLongitude = cellMeters / (CitySquare.metersPerDegreeLatitude * cos(referenceLatitude * .pi / 180))
    }

    private func key(_ row: Int, _ column: Int) -> Int64 { Int64(row) << 32 | Int64(UInt32(bitPattern: Int32(column))) }

    private func cell(_ latitude: Double, _ longitude: Double) -> (row: Int, column: Int) {
        (Int((latitude / cellDegreesLatitude).rounded(.down)), Int((longitude / cellDegreesLongitude).rounded(.down)))
    }

    mutating func insert(_ entry: Entry) {
        let (row, column) = cell(entry.latitude, entry.longitude)
        cells[key(row, column), default: []].append(entry)
    }

    /// Entries within `radiusMeters` of the centre, nearest first, at most `limit`, and how many there are.
    func nearby(latitude: Double, longitude: Double, radiusMeters: Double, limit: Int) -> (count: Int, entries: [Entry]) {
        let rows = Int((radiusMeters / CitySquare.metersPerDegreeLatitude / cellDegreesLatitude).rounded(.up))
        let columns = Int((radiusMeters / (CitySquare.metersPerDegreeLatitude * cos(latitude * .pi / 180)) / cellDegreesLongitude).rounded(.up))
        let center = cell(latitude, longitude)
        var found: [(Double, Entry)] = []
        for row in (center.row - rows)...(center.row + rows) {
            for column in (center.column - columns)...(center.column + columns) {
                for entry in cells[key(row, column)] ?? [] {
                    let meters = MatchingBenchmark.meters((latitude, longitude), (entry.latitude, entry.longitude))
                    if meters <= radiusMeters { found.append((meters, entry)) }
                }
            }
        }
        found.sort { $0.0 < $1.0 }
        return (found.count, found.prefix(limit).map(\.1))
    }
}
