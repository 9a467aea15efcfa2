import CurbsideCore
import Foundation
import IntegrationEvents
import Logging

/// The notifications subscriber: turns each event into its users' notifications (``NotificationRules``),
/// rendered in each user's language, with the pushes they owe, all once per event (the inbox of
/// processed events and the table's uniqueness are written in the same transaction). The
/// ``PushWorker`` picks the pushes up at its next poll; live subscribers hear of it at commit.
struct NotificationsEventReceiver: EventReceiver {
    let notifications: NotificationStore
    let devices: DeviceStore
    let preferences: PreferenceStore
    let database: Database
    let clock: NotificationsClock
    let logger: Logger

    func receive(_ envelope: EventEnvelope) async throws {
        let drafts = try NotificationRules.drafts(for: envelope)
        guard !drafts.isEmpty else { return }
        let now = clock.now()
        try await database.transaction(logger: logger) { connection in
            try await Inbox.process(consumer: EventRouting.notifications, eventID: envelope.id, on: connection, logger: logger) {
                for draft in drafts {
                    guard try await preferences.enabled(draft.category, user: draft.recipient, on: connection, logger: logger) else {
                        continue
                    }
                    let userDevices = try await devices.devices(of: draft.recipient, on: connection, logger: logger)
                    // The language of the device the user registered last.
                    let locale = userDevices.max { $0.updateTime < $1.updateTime }?.locale ?? "en"
                    let text = Templates.render(draft.kind, locale: locale, values: draft.values)
                    if let recorded = try await notifications.record(
                        draft, title: text.title, body: text.body, eventID: envelope.id, devices: userDevices, now: now,
                        on: connection, logger: logger)
                    {
                        try await StreamHub.announce(recorded, on: connection, logger: logger)
                    }
                }
            }
        }
    }
}
