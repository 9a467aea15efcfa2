import Foundation

/// Events published by the trips service. Every one is about a trip (`trips/{trip}`), so a
/// subscriber receives one trip's events in the order they happened.
public enum TripsV1 {
    /// A trip is ready to be matched (its payment authorized): dispatch starts looking for a driver.
    public struct TripRequested: IntegrationEvent {
        public static let eventType = "trips.v1.TripRequested"
        public static let aggregateType = "trip"
        public var trip: String
        /// `users/{user}`.
        public var passenger: String
        /// `cities/{city}`.
        public var city: String
        public var vehicleClass: String
        public var pickup: GeoPoint
        public var dropoff: GeoPoint
        public var quotedFare: MoneyAmount
        public var estimatedDistanceMeters: Int
        public var estimatedDurationSeconds: Int
        public var requestTime: Date
        public var aggregateID: String { trip }

        public init(
            trip: String, passenger: String, city: String, vehicleClass: String, pickup: GeoPoint, dropoff: GeoPoint,
            quotedFare: MoneyAmount, estimatedDistanceMeters: Int, estimatedDurationSeconds: Int, requestTime: Date
        ) {
            self.trip = trip
            self.passenger = passenger
            self.city = city
            self.vehicleClass = vehicleClass
            self.pickup = pickup
            self.dropoff = dropoff
            self.quotedFare = quotedFare
            self.estimatedDistanceMeters = estimatedDistanceMeters
            self.estimatedDurationSeconds = estimatedDurationSeconds
            self.requestTime = requestTime
        }
    }

    /// The assigned driver cancelled; the trip goes back to dispatch, which must not offer it to
    /// `excludedDrivers` again.
    public struct TripRedispatched: IntegrationEvent {
        public static let eventType = "trips.v1.TripRedispatched"
        public static let aggregateType = "trip"
        public var trip: String
        public var passenger: String
        public var vehicleClass: String
        public var pickup: GeoPoint
        public var dropoff: GeoPoint
        /// `drivers/{driver}` who cancelled.
        public var previousDriver: String
        public var excludedDrivers: [String]
        public var reason: String?
        public var redispatchTime: Date
        public var aggregateID: String { trip }

        public init(
            trip: String, passenger: String, vehicleClass: String, pickup: GeoPoint, dropoff: GeoPoint, previousDriver: String,
            excludedDrivers: [String], reason: String?, redispatchTime: Date
        ) {
            self.trip = trip
            self.passenger = passenger
            self.vehicleClass = vehicleClass
            self.pickup = pickup
            self.dropoff = dropoff
            self.previousDriver = previousDriver
            self.excludedDrivers = excludedDrivers
            self.reason = reason
            self.redispatchTime = redispatchTime
        }
    }

    /// Trips accepted dispatch's assignment: the passenger now sees the driver and vehicle.
    public struct TripDriverAssigned: IntegrationEvent {
        public static let eventType = "trips.v1.TripDriverAssigned"
        public static let aggregateType = "trip"
        public var trip: String
        public var passenger: String
        public var driver: String
        public var vehicle: VehicleSnapshot?
        public var pickupEtaSeconds: Int?
        public var assignTime: Date
        public var aggregateID: String { trip }

        public init(
            trip: String, passenger: String, driver: String, vehicle: VehicleSnapshot?, pickupEtaSeconds: Int?, assignTime: Date
        ) {
            self.trip = trip
            self.passenger = passenger
            self.driver = driver
            self.vehicle = vehicle
            self.pickupEtaSeconds = pickupEtaSeconds
            self.assignTime = assignTime
        }
    }

    /// The driver is at the pickup point.
    public struct TripDriverArrived: IntegrationEvent {
        public static let eventType = "trips.v1.TripDriverArrived"
        public static let aggregateType = "trip"
        public var trip: String
        public var passenger: String
        public var driver: String
        public var arriveTime: Date
        public var aggregateID: String { trip }

        public init(trip: String, passenger: String, driver: String, arriveTime: Date) {
            self.trip = trip
            self.passenger = passenger
            self.driver = driver
            self.arriveTime = arriveTime
        }
    }

    /// The passenger is on board (the pickup PIN was accepted).
    public struct TripStarted: IntegrationEvent {
        public static let eventType = "trips.v1.TripStarted"
        public static let aggregateType = "trip"
        public var trip: String
        public var passenger: String
        public var driver: String
        public var startTime: Date
        public var aggregateID: String { trip }

        public init(trip: String, passenger: String, driver: String, startTime: Date) {
            self.trip = trip
            self.passenger = passenger
            self.driver = driver
            self.startTime = startTime
        }
    }

    /// The ride ended at the destination with its final fare (payments captures it).
    public struct TripCompleted: IntegrationEvent {
        public static let eventType = "trips.v1.TripCompleted"
        public static let aggregateType = "trip"
        public var trip: String
        public var passenger: String
        public var driver: String
        public var city: String
        public var vehicleClass: String
        public var fare: MoneyAmount
        public var distanceMeters: Int
        public var durationSeconds: Int
        public var completeTime: Date
        public var aggregateID: String { trip }

        public init(
            trip: String, passenger: String, driver: String, city: String, vehicleClass: String, fare: MoneyAmount,
            distanceMeters: Int, durationSeconds: Int, completeTime: Date
        ) {
            self.trip = trip
            self.passenger = passenger
            self.driver = driver
            self.city = city
            self.vehicleClass = vehicleClass
            self.fare = fare
            self.distanceMeters = distanceMeters
            self.durationSeconds = durationSeconds
            self.completeTime = completeTime
        }
    }

    /// The trip was cancelled; `cancellationFee` is what payments should charge (absent when free).
    public struct TripCancelled: IntegrationEvent {
        public static let eventType = "trips.v1.TripCancelled"
        public static let aggregateType = "trip"
        public var trip: String
        public var passenger: String
        /// The driver assigned at the time, if any.
        public var driver: String?
        /// `PASSENGER`, `DRIVER`, `ADMIN` or `SYSTEM`.
        public var cancelledBy: String
        public var reason: String?
        public var cancellationFee: MoneyAmount?
        public var cancelTime: Date
        public var aggregateID: String { trip }

        public init(
            trip: String, passenger: String, driver: String?, cancelledBy: String, reason: String?,
            cancellationFee: MoneyAmount?, cancelTime: Date
        ) {
            self.trip = trip
            self.passenger = passenger
            self.driver = driver
            self.cancelledBy = cancelledBy
            self.reason = reason
            self.cancellationFee = cancellationFee
            self.cancelTime = cancelTime
        }
    }

    /// Dispatch gave up: no driver accepted within its limits (payments releases the hold).
    public struct TripNoDriverFound: IntegrationEvent {
        public static let eventType = "trips.v1.TripNoDriverFound"
        public static let aggregateType = "trip"
        public var trip: String
        public var passenger: String
        public var endTime: Date
        public var aggregateID: String { trip }

        public init(trip: String, passenger: String, endTime: Date) {
            self.trip = trip
            self.passenger = passenger
            self.endTime = endTime
        }
    }

    /// One side of a completed trip rated the other.
    public struct TripRated: IntegrationEvent {
        public static let eventType = "trips.v1.TripRated"
        public static let aggregateType = "trip"
        public var trip: String
        /// `users/{user}` or `drivers/{driver}` who rated.
        public var rater: String
        /// Who was rated.
        public var ratee: String
        /// 1 to 5.
        public var stars: Int
        public var rateTime: Date
        public var aggregateID: String { trip }

        public init(trip: String, rater: String, ratee: String, stars: Int, rateTime: Date) {
            self.trip = trip
            self.rater = rater
            self.ratee = ratee
            self.stars = stars
            self.rateTime = rateTime
        }
    }
}
