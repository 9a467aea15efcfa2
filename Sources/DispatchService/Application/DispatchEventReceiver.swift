import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// The dispatch subscriber: applies each event once, in the same transaction as its effect (a
/// trip's events of one delivery batch in one transaction).
struct DispatchEventReceiver: InboxEventReceiver {
    let database: Database
    let jobs: TripJobs
    let availability: AvailabilityService
    let clock: DispatchClock
    let logger: Logger

    var consumer: String { EventRouting.dispatch }
    var inboxClient: PostgresClient { database.primary }

    func apply(_ envelope: EventEnvelope, on connection: PostgresConnection) async throws {
        let now = clock.now()
        if let event = try envelope.decode(as: TripsV1.TripRequested.self) {
            try await jobs.requested(event, now: now, on: connection, logger: logger)
        } else if let event = try envelope.decode(as: TripsV1.TripRedispatched.self) {
            try await jobs.redispatched(event, now: now, on: connection, logger: logger)
        } else if let event = try envelope.decode(as: TripsV1.TripCancelled.self) {
            try await jobs.cancelled(event, now: now, on: connection, logger: logger)
        } else if let event = try envelope.decode(as: TripsV1.TripCompleted.self) {
            try await jobs.completed(event, now: now, on: connection, logger: logger)
        } else if let event = try envelope.decode(as: UsersV1.DriverSuspended.self) {
            if let driver = Names.id(event.driver, collection: "drivers") {
                try await availability.takeOffline(driver, refuseOnTrip: false, now: now, on: connection, logger: logger)
            }
        }
    }
}
