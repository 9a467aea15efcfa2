import Foundation

/// A driver as dispatch keeps them: availability, the vehicle they went online with, their trip.
struct DriverRecord: Sendable, Equatable {
    var driverID: UUID
    /// `ONLINE` or `OFFLINE` as the driver chose; staleness and trips are derived.
    var availability: String
    var vehicleID: UUID?
    var vehicleClass: String?
    var make: String?
    var model: String?
    var color: String?
    var licensePlate: String?
    var currentTrip: UUID?
    var updateTime: Date
    /// The record time of the latest kept location report.
    var lastLocationTime: Date?

    static let columns = """
        d.driver_id, d.availability, d.vehicle_id, d.vehicle_class, d.vehicle_make, d.vehicle_model, d.vehicle_color,
        d.vehicle_plate, d.current_trip, d.update_time, p.record_time
        """
    typealias Row = (UUID, String, UUID?, String?, String?, String?, String?, String?, UUID?, Date, Date?)

    init(_ row: Row) {
        (driverID, availability, vehicleID, vehicleClass, make, model, color, licensePlate, currentTrip, updateTime, lastLocationTime) = row
    }
}

/// A driver's latest kept position.
struct PositionRecord: Sendable, Equatable {
    var driverID: UUID
    var coordinate: Coordinate
    var accuracyMeters: Double?
    var headingDegrees: Double?
    var speedMetersPerSecond: Double?
    var recordTime: Date
}

/// A trip as matching sees it.
struct JobRecord: Sendable, Equatable {
    enum State: String, Sendable { case open = "OPEN", assigned = "ASSIGNED", cancelled = "CANCELLED" }

    var tripID: UUID
    var passengerID: UUID
    var vehicleClass: String
    var pickup: Coordinate
    var dropoff: Coordinate
    /// `OPEN`, `ASSIGNED`, `CANCELLED`, `NO_DRIVER_FOUND` or `COMPLETED`.
    var state: String
    var assignedDriver: UUID?
    var excludedDrivers: [UUID]
    var offersMade: Int
    var matchStartTime: Date
    /// The limits matching started with, so that every instance (whatever its own settings, say
    /// during a rolling change) gives up on this trip at the same point. `nil` on rows written
    /// before migration 3: the sweeping instance's settings apply.
    var maxOffers: Int?
    var giveUpTime: Date?

    static let columns = """
        trip_id, passenger_id, vehicle_class, pickup_latitude, pickup_longitude, dropoff_latitude, dropoff_longitude,
        state, assigned_driver, excluded_drivers, offers_made, match_start_time, max_offers, give_up_time
        """
    typealias Row = (UUID, UUID, String, Double, Double, Double, Double, String, UUID?, [UUID], Int, Date, Int?, Date?)

    init(_ r: Row) {
        tripID = r.0
        passengerID = r.1
        vehicleClass = r.2
        pickup = Coordinate(latitude: r.3, longitude: r.4)
        dropoff = Coordinate(latitude: r.5, longitude: r.6)
        state = r.7
        assignedDriver = r.8
        excludedDrivers = r.9
        offersMade = r.10
        matchStartTime = r.11
        maxOffers = r.12
        giveUpTime = r.13
    }

    init(
        tripID: UUID, passengerID: UUID, vehicleClass: String, pickup: Coordinate, dropoff: Coordinate, excludedDrivers: [UUID],
        matchStartTime: Date
    ) {
        self.tripID = tripID
        self.passengerID = passengerID
        self.vehicleClass = vehicleClass
        self.pickup = pickup
        self.dropoff = dropoff
        state = "OPEN"
        assignedDriver = nil
        self.excludedDrivers = excludedDrivers
        offersMade = 0
        self.matchStartTime = matchStartTime
        maxOffers = nil
        giveUpTime = nil
    }
}

/// An offer of a trip to a driver, with the trip's points for the driver app.
struct OfferRecord: Sendable, Equatable {
    var id: UUID
    var tripID: UUID
    var driverID: UUID
    /// `OPEN`, `ACCEPTED`, `DECLINED`, `EXPIRED` or `WITHDRAWN`.
    var state: String
    var pickupEtaSeconds: Int
    var createTime: Date
    var expireTime: Date
    var closeTime: Date?
    var pickup: Coordinate
    var dropoff: Coordinate

    static let columns = """
        o.id, o.trip_id, o.driver_id, o.state, o.pickup_eta_seconds, o.create_time, o.expire_time, o.close_time,
        j.pickup_latitude, j.pickup_longitude, j.dropoff_latitude, j.dropoff_longitude
        """
    typealias Row = (UUID, UUID, UUID, String, Int, Date, Date, Date?, Double, Double, Double, Double)

    init(_ r: Row) {
        id = r.0
        tripID = r.1
        driverID = r.2
        state = r.3
        pickupEtaSeconds = r.4
        createTime = r.5
        expireTime = r.6
        closeTime = r.7
        pickup = Coordinate(latitude: r.8, longitude: r.9)
        dropoff = Coordinate(latitude: r.10, longitude: r.11)
    }
}
