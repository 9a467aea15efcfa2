import Foundation

/// Why dispatch refuses a request; the API layer maps each case to one AIP error.
enum DispatchError: Error, Equatable {
    case invalidField(field: String, message: String, reason: String)
    /// A driver acting on another driver's availability, location or offer; a passenger on another's trip.
    case notYourResource
    /// The users service refused the driver or vehicle; `reasons` are its stable reasons.
    case driverNotEligible(reasons: [String])
    /// The driver never went online, so dispatch keeps no availability or position for them.
    case driverNotOnline
    /// Going offline is refused while the driver is on a trip.
    case driverOnTrip
    case notFound(String)
    /// An accept or decline that the offer's or trip's state no longer allows.
    case offerRefused(OfferRefusal)
}

/// The stable reasons an offer cannot be accepted or declined.
enum OfferRefusal: String, Sendable, Equatable {
    case expired = "OFFER_EXPIRED"
    case tripCancelled = "TRIP_CANCELLED"
    case tripAlreadyAssigned = "TRIP_ALREADY_ASSIGNED"
    case declined = "OFFER_DECLINED"
    case withdrawn = "OFFER_WITHDRAWN"
    case alreadyAccepted = "OFFER_ALREADY_ACCEPTED"
    case driverBusy = "DRIVER_BUSY"
    case driverOffline = "DRIVER_OFFLINE"
}
