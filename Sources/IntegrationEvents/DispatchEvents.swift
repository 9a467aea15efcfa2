import Foundation

/// Events published by the dispatch service. Matching events are about a trip's dispatch
/// (aggregate `dispatch_job`, id `trips/{trip}`), so one trip's offers and outcome arrive in order;
/// availability events are about a driver.
public enum DispatchV1 {
    /// A driver was offered a trip and may accept until `expireTime`.
    public struct OfferCreated: IntegrationEvent {
        public static let eventType = "dispatch.v1.OfferCreated"
        public static let aggregateType = "dispatch_job"
        /// `offers/{offer}`.
        public var offer: String
        public var trip: String
        public var driver: String
        public var pickup: GeoPoint
        public var dropoff: GeoPoint
        public var pickupEtaSeconds: Int
        public var expireTime: Date
        public var createTime: Date
        public var aggregateID: String { trip }

        public init(
            offer: String, trip: String, driver: String, pickup: GeoPoint, dropoff: GeoPoint, pickupEtaSeconds: Int,
            expireTime: Date, createTime: Date
        ) {
            self.offer = offer
            self.trip = trip
            self.driver = driver
            self.pickup = pickup
            self.dropoff = dropoff
            self.pickupEtaSeconds = pickupEtaSeconds
            self.expireTime = expireTime
            self.createTime = createTime
        }
    }

    /// An offer is no longer open: `ACCEPTED`, `DECLINED`, `EXPIRED` or `WITHDRAWN` (the trip was
    /// cancelled or assigned elsewhere).
    public struct OfferClosed: IntegrationEvent {
        public static let eventType = "dispatch.v1.OfferClosed"
        public static let aggregateType = "dispatch_job"
        public var offer: String
        public var trip: String
        public var driver: String
        public var outcome: String
        public var closeTime: Date
        public var aggregateID: String { trip }

        public init(offer: String, trip: String, driver: String, outcome: String, closeTime: Date) {
            self.offer = offer
            self.trip = trip
            self.driver = driver
            self.outcome = outcome
            self.closeTime = closeTime
        }
    }

    /// A driver accepted: the trip is theirs (trips moves it to DRIVER_ASSIGNED).
    public struct DriverAssigned: IntegrationEvent {
        public static let eventType = "dispatch.v1.DriverAssigned"
        public static let aggregateType = "dispatch_job"
        public var trip: String
        public var offer: String
        public var driver: String
        public var vehicle: VehicleSnapshot?
        public var pickupEtaSeconds: Int
        public var assignTime: Date
        public var aggregateID: String { trip }

        public init(
            trip: String, offer: String, driver: String, vehicle: VehicleSnapshot?, pickupEtaSeconds: Int, assignTime: Date
        ) {
            self.trip = trip
            self.offer = offer
            self.driver = driver
            self.vehicle = vehicle
            self.pickupEtaSeconds = pickupEtaSeconds
            self.assignTime = assignTime
        }
    }

    /// Matching gave up within its limits (trips moves the trip to NO_DRIVER_FOUND).
    public struct NoDriverFound: IntegrationEvent {
        public static let eventType = "dispatch.v1.NoDriverFound"
        public static let aggregateType = "dispatch_job"
        public var trip: String
        public var offersMade: Int
        public var giveUpTime: Date
        public var aggregateID: String { trip }

        public init(trip: String, offersMade: Int, giveUpTime: Date) {
            self.trip = trip
            self.offersMade = offersMade
            self.giveUpTime = giveUpTime
        }
    }

    /// A driver's availability changed: `ONLINE`, `OFFLINE`, `ON_TRIP` or `STALE` (stopped reporting).
    public struct DriverAvailabilityChanged: IntegrationEvent {
        public static let eventType = "dispatch.v1.DriverAvailabilityChanged"
        public static let aggregateType = "driver"
        public var driver: String
        public var availability: String
        public var vehicle: String?
        public var changeTime: Date
        public var aggregateID: String { driver }

        public init(driver: String, availability: String, vehicle: String?, changeTime: Date) {
            self.driver = driver
            self.availability = availability
            self.vehicle = vehicle
            self.changeTime = changeTime
        }
    }

    /// Where the driver of a trip is, for the trip's passenger's map: shared from the driver's
    /// location reports while the trip is theirs (pickup and ride), at most once per interval
    /// (`dispatch.position_share_interval_ms`). Aggregate `driver_position` / `drivers/{driver}`, so
    /// a driver's positions arrive in order and never wait behind a trip's matching events.
    public struct DriverPositionShared: IntegrationEvent {
        public static let eventType = "dispatch.v1.DriverPositionShared"
        public static let aggregateType = "driver_position"
        public var driver: String
        public var trip: String
        /// `users/{user}`: who may see it.
        public var passenger: String
        public var position: GeoPoint
        public var headingDegrees: Double?
        public var speedMetersPerSecond: Double?
        /// When the driver's phone took the fix.
        public var recordTime: Date
        public var aggregateID: String { driver }

        public init(
            driver: String, trip: String, passenger: String, position: GeoPoint, headingDegrees: Double?,
            speedMetersPerSecond: Double?, recordTime: Date
        ) {
            self.driver = driver
            self.trip = trip
            self.passenger = passenger
            self.position = position
            self.headingDegrees = headingDegrees
            self.speedMetersPerSecond = speedMetersPerSecond
            self.recordTime = recordTime
        }
    }
}
