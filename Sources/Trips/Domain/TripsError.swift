import Foundation

/// Everything the trips service can refuse, each with a stable reason the API maps to an AIP error.
public enum TripsError: Error, Equatable, Sendable {
    case invalidField(field: String, message: String, reason: String)
    case notFound(String)
    /// The trip is not in a state that allows `action`.
    case illegalTransition(trip: String, from: Trip.State, action: String)
    /// The caller is neither the trip's passenger, its assigned driver, nor an admin.
    case notTripParty
    case quoteExpired
    case quoteInvalid
    case quoteAlreadyUsed
    /// The passenger (or driver) already has a trip that is not finished.
    case activeTripExists(String?)
    case paymentDeclined(String)
    /// Payments refused the request itself (no method, an expired card): its stable reason and message.
    case paymentRefused(reason: String, message: String)
    case invalidPIN(remainingAttempts: Int)
    case pinAttemptsExceeded
    case driverNotNearPickup(distanceMeters: Int?)
    case alreadyRated
    case ratingWindowClosed
    case outsideServiceArea
    case vehicleClassUnavailable(String)
    case cityExists(String)
}
