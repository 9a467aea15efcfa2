import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Turns drafts into users' notifications inside the caller's transaction: leaves out optional
/// ones a user turned off, words each in the language of the device the user registered last,
/// records them with their pushes, and announces them to the live channel at commit. The event
/// receiver and promotions both go through it, a whole batch at a time.
struct Notifier: Sendable {
    let recorder: NotificationRecorder
    let devices: DeviceStore
    let preferences: PreferenceStore

    /// Records `drafts` (each with the event or promotion it is about), in order; returns what was
    /// recorded (not what a user already had or opted out of).
    @discardableResult
    func notify(
        _ drafts: [(draft: NotificationDraft, eventID: UUID)], now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [StoredNotification] {
        guard !drafts.isEmpty else { return [] }
        var optedOut: [NotificationCategory: Set<UUID>] = [:]
        for category in Set(drafts.map(\.draft.category)) where !category.isTransactional {
            let users = Array(Set(drafts.filter { $0.draft.category == category }.map(\.draft.recipient)))
            optedOut[category] = try await preferences.optedOut(of: category, users: users, on: connection, logger: logger)
        }
        let wanted = drafts.filter { optedOut[$0.draft.category]?.contains($0.draft.recipient) != true }
        let userDevices = try await devices.devices(of: Array(Set(wanted.map(\.draft.recipient))), on: connection, logger: logger)
        let items = wanted.map { draft, eventID in
            let devices = userDevices[draft.recipient] ?? []
            let locale = devices.max { $0.updateTime < $1.updateTime }?.locale ?? "en"
            let text =
                draft.texts.map { Templates.choose(from: $0, locale: locale) }
                ?? Templates.render(draft.kind, locale: locale, values: draft.values)
            return NotificationRecorder.Item(draft: draft, title: text.title, body: text.body, eventID: eventID, devices: devices)
        }
        let recorded = try await recorder.record(items, now: now, on: connection, logger: logger)
        try await StreamHub.announce(recorded, on: connection, logger: logger)
        return recorded
    }
}
