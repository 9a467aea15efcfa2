import CurbsideCore
import Foundation
import IntegrationEvents
import Logging

/// The trips subscriber: applies dispatch's and payments' outcomes to trips, each event once.
///
/// - `dispatch.v1.DriverAssigned`: DISPATCHING → DRIVER_ASSIGNED. When the trip has moved on (the
///   passenger cancelled, or it was already assigned), the event is acknowledged and ignored:
///   dispatch learns of the cancel from `trips.v1.TripCancelled`.
/// - `dispatch.v1.NoDriverFound`: DISPATCHING → NO_DRIVER_FOUND, likewise ignored otherwise.
/// - `payments.v1.PaymentAuthorized`: REQUESTED → DISPATCHING (a hold whose answer came late).
/// - `payments.v1.PaymentDeclined`: REQUESTED → CANCELLED by the system (`PAYMENT_DECLINED`).
/// - anything else is acknowledged and ignored.
public struct DispatchEventsReceiver: EventReceiver {
    let trips: TripRepository
    let database: Database
    let clock: TripsClock
    let logger: Logger

    /// The subscriber name events are recorded under in the inbox.
    static let consumer = EventRouting.trips

    public func receive(_ envelope: EventEnvelope) async throws {
        var logger = logger
        logger[metadataKey: "event.id"] = "\(envelope.id)"
        logger[metadataKey: "event.type"] = "\(envelope.type)"
        if let event = try envelope.decode(as: DispatchV1.DriverAssigned.self) {
            guard let id = Self.tripID(event.trip) else { return logger.warning("event names no trip") }
            let driverName = event.driver
            guard let driver = Self.id(in: driverName, collection: "drivers") else { return logger.warning("event names no driver") }
            let vehicle = event.vehicle.map {
                Trip.Vehicle(
                    name: $0.vehicle, vehicleClass: $0.vehicleClass, make: $0.make, model: $0.model, color: $0.color,
                    licensePlate: $0.licensePlate)
            }
            let eta = event.pickupEtaSeconds
            let now = clock.now()
            let log = logger
            try await apply(envelope.id, trip: id) { trip in
                do {
                    return try trip.assign(driver: driver, vehicle: vehicle, pickupEtaSeconds: eta, now: now)
                } catch {
                    log.info("assignment ignored", metadata: ["trip": "\(trip.name)", "state": "\(trip.state.rawValue)"])
                    return []
                }
            }
        } else if let event = try envelope.decode(as: DispatchV1.NoDriverFound.self) {
            guard let id = Self.tripID(event.trip) else { return logger.warning("event names no trip") }
            let now = clock.now()
            let log = logger
            try await apply(envelope.id, trip: id) { trip in
                do {
                    return try trip.noDriverFound(now: now)
                } catch {
                    log.info("no-driver outcome ignored", metadata: ["trip": "\(trip.name)", "state": "\(trip.state.rawValue)"])
                    return []
                }
            }
        } else if let event = try envelope.decode(as: PaymentsV1.PaymentAuthorized.self) {
            guard let id = Self.tripID(event.trip) else { return logger.warning("event names no trip") }
            let now = clock.now()
            // The request's own path usually dispatched the trip already (it saw the hold succeed).
            try await apply(envelope.id, trip: id, lockOnlyToChange: true) { trip in
                trip.state == .requested ? try trip.startDispatching(now: now) : []
            }
        } else if let event = try envelope.decode(as: PaymentsV1.PaymentDeclined.self) {
            guard let id = Self.tripID(event.trip) else { return logger.warning("event names no trip") }
            let now = clock.now()
            try await apply(envelope.id, trip: id, lockOnlyToChange: true) { trip in
                trip.state == .requested
                    ? try trip.cancel(by: .init(party: .system, userID: nil), reason: TripService.paymentDeclined, gracePeriod: 0, now: now)
                    : []
            }
        } else {
            logger.debug("event ignored")
        }
    }

    private func apply(
        _ eventID: UUID, trip id: UUID, lockOnlyToChange: Bool = false, _ change: @escaping @Sendable (inout Trip) throws -> [TripEvent]
    ) async throws {
        do {
            _ = try await trips.receive(
                eventID: eventID, consumer: Self.consumer, trip: id, on: database, lockOnlyToChange: lockOnlyToChange, logger: logger,
                change)
        } catch TripsError.notFound(let name) {
            // Not a trip of ours (or never committed): nothing to apply, and retrying cannot help.
            logger.warning("event for an unknown trip", metadata: ["trip": "\(name)"])
        }
    }

    static func tripID(_ name: String) -> UUID? { id(in: name, collection: "trips") }

    /// The UUID in `collection/{uuid}`.
    static func id(in name: String, collection: String) -> UUID? { PathIDs.id(in: name, collection: collection) }
}
