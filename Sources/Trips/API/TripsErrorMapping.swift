import CurbsideCore

/// The one place where the trips domain's refusals become AIP errors.
enum TripsErrorMapping {
    static let domain = ServiceName.trips.errorDomain

    static func aip(_ error: TripsError) -> AIPError {
        let aip: AIPError =
            switch error {
            case .invalidField(let field, let message, let reason):
                AIPError(.invalidArgument, reason: reason, message: message, metadata: ["field": field])
            case .notFound(let name):
                .notFound(name)
            case .illegalTransition(let trip, let from, let action):
                AIPError(
                    .failedPrecondition, reason: "ILLEGAL_STATE_TRANSITION", message: "\(trip) cannot \(action) in state \(from.rawValue)",
                    metadata: ["resource": trip, "state": from.rawValue])
            case .notTripParty:
                .permissionDenied("the caller is not a party to this trip", reason: "NOT_TRIP_PARTY")
            case .quoteExpired:
                AIPError(.invalidArgument, reason: "QUOTE_EXPIRED", message: "the quote has expired; ask for a new estimate")
            case .quoteInvalid:
                AIPError(.invalidArgument, reason: "QUOTE_INVALID", message: "the quote is not valid for this caller")
            case .quoteAlreadyUsed:
                AIPError(.alreadyExists, reason: "QUOTE_ALREADY_USED", message: "a trip was already requested with this quote")
            case .activeTripExists:
                AIPError(.alreadyExists, reason: "ACTIVE_TRIP_EXISTS", message: "there is already an active trip")
            case .paymentDeclined(let reason):
                AIPError(
                    .failedPrecondition, reason: "PAYMENT_DECLINED", message: "the payment was declined", metadata: ["declineReason": reason])
            case .paymentRefused(let reason, let message):
                .failedPrecondition(message, reason: reason)
            case .invalidPIN(let remaining):
                AIPError(
                    .invalidArgument, reason: "INVALID_PIN", message: "the pickup PIN is not correct; \(remaining) attempts left",
                    metadata: ["field": "pin", "remainingAttempts": "\(remaining)"])
            case .pinAttemptsExceeded:
                .failedPrecondition("too many wrong pickup PINs; the trip cannot be started", reason: "PIN_ATTEMPTS_EXCEEDED")
            case .driverNotNearPickup(let distance):
                AIPError(
                    .failedPrecondition, reason: "DRIVER_NOT_NEAR_PICKUP",
                    message: distance.map { "the driver is \($0) m from the pickup" } ?? "the driver's position near the pickup is unknown",
                    metadata: distance.map { ["distanceMeters": "\($0)"] } ?? [:])
            case .alreadyRated:
                .failedPrecondition("this side already rated the trip", reason: "ALREADY_RATED")
            case .ratingWindowClosed:
                .failedPrecondition("the time to rate this trip has passed", reason: "RATING_WINDOW_CLOSED")
            case .outsideServiceArea:
                .failedPrecondition("the pickup is outside every city served", reason: "OUTSIDE_SERVICE_AREA")
            case .vehicleClassUnavailable(let vehicleClass):
                AIPError(
                    .failedPrecondition, reason: "VEHICLE_CLASS_UNAVAILABLE", message: "\(vehicleClass) is not offered in this city",
                    metadata: ["vehicleClass": vehicleClass])
            case .cityExists(let name):
                AIPError(.alreadyExists, reason: "CITY_EXISTS", message: "\(name) already exists", metadata: ["resource": name])
            }
        return aip.inDomain(domain)
    }

    /// Runs a handler body, translating every domain and platform error for the API.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as TripsError {
            throw aip(error)
        } catch let error as AIPError {
            throw error.inDomain(domain)
        }
    }
}
