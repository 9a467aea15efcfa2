import Foundation

/// What a trip transition caused. The repository turns the published ones into `trips.v1` events in
/// the same transaction; `pinRejected` is recorded on the trip but not published.
public enum TripEvent: Sendable, Equatable {
    case requested
    case driverAssigned
    case driverArrived
    case started
    case completed
    case cancelled
    case noDriverFound
    case redispatched(previousDriver: UUID, reason: String?)
    case rated(by: Trip.Party, stars: Int, comment: String?)
    case pinRejected(remainingAttempts: Int)
}
