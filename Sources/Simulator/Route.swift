import Foundation

/// A car's way along the streets, and how far along it the car has come.
public struct Route: Sendable {
    /// The corners of the way, start first, without repeats.
    public let points: [LocalPoint]
    private var segment = 0
    private var offset = 0.0

    /// A way through `points` in order (repeated points are dropped).
    public init(through points: [LocalPoint]) {
        var kept: [LocalPoint] = []
        for point in points where kept.last.map({ $0.distance(to: point) > 0.01 }) ?? true {
            kept.append(point)
        }
        self.points = kept
    }

    /// A route that is already over: the car stays at `point`.
    public static func parked(at point: LocalPoint) -> Route { Route(through: [point]) }

    /// Where the car is now.
    public var position: LocalPoint {
        guard segment + 1 < points.count else { return points.last ?? LocalPoint(x: 0, y: 0) }
        let from = points[segment]
        let to = points[segment + 1]
        let length = from.distance(to: to)
        let share = length > 0 ? offset / length : 1
        return LocalPoint(x: from.x + (to.x - from.x) * share, y: from.y + (to.y - from.y) * share)
    }

    /// Whether the car has reached the end.
    public var isFinished: Bool { segment + 1 >= points.count }

    /// The compass heading of the current street, in degrees (0 north, 90 east).
    public var headingDegrees: Double {
        guard segment + 1 < points.count else { return 0 }
        let from = points[segment]
        let to = points[segment + 1]
        let degrees = atan2(to.x - from.x, to.y - from.y) * 180 / .pi
        return degrees < 0 ? degrees + 360 : degrees
    }

    /// Metres left to drive.
    public var remainingMeters: Double {
        guard segment + 1 < points.count else { return 0 }
        var total = points[segment].distance(to: points[segment + 1]) - offset
        for index in (segment + 1)..<(points.count - 1) { total += points[index].distance(to: points[index + 1]) }
        return total
    }

    /// Drives `meters` further (stopping at the end).
    public mutating func advance(by meters: Double) {
        var left = max(meters, 0)
        while left > 0, segment + 1 < points.count {
            let length = points[segment].distance(to: points[segment + 1])
            if offset + left < length {
                offset += left
                return
            }
            left -= length - offset
            segment += 1
            offset = 0
        }
    }
}
