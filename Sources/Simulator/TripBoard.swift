import Synchronization

/// Which simulated passenger asked for which trip.
///
/// In a real ride the passenger shows the driver the pickup PIN; here the driver reads it from the
/// passenger's view of the trip (`GET /v1/trips/{id}` with the passenger's token, the only view
/// that carries `pickupPin`). A driver offered a trip that is not on the board (someone outside the
/// simulation asked for it) declines, since nobody could tell it the PIN.
final class TripBoard: Sendable {
    private let trips = Mutex<[String: UserSession]>([:])

    /// Puts `trip` (`trips/{id}`) on the board for `passenger`.
    func post(_ trip: String, passenger: UserSession) {
        trips.withLock { $0[trip] = passenger }
    }

    /// The passenger who asked for `trip`, while the trip is open.
    func passenger(of trip: String) -> UserSession? {
        trips.withLock { $0[trip] }
    }

    /// Takes `trip` off the board once it has ended.
    func remove(_ trip: String) {
        _ = trips.withLock { $0.removeValue(forKey: trip) }
    }
}
