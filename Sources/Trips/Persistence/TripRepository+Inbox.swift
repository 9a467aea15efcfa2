import CurbsideCore
import Foundation
import Logging
import PostgresNIO

extension TripRepository {
    /// Applies an event from another service to a trip exactly once: the inbox record, the trip's
    /// change and the events it causes share one transaction. Returns whether the event was new
    /// (a redelivery does nothing). `lockOnlyToChange` is for events that usually find their work
    /// already done (payments' outcome, which the request's own path applies first): see `apply`.
    public func receive(
        eventID: UUID, consumer: String, trip id: UUID, on database: Database, lockOnlyToChange: Bool = false, logger: Logger,
        _ change: @escaping @Sendable (inout Trip) throws -> [TripEvent]
    ) async throws -> Bool {
        do {
            return try await database.transaction(logger: logger) { connection in
                try await Inbox.process(consumer: consumer, eventID: eventID, on: connection, logger: logger) {
                    _ = try await apply(
                        id, name: "trips/\(id.uuidString.lowercased())", on: connection, lockOnlyToChange: lockOnlyToChange, logger: logger,
                        change)
                }
            }
        } catch let error as PSQLError {
            throw Self.translate(error, trip: nil)
        }
    }
}
