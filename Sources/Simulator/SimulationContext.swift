import Logging

/// What every simulated person shares: the API, the counters, the city, the settings, the board of
/// open trips and whether the run is winding down.
struct SimulationContext: Sendable {
    let api: APIClient
    let stats: SimulationStats
    let grid: StreetGrid
    let config: SimulationConfig
    let board: TripBoard
    let control: RunControl
    let logger: Logger

    /// The vehicle class every simulated car has and every simulated passenger asks for.
    static let vehicleClass = "ECONOMY"

    /// The path of a resource name (`trips/…`, `offers/…`) with an optional custom method.
    static func path(_ name: String, _ method: String = "") -> String {
        "/v1/\(name)" + (method.isEmpty ? "" : ":\(method)")
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// A duration of `seconds` (negative values count as zero).
    static func seconds(double seconds: Double) -> Duration {
        .milliseconds(Int64((max(seconds, 0) * 1000).rounded()))
    }
}
