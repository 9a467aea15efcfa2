import CurbsideCore
import Foundation
import IntegrationEvents
import Logging

/// What payments does when a trip ends, as trips' events tell it. Each is safe to receive twice
/// (or on two instances at once): a payment that already ended is left as it is, and operations
/// already recorded are asked again with the same idempotency key.
extension PaymentService {
    /// Captures the final fare (card) or records the cash collected.
    func tripCompleted(_ event: TripsV1.TripCompleted, logger: Logger) async throws {
        guard let tripID = Self.id(event.trip, "trips"), let driver = Self.id(event.driver, "drivers") else {
            return logger.warning("trip event names no trip or driver", metadata: ["trip": "\(event.trip)"])
        }
        let now = clock.now()
        let lease = settings.operationLease
        try await end(tripID, currencyCode: event.fare.currencyCode, logger: logger) { payment, commission in
            try payment.complete(driver: driver, fare: event.fare.minorUnits, commission: commission, now: now, lease: lease)
        }
    }

    /// Captures the cancellation fee from the hold, or releases it.
    func tripCancelled(_ event: TripsV1.TripCancelled, logger: Logger) async throws {
        guard let tripID = Self.id(event.trip, "trips") else { return logger.warning("trip event names no trip") }
        let driver = event.driver.flatMap { Self.id($0, "drivers") }
        let fee = event.cancellationFee?.minorUnits ?? 0
        let now = clock.now()
        let lease = settings.operationLease
        try await end(tripID, currencyCode: event.cancellationFee?.currencyCode, logger: logger) { payment, commission in
            try payment.cancel(fee: fee, driver: driver, commission: commission, now: now, lease: lease)
        }
    }

    /// Releases the hold.
    func tripFoundNoDriver(_ event: TripsV1.TripNoDriverFound, logger: Logger) async throws {
        guard let tripID = Self.id(event.trip, "trips") else { return logger.warning("trip event names no trip") }
        let now = clock.now()
        let lease = settings.operationLease
        try await end(tripID, currencyCode: nil, logger: logger) { payment, commission in
            try payment.cancel(fee: 0, driver: nil, commission: commission, now: now, lease: lease)
        }
    }

    private func end(
        _ tripID: UUID, currencyCode: String?, logger: Logger,
        _ change: @escaping @Sendable (inout Payment, Commission) throws -> [JournalEntry]
    ) async throws {
        let found = try await databases.platform.transaction(logger: logger) { connection -> Payment? in
            guard let current = try await payments.load(tripID, lock: false, on: connection, logger: logger) else { return nil }
            if let currencyCode, currencyCode != current.currencyCode {
                logger.error(
                    "trip event in another currency than its payment; not applied",
                    metadata: ["payment": "\(current.name)", "currency": "\(currencyCode)"])
                return nil
            }
            let commission = try await rates.commission(
                city: current.cityID, vehicleClass: current.vehicleClass, on: connection, logger: logger)
            return try await payments.update(tripID, on: connection, logger: logger) { try change(&$0, commission) }
        }
        guard let found else {
            // A trip requested before payments knew it (or never authorized): nothing to collect here.
            return logger.warning("trip event for a trip without a payment", metadata: ["trip": "trips/\(tripID.uuidString.lowercased())"])
        }
        try await runner.settle(found, logger: logger)
    }

    static func id(_ name: String, _ collection: String) -> UUID? { PathIDs.id(in: name, collection: collection) }
}
