import Foundation

/// What a fare estimate promised a passenger: the route, the rule revision, the surge and the price,
/// valid until `expireTime`. It travels to the client signed (see `QuoteSigner`) and comes back with
/// the trip request, so trips needs no storage for estimates.
public struct Quote: Sendable, Equatable, Codable {
    public var id: UUID
    public var passengerID: UUID
    public var cityID: String
    public var vehicleClass: VehicleClass
    public var pickup: Coordinate
    public var dropoff: Coordinate
    public var ruleRevision: Int
    public var fare: FareBreakdown
    /// The rule's cancellation fee at this revision, so that a trip can charge it without a lookup.
    public var cancellationFee: Int64
    public var pickupEtaSeconds: Int
    public var expireTime: Date

    public init(
        id: UUID, passengerID: UUID, cityID: String, vehicleClass: VehicleClass, pickup: Coordinate, dropoff: Coordinate,
        ruleRevision: Int, fare: FareBreakdown, cancellationFee: Int64, pickupEtaSeconds: Int, expireTime: Date
    ) {
        self.id = id
        self.passengerID = passengerID
        self.cityID = cityID
        self.vehicleClass = vehicleClass
        self.pickup = pickup
        self.dropoff = dropoff
        self.ruleRevision = ruleRevision
        self.fare = fare
        self.cancellationFee = cancellationFee
        self.pickupEtaSeconds = pickupEtaSeconds
        self.expireTime = expireTime
    }
}
