import CurbsideCore
import DispatchClient
import Foundation
import Logging

/// Fare estimates: find the city, price the route with its newest rule and dispatch's surge, and
/// sign the result as a quote the passenger can request a trip with.
public struct FareService: Sendable {
    let cities: CityRepository
    let estimator: any RouteEstimator
    let dispatch: any DispatchGateway
    let signer: QuoteSigner
    let settings: TripsSettings
    let clock: TripsClock

    /// The longest straight-line trip priced (anything longer is a mistake or an abuse).
    static let maxStraightLineMeters = 300_000.0

    public struct Estimate: Sendable {
        public var quote: Quote
        public var token: String
        public var city: City
    }

    public func estimate(pickup: Coordinate, dropoff: Coordinate, vehicleClass: VehicleClass, caller: Principal, logger: Logger)
        async throws -> Estimate
    {
        guard pickup.distance(to: dropoff) <= Self.maxStraightLineMeters else {
            throw TripsError.invalidField(field: "dropoff", message: "the dropoff is too far from the pickup", reason: "ROUTE_TOO_LONG")
        }
        let city = try await self.city(containing: pickup, logger: logger)
        guard let rule = try await cities.rule(city: city.id, vehicleClass: vehicleClass, logger: logger) else {
            throw TripsError.vehicleClassUnavailable(vehicleClass.rawValue)
        }
        let now = clock.now()
        let route = try await estimator.estimate(
            from: pickup, to: dropoff, departure: now, timeZone: TimeZone(identifier: city.timeZone) ?? .gmt)
        let conditions = await zoneConditions(at: pickup, vehicleClass: vehicleClass, logger: logger)
        let fare = FareCalculator.fare(
            rule: rule, distanceMeters: route.distanceMeters, durationSeconds: route.durationSeconds,
            surgeHundredths: conditions?.surgeMultiplierHundredths ?? 100)
        let quote = Quote(
            id: UUID(), passengerID: caller.userID, cityID: city.id, vehicleClass: vehicleClass, pickup: pickup, dropoff: dropoff,
            ruleRevision: rule.revision, fare: fare, cancellationFee: rule.amounts.cancellationFee,
            pickupEtaSeconds: conditions?.pickupEtaSeconds ?? settings.fallbackPickupETASeconds,
            expireTime: now.addingTimeInterval(settings.quoteTTL))
        return Estimate(quote: quote, token: signer.sign(quote), city: city)
    }

    /// The city whose area contains `point` (the nearest centre when areas overlap).
    func city(containing point: Coordinate, logger: Logger) async throws -> City {
        let candidates = try await cities.cities(logger: logger).filter { $0.contains(point) }
        guard let city = candidates.min(by: { $0.center.distance(to: point) < $1.center.distance(to: point) }) else {
            throw TripsError.outsideServiceArea
        }
        return city
    }

    /// Dispatch's view of the zone, or `nil` (no surge, the fallback ETA) when dispatch does not
    /// answer in time: a price is better than an error.
    func zoneConditions(at point: Coordinate, vehicleClass: VehicleClass, logger: Logger) async -> ZoneConditions? {
        let dispatch = self.dispatch
        do {
            return try await withTimeout(settings.dispatchTimeout) {
                try await dispatch.zoneConditions(latitude: point.latitude, longitude: point.longitude, vehicleClass: vehicleClass.rawValue)
            }
        } catch {
            logger.warning(
                "dispatch zone conditions unavailable, quoting without surge",
                metadata: ["error.message": "\(String(reflecting: error))"])
            return nil
        }
    }
}
