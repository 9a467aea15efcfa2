import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// Turns the trip's domain events into `trips.v1` integration events (and, for ratings, the rating
/// rows), inside the transaction that saved the trip.
struct TripEventPublisher: Sendable {
    let outbox: OutboxWriter

    func publish(_ event: TripEvent, trip: Trip, on connection: PostgresConnection, logger: Logger) async throws {
        let now = trip.updateTime
        let passenger = Names.user(trip.passengerID)
        let quote = trip.quote
        switch event {
        case .requested:
            try await outbox.append(
                TripsV1.TripRequested(
                    trip: trip.name, passenger: passenger, city: "cities/\(quote.cityID)", vehicleClass: quote.vehicleClass.rawValue,
                    pickup: Names.point(quote.pickup), dropoff: Names.point(quote.dropoff),
                    quotedFare: MoneyAmount(currencyCode: quote.fare.currencyCode, minorUnits: quote.fare.total),
                    estimatedDistanceMeters: quote.fare.distanceMeters, estimatedDurationSeconds: quote.fare.durationSeconds,
                    requestTime: trip.createTime),
                occurredAt: now, on: connection, logger: logger)
        case .driverAssigned:
            try await outbox.append(
                TripsV1.TripDriverAssigned(
                    trip: trip.name, passenger: passenger, driver: Names.driver(trip.driverID), vehicle: trip.vehicle.map(Names.vehicle),
                    pickupEtaSeconds: trip.pickupEtaSeconds, assignTime: trip.assignTime ?? now),
                occurredAt: now, on: connection, logger: logger)
        case .driverArrived:
            try await outbox.append(
                TripsV1.TripDriverArrived(trip: trip.name, passenger: passenger, driver: Names.driver(trip.driverID), arriveTime: now),
                occurredAt: now, on: connection, logger: logger)
        case .started:
            try await outbox.append(
                TripsV1.TripStarted(trip: trip.name, passenger: passenger, driver: Names.driver(trip.driverID), startTime: now),
                occurredAt: now, on: connection, logger: logger)
        case .completed:
            let fare = trip.receipt?.fare ?? quote.fare
            try await outbox.append(
                TripsV1.TripCompleted(
                    trip: trip.name, passenger: passenger, driver: Names.driver(trip.driverID), city: "cities/\(quote.cityID)",
                    vehicleClass: quote.vehicleClass.rawValue, fare: MoneyAmount(currencyCode: fare.currencyCode, minorUnits: fare.total),
                    distanceMeters: fare.distanceMeters, durationSeconds: fare.durationSeconds, completeTime: now),
                occurredAt: now, on: connection, logger: logger)
        case .cancelled:
            let cancellation = trip.cancellation
            try await outbox.append(
                TripsV1.TripCancelled(
                    trip: trip.name, passenger: passenger, driver: trip.driverID.map { Names.driver($0) },
                    cancelledBy: cancellation?.by.rawValue ?? Trip.Party.system.rawValue, reason: cancellation?.reason,
                    cancellationFee: cancellation?.fee.map { MoneyAmount(currencyCode: quote.fare.currencyCode, minorUnits: $0) },
                    cancelTime: now),
                occurredAt: now, on: connection, logger: logger)
        case .noDriverFound:
            try await outbox.append(
                TripsV1.TripNoDriverFound(trip: trip.name, passenger: passenger, endTime: now), occurredAt: now, on: connection,
                logger: logger)
        case .redispatched(let previousDriver, let reason):
            try await outbox.append(
                TripsV1.TripRedispatched(
                    trip: trip.name, passenger: passenger, vehicleClass: quote.vehicleClass.rawValue, pickup: Names.point(quote.pickup),
                    dropoff: Names.point(quote.dropoff), previousDriver: Names.driver(previousDriver),
                    excludedDrivers: trip.excludedDrivers.map { Names.driver($0) }, reason: reason, redispatchTime: now),
                occurredAt: now, on: connection, logger: logger)
        case .rated(let party, let stars, let comment):
            try await rate(trip: trip, party: party, stars: stars, comment: comment, on: connection, logger: logger)
        case .pinRejected:
            break
        }
    }

    private func rate(trip: Trip, party: Trip.Party, stars: Int, comment: String?, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        guard let driverID = trip.driverID else { return }
        let now = trip.updateTime
        let rater: String
        let ratee: String
        let subject: String
        if party == .passenger {
            rater = Names.user(trip.passengerID)
            ratee = Names.driver(driverID)
            subject = ratee
            try await connection.query(
                """
                INSERT INTO passenger.ratings (trip_id, passenger_id, driver_id, stars, comment, create_time)
                VALUES (\(trip.id), \(trip.passengerID), \(driverID), \(stars), \(comment), \(now.postgres))
                """, logger: logger)
        } else {
            rater = Names.driver(driverID)
            ratee = Names.user(trip.passengerID)
            subject = Names.passenger(trip.passengerID)
            try await connection.query(
                """
                INSERT INTO driver.ratings (trip_id, driver_id, passenger_id, stars, comment, create_time)
                VALUES (\(trip.id), \(driverID), \(trip.passengerID), \(stars), \(comment), \(now.postgres))
                """, logger: logger)
        }
        try await connection.query(
            """
            INSERT INTO platform.rating_summaries (subject, rating_count, star_total) VALUES (\(subject), 1, \(stars))
            ON CONFLICT (subject) DO UPDATE SET rating_count = platform.rating_summaries.rating_count + 1,
                star_total = platform.rating_summaries.star_total + EXCLUDED.star_total
            """, logger: logger)
        try await outbox.append(
            TripsV1.TripRated(trip: trip.name, rater: rater, ratee: ratee, stars: stars, rateTime: now), occurredAt: now,
            on: connection, logger: logger)
    }
}

/// Resource names as the API and events spell them.
enum Names {
    static func user(_ id: UUID) -> String { "users/\(id.uuidString.lowercased())" }
    static func passenger(_ id: UUID) -> String { "passengers/\(id.uuidString.lowercased())" }
    static func driver(_ id: UUID?) -> String { "drivers/\(id?.uuidString.lowercased() ?? "unknown")" }
    static func point(_ coordinate: Coordinate) -> GeoPoint { GeoPoint(latitude: coordinate.latitude, longitude: coordinate.longitude) }
    static func vehicle(_ vehicle: Trip.Vehicle) -> VehicleSnapshot {
        VehicleSnapshot(
            vehicle: vehicle.name, vehicleClass: vehicle.vehicleClass, make: vehicle.make, model: vehicle.model, color: vehicle.color,
            licensePlate: vehicle.licensePlate)
    }
}
