import CurbsideCore
import Foundation

/// Who may see and act on a trip, beyond the role check the OpenAPI document declares.
///
/// A passenger or driver asking for a trip that is not theirs gets 403 whether or not it exists
/// (api-rules: "not allowed → 403 whether or not it exists"); only admins learn of a 404.
enum TripAccess {
    static func canSee(_ trip: Trip, caller: Principal) -> Bool {
        switch caller.role {
        case .admin: true
        case .passenger: trip.passengerID == caller.userID
        case .driver: trip.driverID == caller.userID
        case .service: false
        }
    }

    /// The party a caller acts as.
    static func party(of caller: Principal) throws(TripsError) -> Trip.Party {
        switch caller.role {
        case .passenger: .passenger
        case .driver: .driver
        case .admin: .admin
        case .service: throw .notTripParty
        }
    }

    /// The error for a trip that is missing, as the caller may learn it.
    static func missing(_ id: UUID, caller: Principal) -> TripsError {
        caller.role == .admin ? .notFound("trips/\(id.uuidString.lowercased())") : .notTripParty
    }
}

extension Database {
    /// The pool whose role serves `caller`'s audience.
    static func serving(_ caller: Principal, in databases: ServiceDatabases) -> Database {
        switch caller.role {
        case .passenger: databases.passenger
        case .driver: databases.driver
        case .admin, .service: databases.platform
        }
    }
}
