import CurbsideCore
import Foundation
import IntegrationEvents
import Logging

/// The dispatch subscriber: applies each event once, in the same transaction as its effect.
struct DispatchEventReceiver: EventReceiver {
    let database: Database
    let jobs: TripJobs
    let availability: AvailabilityService
    let clock: DispatchClock
    let logger: Logger

    func receive(_ envelope: EventEnvelope) async throws {
        try await database.transaction(logger: logger) { connection in
            try await Inbox.process(consumer: EventRouting.dispatch, eventID: envelope.id, on: connection, logger: logger) {
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
    }
}
