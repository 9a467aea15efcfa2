import CurbsideCore
import Foundation
import IntegrationEvents
import Logging

/// The notifications subscriber: turns each event into its users' notifications (``NotificationRules``)
/// through the ``Notifier``, once per event (the inbox of processed events and the table's
/// uniqueness are written in the same transaction). A batch from a relay is applied in one
/// transaction; if that fails, event by event, so one bad event holds up only its own aggregate.
/// The ``PushWorker`` picks the pushes up at its next poll; live subscribers hear of it at commit.
struct NotificationsEventReceiver: EventReceiver {
    let notifier: Notifier
    let database: Database
    let clock: NotificationsClock
    let logger: Logger

    func receive(_ envelope: EventEnvelope) async throws {
        try await apply([envelope])
    }

    func receive(batch: [EventEnvelope]) async -> [UUID: any Error] {
        do {
            try await apply(batch)
            return [:]
        } catch {
            logger.notice(
                "event batch failed as a whole; applying its events one by one",
                metadata: ["error.message": "\(String(reflecting: error))", "events": "\(batch.count)"])
            return await EventBatch.failures(of: batch) { try await apply([$0]) }
        }
    }

    private func apply(_ envelopes: [EventEnvelope]) async throws {
        let drafted = try envelopes.map { ($0.id, try NotificationRules.drafts(for: $0)) }.filter { !$0.1.isEmpty }
        guard !drafted.isEmpty else { return }
        let now = clock.now()
        try await database.transaction(logger: logger) { connection in
            let fresh = try await Inbox.claim(
                consumer: EventRouting.notifications, eventIDs: drafted.map(\.0), on: connection, logger: logger)
            let drafts = drafted.filter { fresh.contains($0.0) }.flatMap { eventID, drafts in drafts.map { ($0, eventID) } }
            try await notifier.notify(drafts, now: now, on: connection, logger: logger)
        }
    }
}
