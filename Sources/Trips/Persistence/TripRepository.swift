import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// Trips in `platform.trips`. Every change goes through ``update(_:on:writer:idempotency:logger:_:)``:
/// one transaction that locks the row, applies the aggregate's transition, saves it and writes the
/// integration events it caused into the outbox.
///
/// Callers choose the ``Database`` (role) that serves their audience; ratings are written into the
/// rater's own schema, which only that role can reach.
public struct TripRepository: Sendable {
    let outbox: OutboxWriter
    let publisher: TripEventPublisher

    public init(outbox: OutboxWriter) {
        self.outbox = outbox
        publisher = TripEventPublisher(outbox: outbox)
    }

    /// An AIP-155 request id guarding one change.
    public struct Idempotency: Sendable {
        public var scope: String
        public var requestID: UUID
        public var requestHash: String
    }

    /// The trip after a change, and what the change did. `pinRejected` also survives a replay.
    public struct Outcome: Sendable {
        public var trip: Trip
        public var pinRejected: Int?
    }

    /// Stores a new trip once per request id; returns the id of the trip the request created (an
    /// earlier one when the request is a retry).
    public func insert(_ trip: Trip, requestID: UUID?, requestHash: String, on database: Database, logger: Logger) async throws -> UUID {
        do {
            return try await database.transaction(writer: trip.passengerID, logger: logger) { connection in
                try await IdempotencyKeys.createOnce(
                    scope: "trips.createTrip/\(trip.passengerID.uuidString.lowercased())", requestID: requestID,
                    requestHash: requestHash, id: trip.id, on: connection, logger: logger
                ) {
                    try await connection.query(
                        """
                        INSERT INTO platform.trips (id, passenger_id, quote_id, quote, city_id, vehicle_class, payment_method, state,
                            excluded_drivers, pin_attempts, create_time, update_time, version)
                        VALUES (\(trip.id), \(trip.passengerID), \(trip.quote.id), \(try TripRecords.encode(trip.quote))::jsonb,
                            \(trip.quote.cityID), \(trip.quote.vehicleClass.rawValue), \(trip.paymentMethod), \(trip.state.rawValue),
                            \(trip.excludedDrivers), \(trip.pinAttempts), \(trip.createTime.postgres), \(trip.updateTime.postgres),
                            \(trip.version))
                        """, logger: logger)
                }
            }
        } catch let error as PSQLError {
            throw Self.translate(error, trip: trip)
        }
    }

    public func trip(_ id: UUID, on database: Database, reader: UUID?, logger: Logger) async throws -> Trip? {
        try await database.read(reader: reader, logger: logger) { client in
            try await TripRecords.trips(
                try await client.query("SELECT \(unescaped: TripRecords.columns) FROM platform.trips WHERE id = \(id)", logger: logger)
            ).first
        }
    }

    /// Locks the trip, applies `change`, saves the trip and its events in one transaction. Throws
    /// `TripsError.notFound` when there is no such trip. With `idempotency`, a repeated request
    /// has no second effect and receives the trip as it is now.
    public func update(
        _ id: UUID, on database: Database, writer: UUID?, idempotency: Idempotency?, logger: Logger,
        _ change: @escaping @Sendable (inout Trip) throws -> [TripEvent]
    ) async throws -> Outcome {
        let name = "trips/\(id.uuidString.lowercased())"
        do {
            return try await database.transaction(writer: writer, logger: logger) { connection in
                guard let idempotency else {
                    return try await apply(id, name: name, on: connection, logger: logger, change)
                }
                var applied: Outcome?
                let stored = try await IdempotencyKeys.once(
                    scope: idempotency.scope, requestID: idempotency.requestID, requestHash: idempotency.requestHash,
                    on: connection, logger: logger
                ) {
                    let outcome = try await apply(id, name: name, on: connection, logger: logger, change)
                    applied = outcome
                    return Array((outcome.pinRejected.map { "pin:\($0)" } ?? "ok").utf8)
                }
                if let applied { return applied }
                let trip = try await load(id, name: name, locking: false, on: connection, logger: logger)
                let text = String(decoding: stored, as: UTF8.self)
                return Outcome(trip: trip, pinRejected: text.hasPrefix("pin:") ? Int(text.dropFirst(4)) : nil)
            }
        } catch let error as PSQLError {
            throw Self.translate(error, trip: nil)
        }
    }

    /// Applies `change` to the trip under its lock and saves the trip and its events. With
    /// `lockOnlyToChange`, the change is first worked out on the trip as last committed, and the lock
    /// is taken only if there is something to change: a transaction that writes nothing to the trip
    /// is as if it ran when it read, so it need not wait for a writer holding the trip.
    func apply(
        _ id: UUID, name: String, on connection: PostgresConnection, lockOnlyToChange: Bool = false, logger: Logger,
        _ change: @Sendable (inout Trip) throws -> [TripEvent]
    ) async throws -> Outcome {
        if lockOnlyToChange {
            var trip = try await load(id, name: name, locking: false, on: connection, logger: logger)
            let committed = trip
            if try change(&trip).isEmpty && trip == committed { return Outcome(trip: committed, pinRejected: nil) }
        }
        var trip = try await load(id, name: name, locking: true, on: connection, logger: logger)
        let unchanged = trip
        let events = try change(&trip)
        // Nothing to write (a retry, an event whose work was done): a new row version with the same
        // values would cost the write, its WAL and its index entries for nothing.
        if events.isEmpty && trip == unchanged { return Outcome(trip: trip, pinRejected: nil) }
        try await save(trip, on: connection, logger: logger)
        var pinRejected: Int?
        for event in events {
            if case .pinRejected(let remaining) = event { pinRejected = remaining }
            try await publisher.publish(event, trip: trip, on: connection, logger: logger)
        }
        return Outcome(trip: trip, pinRejected: pinRejected)
    }

    /// The trip as the connection sees it, locked for update when `locking`; `TripsError.notFound` without it.
    private func load(_ id: UUID, name: String, locking: Bool, on connection: PostgresConnection, logger: Logger) async throws -> Trip {
        let rows = try await connection.query(
            "SELECT \(unescaped: TripRecords.columns) FROM platform.trips WHERE id = \(id) \(unescaped: locking ? "FOR UPDATE" : "")",
            logger: logger)
        guard let trip = try await TripRecords.trips(rows).first else { throw TripsError.notFound(name) }
        return trip
    }

    private func save(_ trip: Trip, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE platform.trips SET state = \(trip.state.rawValue), driver_id = \(trip.driverID),
                vehicle = \(try TripRecords.encodeOptional(trip.vehicle))::jsonb, pickup_eta_seconds = \(trip.pickupEtaSeconds),
                excluded_drivers = \(trip.excludedDrivers), pin_attempts = \(trip.pinAttempts),
                cancellation = \(try TripRecords.encodeOptional(trip.cancellation))::jsonb,
                receipt = \(try TripRecords.encodeOptional(trip.receipt))::jsonb, update_time = \(trip.updateTime.postgres),
                assign_time = \(trip.assignTime?.postgres), arrive_time = \(trip.arriveTime?.postgres),
                start_time = \(trip.startTime?.postgres), end_time = \(trip.endTime?.postgres),
                passenger_rate_time = \(trip.passengerRateTime?.postgres), driver_rate_time = \(trip.driverRateTime?.postgres),
                version = \(trip.version)
            WHERE id = \(trip.id)
            """, logger: logger)
    }

    /// Unique violations are the database enforcing a rule: one active trip per passenger and
    /// driver, one trip per quote.
    static func translate(_ error: PSQLError, trip: Trip?) -> any Error {
        guard error.serverInfo?[.sqlState] == "23505", let constraint = error.serverInfo?[.constraintName] else { return error }
        switch constraint {
        case "trips_one_active_per_passenger": return TripsError.activeTripExists(nil)
        case "trips_one_active_per_driver": return TripsError.activeTripExists(nil)
        case "trips_quote_id_key": return TripsError.quoteAlreadyUsed
        default: return error
        }
    }
}
