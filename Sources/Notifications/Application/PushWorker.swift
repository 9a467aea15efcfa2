import CurbsideCore
import Foundation
import Logging
import ServiceLifecycle

/// Sends the pushes notifications owe, in every instance: claims due deliveries, sends them through
/// the ``PushSender`` (which bounds its own concurrency), and records what FCM said: sent; the
/// token gone (the registration is deleted); refused for good; or to be tried again later.
public final class PushWorker: Service, Sendable {
    let queue: PushQueue
    let devices: DeviceStore
    let sender: any PushSender
    let database: Database
    let clock: NotificationsClock
    let settings: NotificationsSettings
    let logger: Logger

    init(
        queue: PushQueue, devices: DeviceStore, sender: any PushSender, database: Database, clock: NotificationsClock,
        settings: NotificationsSettings, logger: Logger
    ) {
        self.queue = queue
        self.devices = devices
        self.sender = sender
        self.database = database
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        await PeriodicWork.run(every: settings.pushPollInterval, failure: "sending pushes failed", logger: logger) {
            try await self.pass() == self.settings.pushBatchSize
        }
    }

    /// One round: claims due pushes and sends them concurrently. Returns how many were claimed.
    @discardableResult
    func pass() async throws -> Int {
        let now = clock.now()
        let jobs = try await queue.claim(
            limit: settings.pushBatchSize, now: now, lease: settings.pushLease, on: database, logger: logger)
        await withTaskGroup(of: Void.self) { group in
            for job in jobs {
                group.addTask { await self.send(job) }
            }
        }
        return jobs.count
    }

    private func send(_ job: PushQueue.Job) async {
        let result = await sender.send(job.message, attempt: job.attempts)
        let now = clock.now()
        do {
            switch result {
            case .sent(let messageID):
                try await queue.complete(job, .sent(messageID: messageID), now: now, on: database, logger: logger)
            case .tokenGone(let reason):
                logger.info("push token gone; registration removed", metadata: ["reason": "\(reason)"])
                try await devices.removeToken(job.message.token, on: database, logger: logger)
            case .rejected(let reason):
                logger.warning("push refused", metadata: ["reason": "\(reason)"])
                try await queue.complete(job, .failed(reason), now: now, on: database, logger: logger)
            case .retry(let delay, let reason):
                if job.attempts + 1 >= settings.pushMaxAttempts {
                    try await queue.complete(
                        job, .failed("gave up after \(job.attempts + 1) attempts: \(reason)"), now: now, on: database, logger: logger)
                } else {
                    let wait = TimeInterval(delay.components.seconds) + TimeInterval(delay.components.attoseconds) / 1e18
                    try await queue.complete(job, .retry(at: now.addingTimeInterval(wait), reason: reason), now: now, on: database, logger: logger)
                }
            }
        } catch {
            // The lease runs out and another pass takes the push again.
            logger.warning("recording a push failed", metadata: ["error.message": "\(String(reflecting: error))"])
        }
    }
}
