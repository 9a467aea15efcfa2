import Foundation

/// When rides are requested and from where to where.
///
/// Requests arrive as a Poisson process (exponential gaps, mean `3600 / demandPerHour` seconds).
/// A share of pickups gathers around a few hot spots, the rest is spread over the whole square;
/// destinations lie a drawn distance away in a random direction, inside the square.
public struct DemandModel: Sendable {
    /// One ride someone wants: where to be picked up and where to go, both on streets.
    public struct RideWish: Sendable, Equatable {
        public var pickup: LocalPoint
        public var dropoff: LocalPoint
    }

    /// The centres of the hot spots.
    public let hotSpots: [LocalPoint]
    private let grid: StreetGrid
    private let behaviour: SimulationConfig.Behaviour
    private let ratePerSecond: Double
    private var generator: SeededGenerator

    /// A model of `grid` at `demandPerHour`; its hot spots and draws come from `generator`.
    public init(grid: StreetGrid, demandPerHour: Double, behaviour: SimulationConfig.Behaviour, generator: SeededGenerator) {
        self.grid = grid
        self.behaviour = behaviour
        self.ratePerSecond = max(demandPerHour, 0) / 3600
        self.generator = generator
        let count = Int.random(in: behaviour.hotSpotCount, using: &self.generator)
        var spots: [LocalPoint] = []
        for _ in 0..<max(count, 0) {
            // Inside the inner part of the square, so a spot's pickups are not mostly clamped to an edge.
            let point = grid.randomPoint(using: &self.generator)
            spots.append(grid.snappedToStreet(LocalPoint(x: point.x * 0.7, y: point.y * 0.7)))
        }
        hotSpots = spots
    }

    /// Seconds until the next request (`nil` when there is no demand).
    public mutating func nextGap() -> Double? {
        guard ratePerSecond > 0 else { return nil }
        // Inverse transform of the exponential distribution; 1 - u is in (0, 1], so log is finite.
        let u = Double.random(in: 0..<1, using: &generator)
        return -log(1 - u) / ratePerSecond
    }

    /// The next ride someone wants.
    public mutating func nextWish() -> RideWish {
        let pickup = grid.snappedToStreet(nextPickup())
        return RideWish(pickup: pickup, dropoff: grid.snappedToStreet(destination(from: pickup)))
    }

    /// An index in `0..<count`, to choose who asks for the ride.
    public mutating func nextIndex(below count: Int) -> Int {
        count > 0 ? Int.random(in: 0..<count, using: &generator) : 0
    }

    private mutating func nextPickup() -> LocalPoint {
        guard !hotSpots.isEmpty, generator.chance(behaviour.hotSpotShare) else { return grid.randomPoint(using: &generator) }
        let spot = hotSpots[Int.random(in: 0..<hotSpots.count, using: &generator)]
        return grid.clamped(
            LocalPoint(x: spot.x + gaussian() * behaviour.hotSpotSpreadMeters, y: spot.y + gaussian() * behaviour.hotSpotSpreadMeters))
    }

    private mutating func destination(from pickup: LocalPoint) -> LocalPoint {
        for _ in 0..<30 {
            let meters = generator.uniform(behaviour.tripDistanceKm) * 1000
            let angle = generator.uniform(0...(2 * .pi))
            let candidate = LocalPoint(x: pickup.x + meters * cos(angle), y: pickup.y + meters * sin(angle))
            if grid.contains(candidate) { return candidate }
        }
        // A square too small for the distances asked: the farthest corner is the longest ride it has.
        let limit = grid.halfSide
        return grid.clamped(LocalPoint(x: pickup.x > 0 ? -limit : limit, y: pickup.y > 0 ? -limit : limit))
    }

    /// A standard normal draw (Box–Muller).
    private mutating func gaussian() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let v = Double.random(in: 0..<1, using: &generator)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
