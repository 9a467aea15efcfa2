import CurbsideCore
import UsersClient

/// The one place where dispatch's refusals become AIP errors.
enum DispatchErrorMapping {
    static let domain = ServiceName.dispatch.errorDomain

    static func aip(_ error: DispatchError) -> AIPError {
        let aip: AIPError =
            switch error {
            case .invalidField(let field, let message, let reason):
                AIPError(.invalidArgument, reason: reason, message: message, metadata: ["field": field])
            case .notYourResource:
                .permissionDenied("the caller may not act on another user's resource", reason: "NOT_RESOURCE_OWNER")
            case .driverNotEligible(let reasons):
                AIPError(
                    .failedPrecondition, reason: "DRIVER_NOT_ELIGIBLE",
                    message: "the driver may not go online with this vehicle: \(reasons.joined(separator: ", "))",
                    metadata: ["reasons": reasons.joined(separator: ",")])
            case .driverNotOnline:
                .failedPrecondition("the driver has not gone online", reason: "DRIVER_NOT_ONLINE")
            case .driverOnTrip:
                .failedPrecondition("a driver on a trip cannot go offline", reason: "DRIVER_ON_TRIP")
            case .notFound(let name):
                .notFound(name)
            case .offerRefused(let refusal):
                .failedPrecondition(message(refusal), reason: refusal.rawValue)
            }
        return aip.inDomain(domain)
    }

    static func message(_ refusal: OfferRefusal) -> String {
        switch refusal {
        case .expired: "the offer expired"
        case .tripCancelled: "the trip was cancelled"
        case .tripAlreadyAssigned: "the trip is assigned to another driver"
        case .declined: "the offer was declined"
        case .withdrawn: "the offer was withdrawn"
        case .alreadyAccepted: "the offer was already accepted"
        case .driverBusy: "the driver is on another trip"
        case .driverOffline: "the driver is offline"
        }
    }

    /// Runs a handler body, translating every domain and platform error for the API.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DispatchError {
            throw aip(error)
        } catch let error as AIPError {
            throw error.inDomain(domain)
        } catch let error as UsersCallError {
            // The users service could not answer: going online cannot be decided now.
            throw AIPError.unavailable("the users service is not available (\(error.statusCode))").inDomain(domain)
        }
    }
}
