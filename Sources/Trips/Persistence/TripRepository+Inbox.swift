import CurbsideCore
import Foundation
import Logging
import PostgresNIO

extension TripRepository {
    /// Applies an event from another service to a trip exactly once: the inbox record, the trip's
    /// change and the events it causes share one transaction. Returns whether the event was new
    /// (a redelivery does nothing).
    ///
    /// With `lockOnlyToChange`, for events that usually find their work already done (payments'
    /// outcome, which the request's own path applies first): the change is first worked out on the
    /// trip as last committed, without its lock, and the lock is taken only if there is something to
    /// change. A transaction that then writes nothing to the trip is as if it ran at the moment it
    /// read, so it need not wait for a writer holding the trip (the request still committing).
    public func receive(
        eventID: UUID, consumer: String, trip id: UUID, on database: Database, lockOnlyToChange: Bool = false, logger: Logger,
        _ change: @escaping @Sendable (inout Trip) throws -> [TripEvent]
    ) async throws -> Bool {
        let name = "trips/\(id.uuidString.lowercased())"
        do {
            return try await database.transaction(logger: logger) { connection in
                try await Inbox.process(consumer: consumer, eventID: eventID, on: connection, logger: logger) {
                    if lockOnlyToChange {
                        let rows = try await connection.query(
                            "SELECT \(unescaped: TripRecords.columns) FROM platform.trips WHERE id = \(id)", logger: logger)
                        guard var trip = try await TripRecords.trips(rows).first else { throw TripsError.notFound(name) }
                        let committed = trip
                        if try change(&trip).isEmpty && trip == committed { return }
                    }
                    _ = try await apply(id, name: name, on: connection, logger: logger, change)
                }
            }
        } catch let error as PSQLError {
            throw Self.translate(error, trip: nil)
        }
    }
}
