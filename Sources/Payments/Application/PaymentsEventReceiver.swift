import CurbsideCore
import Foundation
import IntegrationEvents
import Logging

/// The payments subscriber: trips' endings become captures, fees, releases and cash records.
///
/// No inbox is needed: every handler is idempotent by the payment's own state (an ended payment
/// ignores a second ending), and gateway work is keyed by operation.
struct PaymentsEventReceiver: EventReceiver {
    let service: PaymentService
    let logger: Logger

    func receive(_ envelope: EventEnvelope) async throws {
        var logger = logger
        logger[metadataKey: "event.id"] = "\(envelope.id)"
        logger[metadataKey: "event.type"] = "\(envelope.type)"
        if let event = try envelope.decode(as: TripsV1.TripCompleted.self) {
            try await service.tripCompleted(event, logger: logger)
        } else if let event = try envelope.decode(as: TripsV1.TripCancelled.self) {
            try await service.tripCancelled(event, logger: logger)
        } else if let event = try envelope.decode(as: TripsV1.TripNoDriverFound.self) {
            try await service.tripFoundNoDriver(event, logger: logger)
        } else {
            logger.debug("event ignored")
        }
    }
}
