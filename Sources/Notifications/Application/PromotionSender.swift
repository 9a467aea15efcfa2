import CurbsideCore
import Foundation
import Logging
import ServiceLifecycle

/// Sends promotions in every instance, a chunk of recipients per transaction: the promotion row is
/// locked (`SKIP LOCKED`, so another instance takes another promotion or waits its turn), the next
/// recipients after its cursor are notified through the ``Notifier``, and the cursor moves, all
/// or nothing; an instance that stops midway leaves the promotion for any other to resume, and a
/// recipient is notified once (the promotion's id is the notification's event).
public final class PromotionSender: Service, Sendable {
    let promotions: PromotionStore
    let notifier: Notifier
    let database: Database
    let clock: NotificationsClock
    let chunkSize: Int
    let pollInterval: Duration
    let logger: Logger

    init(
        promotions: PromotionStore, notifier: Notifier, database: Database, clock: NotificationsClock, chunkSize: Int,
        pollInterval: Duration, logger: Logger
    ) {
        self.promotions = promotions
        self.notifier = notifier
        self.database = database
        self.clock = clock
        self.chunkSize = chunkSize
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        await PeriodicWork.run(every: pollInterval, failure: "sending promotions failed", logger: logger) {
            try await self.pass()
        }
    }

    /// Sends one chunk of the oldest promotion no other instance holds; returns whether it did.
    @discardableResult
    func pass() async throws -> Bool {
        let now = clock.now()
        return try await database.transaction(logger: logger) { connection in
            guard let (promotion, cursor) = try await promotions.claimSending(on: connection, logger: logger) else { return false }
            let recipients = try await promotions.recipients(
                of: promotion, after: cursor, limit: chunkSize, on: connection, logger: logger)
            let drafts = recipients.map { user in
                (
                    draft: NotificationDraft(
                        recipient: user, kind: "promotion", category: .promotions, data: ["promotion": promotion.name],
                        push: PushPolicy(priority: .normal, timeToLive: .seconds(86_400), collapseKey: promotion.name), inbox: true,
                        texts: promotion.texts),
                    eventID: promotion.id
                )
            }
            let sent = try await notifier.notify(drafts, now: now, on: connection, logger: logger)
            try await promotions.advance(
                promotion, to: recipients.last, recipients: recipients.count, sent: sent.count, finished: recipients.count < chunkSize,
                now: now, on: connection, logger: logger)
            return true
        }
    }
}
