import Foundation
import IntegrationEvents
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Delivers a service's outbox to its subscribers: at least once, in order per aggregate, with any
/// number of relays running against the same database.
///
/// A relay leases a batch of due deliveries (for each aggregate with a backlog, a run of its next
/// events in order), sends them to each subscriber in chunks (one exchange per chunk, chunks
/// concurrently; an aggregate's run never spans two chunks), then records the outcome. A relay
/// that dies mid-batch loses nothing: its leases expire and another relay sends again, and the
/// subscriber's inbox makes the repeat harmless. Failures back off exponentially with jitter; the
/// events behind a failed one in its run go back unattempted; after `maxAttempts` a delivery is
/// parked, which holds back later events of the same aggregate only.
public struct OutboxRelay: Service {
    /// The notification channel writers signal on commit, so relays wake at once instead of on the next poll.
    public static let channel = "curbside_outbox"

    public struct Configuration: Sendable {
        public var subscribers: [String]
        /// Subscribers whose backlog this relay reports on `/metrics` (its own and, e.g., the analytics export).
        public var observedSubscribers: [String] = []
        /// The publishing service, a metrics dimension.
        public var publisher = "unknown"
        /// The most deliveries one pass leases.
        public var batchSize: Int
        /// The most events sent to a subscriber in one exchange (one HTTP request for a remote subscriber).
        public var deliveryBatchSize: Int
        /// The most consecutive events of one aggregate in one pass (at most `deliveryBatchSize`): a
        /// backlog on one aggregate drains in runs rather than one event per pass.
        public var eventsPerAggregate: Int
        public var lease: Duration
        public var pollInterval: Duration
        public var maxAttempts: Int
        public var baseBackoff: Duration
        public var maxBackoff: Duration
        /// Passes in flight at once. While one pass waits on its subscribers, another leases what
        /// was written meanwhile, so an event committed just after a claim does not wait a whole
        /// exchange before its own begins. Order per aggregate holds as between two relays: a leased
        /// event holds the rest of its aggregate back.
        public var lanes: Int

        public init(
            subscribers: [String], batchSize: Int = 500, deliveryBatchSize: Int = 100, eventsPerAggregate: Int = 50,
            lease: Duration = .seconds(30), pollInterval: Duration = .milliseconds(200),
            maxAttempts: Int = 10, baseBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(300),
            lanes: Int = 2
        ) {
            self.lanes = max(1, lanes)
            self.subscribers = subscribers
            self.batchSize = max(1, batchSize)
            self.deliveryBatchSize = max(1, deliveryBatchSize)
            self.eventsPerAggregate = min(max(1, eventsPerAggregate), self.deliveryBatchSize)
            self.lease = lease
            self.pollInterval = pollInterval
            self.maxAttempts = maxAttempts
            self.baseBackoff = baseBackoff
            self.maxBackoff = maxBackoff
        }
    }

    /// Points at which a test can make the relay stop as if the process died there.
    public struct CrashPoints: Sendable {
        public var afterClaim: @Sendable () -> Bool = { false }
        public var afterSend: @Sendable () -> Bool = { false }
        public init() {}
    }

    let store: DeliveryStore
    let transport: any EventTransport
    let configuration: Configuration
    let owner = UUID()
    let logger: Logger
    let crashPoints: CrashPoints
    let notifications: OutboxNotifications?

    public init(
        store: DeliveryStore, transport: any EventTransport, configuration: Configuration, logger: Logger,
        notifications: OutboxNotifications? = nil, crashPoints: CrashPoints = CrashPoints()
    ) {
        self.notifications = notifications
        self.store = store
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
        self.crashPoints = crashPoints
    }

    public func run() async throws {
        guard !configuration.subscribers.isEmpty || !configuration.observedSubscribers.isEmpty else {
            try await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            // A lane that reaches a crash point throws, which stops the other lanes too, as the
            // death of the process would.
            try? await withThrowingDiscardingTaskGroup { group in
                for lane in 0..<configuration.lanes {
                    group.addTask { try await passes(reportingBacklog: lane == 0) }
                }
            }
        }
    }

    /// One lane: passes one after another until cancelled.
    private func passes(reportingBacklog: Bool) async throws {
        // What the lane is doing, named in the log when a pass is abandoned.
        let step = RelayStep()
        var lastReport = ContinuousClock.now - .seconds(3600)
        while !Task.isCancelled {
            if reportingBacklog && ContinuousClock.now - lastReport > .seconds(5) {
                step.set("reporting the backlog")
                _ = try? await abandon(after: .seconds(10)) { await reportBacklog() }
                lastReport = .now
            }
            let sent: Int
            do {
                // A pass longer than its lease is pointless (its deliveries go to another relay)
                // and one that never returns must not stop delivery or the shutdown.
                sent = try await abandon(after: configuration.lease) { try await runOnce(step: step) }
            } catch let crash as RelayCrash {
                throw crash
            } catch let error as WorkAbandoned {
                let (what, since) = step.current
                logger.error(
                    "outbox relay pass abandoned; its deliveries are retried when their lease expires",
                    metadata: [
                        "error.message": "\(error)", "relay.step": "\(what)",
                        "relay.step_seconds": "\((ContinuousClock.now - since).inSeconds)",
                    ])
                sent = 0
            } catch {
                // Shutdown interrupting a pass is not a failure worth waking anyone for.
                if Task.isCancelled { return }
                logger.warning("outbox relay pass failed", metadata: ["error.message": "\(String(reflecting: error))"])
                sent = 0
            }
            // A full batch means more is waiting: go again at once.
            if sent < configuration.batchSize {
                step.set("waiting for new events")
                if let notifications {
                    await notifications.wait(upTo: configuration.pollInterval)
                } else {
                    try? await Task.sleep(for: configuration.pollInterval)
                }
            }
        }
    }

    /// Publishes each observed subscriber's oldest undelivered age and parked count as gauges.
    public func reportBacklog() async {
        let subscribers = Array(Set(configuration.subscribers + configuration.observedSubscribers)).sorted()
        guard !subscribers.isEmpty, let backlog = try? await store.backlog(subscribers: subscribers, logger: logger) else { return }
        for (subscriber, state) in backlog {
            let dimensions = [("publisher", configuration.publisher), ("subscriber", subscriber)]
            Gauge(label: "curbside_events_oldest_undelivered_seconds", dimensions: dimensions).record(state.oldestAge)
            Gauge(label: "curbside_events_parked", dimensions: dimensions).record(state.parked)
        }
    }

    /// One pass: claim, send, record. Returns how many deliveries were attempted.
    @discardableResult
    public func runOnce() async throws -> Int {
        try await runOnce(step: RelayStep())
    }

    private func runOnce(step: RelayStep) async throws -> Int {
        let started = ContinuousClock.now
        step.set("claiming deliveries")
        let claims = try await store.claim(
            subscribers: configuration.subscribers, owner: owner, lease: configuration.lease, limit: configuration.batchSize,
            perAggregate: configuration.eventsPerAggregate, logger: logger)
        guard !claims.isEmpty else { return 0 }
        let claimed = ContinuousClock.now
        if crashPoints.afterClaim() { throw RelayCrash() }
        let chunks = Self.chunks(of: claims, size: configuration.deliveryBatchSize)
        step.set("sending \(claims.count) deliveries to \(Set(claims.map(\.subscriber)).sorted().joined(separator: ", "))")
        let delivered = try await withThrowingTaskGroup(of: [DeliveryStore.Claim].self) { group in
            for chunk in chunks {
                group.addTask { try await deliver(chunk) }
            }
            return try await group.reduce(into: [DeliveryStore.Claim]()) { $0 += $1 }
        }
        if crashPoints.afterSend() { throw RelayCrash() }
        let sent = ContinuousClock.now
        // One statement per subscriber records the whole batch's successes.
        step.set("recording deliveries")
        for (subscriber, done) in Dictionary(grouping: delivered, by: \.subscriber) {
            try await store.markDelivered(subscriber: subscriber, eventIDs: done.map(\.envelope.id), owner: owner, logger: logger)
            Counter(label: "curbside_events_delivered_total", dimensions: [("publisher", configuration.publisher), ("subscriber", subscriber)])
                .increment(by: done.count)
        }
        logger.debug(
            "relay pass",
            metadata: [
                "events": "\(claims.count)", "exchanges": "\(chunks.count)", "claim_ms": "\((claimed - started).inMilliseconds)",
                "send_ms": "\((sent - claimed).inMilliseconds)", "record_ms": "\((ContinuousClock.now - sent).inMilliseconds)",
            ])
        return claims.count
    }

    /// Splits a pass's claims into exchanges of at most `size` events per subscriber, keeping each
    /// aggregate's run whole and in order (chunks travel concurrently, so a run split in two could
    /// overtake itself). A run is never longer than `size`.
    static func chunks(of claims: [DeliveryStore.Claim], size: Int) -> [[DeliveryStore.Claim]] {
        var chunks: [[DeliveryStore.Claim]] = []
        for ofSubscriber in EventBatch.runs(of: claims, by: \.subscriber) {
            var chunk: [DeliveryStore.Claim] = []
            for run in EventBatch.runs(of: ofSubscriber, by: \.envelope.aggregateKey) {
                if !chunk.isEmpty && chunk.count + run.count > size {
                    chunks.append(chunk)
                    chunk = []
                }
                chunk += run
            }
            if !chunk.isEmpty { chunks.append(chunk) }
        }
        return chunks
    }

    /// Sends one subscriber's chunk and records each failure (retry or park) itself; the events
    /// behind a failure in their aggregate's run go back unattempted. Returns the delivered claims.
    private func deliver(_ chunk: [DeliveryStore.Claim]) async throws -> [DeliveryStore.Claim] {
        guard let subscriber = chunk.first?.subscriber else { return [] }
        let failures = await transport.deliver(batch: chunk.map(\.envelope), to: subscriber)
        var delivered: [DeliveryStore.Claim] = []
        var heldBack: [UUID] = []
        var failedAggregates: Set<String> = []
        for claim in chunk {
            var logger = logger
            logger[metadataKey: "event.id"] = "\(claim.envelope.id)"
            logger[metadataKey: "event.type"] = "\(claim.envelope.type)"
            logger[metadataKey: "subscriber"] = "\(claim.subscriber)"
            if let traceID = claim.envelope.traceID { logger[metadataKey: "trace.id"] = "\(traceID)" }
            // Whatever the subscriber said of it, an event behind a failed one is sent again later.
            if failedAggregates.contains(claim.envelope.aggregateKey) {
                heldBack.append(claim.envelope.id)
                continue
            }
            guard let error = failures[claim.envelope.id] else {
                logger.info("event delivered")
                delivered.append(claim)
                continue
            }
            failedAggregates.insert(claim.envelope.aggregateKey)
            try await recordFailure(of: claim, error: error, logger: logger)
        }
        try await store.release(subscriber: subscriber, eventIDs: heldBack, owner: owner, logger: logger)
        return delivered
    }

    private func recordFailure(of claim: DeliveryStore.Claim, error: any Error, logger: Logger) async throws {
        let dimensions = [("publisher", configuration.publisher), ("subscriber", claim.subscriber)]
        let park = claim.attempts >= configuration.maxAttempts
        try await store.markFailed(
            claim, owner: owner, error: String(describing: error), retryAfter: backoff(after: claim.attempts), park: park, logger: logger)
        if park {
            Counter(label: "curbside_events_parked_total", dimensions: dimensions).increment()
            logger.error("event parked after \(claim.attempts) attempts", metadata: ["error.message": "\(error)"])
        } else {
            Counter(label: "curbside_events_retried_total", dimensions: dimensions).increment()
            logger.warning("event delivery failed; will retry", metadata: ["error.message": "\(error)", "attempt": "\(claim.attempts)"])
        }
    }

    /// Exponential backoff with full jitter, capped.
    func backoff(after attempts: Int) -> Duration {
        let exponent = min(max(attempts - 1, 0), 20)
        let ceiling = min(configuration.baseBackoff * (1 << exponent), configuration.maxBackoff)
        return ceiling * Double.random(in: 0.5...1.0)
    }
}

/// The step a relay is in and since when.
final class RelayStep: Sendable {
    private let state = Mutex<(String, ContinuousClock.Instant)>(("starting", .now))

    func set(_ what: String) { state.withLock { $0 = (what, .now) } }

    var current: (String, ContinuousClock.Instant) { state.withLock { $0 } }
}

/// Thrown at a crash point: the relay stops where it is, as a killed process would.
struct RelayCrash: Error {}
