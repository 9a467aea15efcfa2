import Foundation
import IntegrationEvents
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import Testing

@testable import CurbsideCore

/// An event for these tests: the `n`th thing that happened to an aggregate.
struct Happened: IntegrationEvent {
    static let eventType = "test.v1.Happened"
    static let aggregateType = "thing"
    var thing: String
    var n: Int
    var aggregateID: String { thing }
}

/// A subscriber that applies each event once (inbox + effect in one transaction; an aggregate's
/// run of a batch in one transaction) into its own database, failing on demand.
final class RecordingReceiver: InboxEventReceiver {
    let inboxClient: PostgresClient
    let consumer: String
    let logger: Logger
    /// How many more times to fail, per aggregate (`thing`) or per event (`thing#n`); -1 fails forever.
    let failures = NIOLockedValueBox<[String: Int]>([:])

    init(client: PostgresClient, consumer: String, logger: Logger) {
        self.inboxClient = client
        self.consumer = consumer
        self.logger = logger
    }

    func apply(_ envelope: EventEnvelope, on connection: PostgresConnection) async throws {
        let event = try #require(try envelope.decode(as: Happened.self))
        let shouldFail = failures.withLockedValue { failures -> Bool in
            for key in ["\(event.thing)#\(event.n)", event.thing] {
                guard let remaining = failures[key], remaining != 0 else { continue }
                if remaining > 0 { failures[key] = remaining - 1 }
                return true
            }
            return false
        }
        if shouldFail { throw TestFailure("subscriber refused \(event.thing)#\(event.n)") }
        try await connection.query(
            "INSERT INTO platform.applied (event_id, thing, n) VALUES (\(envelope.id), \(event.thing), \(event.n))", logger: logger)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Sends each batch to one of several receivers (several instances of the subscribing service),
/// counting the events sent and the most exchanges ever in flight at once.
final class SpreadTransport: EventTransport {
    let receivers: [RecordingReceiver]
    /// How long each exchange takes before the receiver sees it, like a network round trip.
    let latency: Duration
    let sent = NIOLockedValueBox(0)
    private let inFlight = NIOLockedValueBox((now: 0, most: 0))

    init(receivers: [RecordingReceiver], latency: Duration = .zero) {
        self.receivers = receivers
        self.latency = latency
    }

    var mostExchangesAtOnce: Int { inFlight.withLockedValue { $0.most } }

    func deliver(_ envelope: EventEnvelope, to subscriber: String) async throws {
        sent.withLockedValue { $0 += 1 }
        try await receivers.randomElement()!.receive(envelope)
    }

    func deliver(batch: [EventEnvelope], to subscriber: String) async -> [UUID: any Error] {
        sent.withLockedValue { $0 += batch.count }
        inFlight.withLockedValue {
            $0.now += 1
            $0.most = max($0.most, $0.now)
        }
        defer { inFlight.withLockedValue { $0.now -= 1 } }
        if latency > .zero { try? await Task.sleep(for: latency) }
        return await receivers.randomElement()!.receive(batch: batch)
    }
}

@Suite struct OutboxRelayTests {
    let logger = TestSettings.logger
    let settings: PlatformSettings
    static let subscriber = "recorder"
    let writer = OutboxWriter(routing: EventRouting(byType: [Happened.eventType: [subscriber]], everything: []))

    init() throws {
        settings = try TestSettings.make()
    }

    /// A publisher database (outbox) and a subscriber database (inbox and the applied effects).
    func databases() async throws -> (publisher: ScratchDatabase, subscriber: ScratchDatabase) {
        let publisher = try await ScratchDatabase.create(settings: settings, logger: logger)
        try await publisher.run(OutboxSchema.createOutbox + OutboxSchema.addDelivery + OutboxSchema.addRetention, logger: logger)
        let subscriber = try await ScratchDatabase.create(settings: settings, logger: logger)
        try await subscriber.run(
            OutboxSchema.createOutbox + OutboxSchema.addDelivery
                + "CREATE TABLE platform.applied (position bigserial PRIMARY KEY, event_id uuid NOT NULL, thing text NOT NULL, n int NOT NULL);",
            logger: logger)
        return (publisher, subscriber)
    }

    func relay(
        _ client: PostgresClient, _ transport: any EventTransport, crash: OutboxRelay.CrashPoints = .init(), maxAttempts: Int = 5,
        lease: Duration = .seconds(30), batchSize: Int = 50, deliveryBatchSize: Int = 10, eventsPerAggregate: Int = 4, lanes: Int = 1
    )
        -> OutboxRelay
    {
        OutboxRelay(
            store: DeliveryStore(client: client), transport: transport,
            configuration: .init(
                subscribers: [Self.subscriber], batchSize: batchSize, deliveryBatchSize: deliveryBatchSize,
                eventsPerAggregate: eventsPerAggregate, lease: lease, pollInterval: .milliseconds(20), maxAttempts: maxAttempts,
                baseBackoff: .milliseconds(10), maxBackoff: .milliseconds(50), lanes: lanes),
            logger: logger, crashPoints: crash)
    }

    /// Writes `count` events for each of `things`, each in its own transaction, aggregates in parallel.
    func publish(_ things: [String], count: Int, on client: PostgresClient) async throws {
        let writer = writer
        let logger = logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            for thing in things {
                group.addTask {
                    for n in 1...count {
                        _ = try await client.withConnection { connection in
                            try await connection.inTransaction(logger: logger) { connection in
                                try await writer.append(Happened(thing: thing, n: n), occurredAt: Date(), on: connection, logger: logger)
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    func applied(_ client: PostgresClient) async throws -> [(UUID, String, Int)] {
        var rows: [(UUID, String, Int)] = []
        for try await row in try await client.query("SELECT event_id, thing, n FROM platform.applied ORDER BY position", logger: logger)
            .decode((UUID, String, Int).self)
        {
            rows.append(row)
        }
        return rows
    }

    func undelivered(_ client: PostgresClient) async throws -> Int {
        for try await count in try await client.query(
            "SELECT count(*)::int FROM platform.outbox_deliveries WHERE state <> 'DELIVERED'", logger: logger
        ).decode(Int.self) { return count }
        return 0
    }

    /// Runs relay passes until nothing is undelivered (or `passes` run out).
    func drain(_ relays: [OutboxRelay], publisher: PostgresClient, passes: Int = 200) async throws {
        for _ in 0..<passes {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for relay in relays { group.addTask { _ = try await relay.runOnce() } }
                try await group.waitForAll()
            }
            if try await undelivered(publisher) == 0 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func assertOncePerEventAndInOrder(_ rows: [(UUID, String, Int)], things: [String], count: Int) {
        #expect(rows.count == things.count * count)
        #expect(Set(rows.map(\.0)).count == rows.count)
        for thing in things {
            #expect(rows.filter { $0.1 == thing }.map(\.2) == Array(1...count), "order of \(thing)")
        }
    }

    @Test func twoRelaysAndTwoConsumersApplyEachEventOnceInAggregateOrder() async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        let things = (0..<20).map { "t\($0)" }
        try await withRunningClients([publisher, subscriber]) {
            try await publish(things, count: 10, on: publisher)
            let consumers = SpreadTransport(
                receivers: (0..<2).map { _ in RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger) })
            try await drain([relay(publisher, consumers), relay(publisher, consumers)], publisher: publisher)
            Self.assertOncePerEventAndInOrder(try await applied(subscriber), things: things, count: 10)
        }
    }

    @Test(arguments: ["afterClaim", "afterSend"])
    func aRelayKilledMidwayLosesNothingAndDoublesNothing(_ point: String) async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        let things = ["a", "b", "c"]
        try await withRunningClients([publisher, subscriber]) {
            try await publish(things, count: 5, on: publisher)
            let receiver = RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger)
            let transport = SpreadTransport(receivers: [receiver])
            var crash = OutboxRelay.CrashPoints()
            if point == "afterClaim" { crash.afterClaim = { true } } else { crash.afterSend = { true } }
            let doomed = relay(publisher, transport, crash: crash, lease: .milliseconds(300))
            await #expect(throws: RelayCrash.self) { try await doomed.runOnce() }
            // The survivor takes over once the dead relay's leases expire.
            let survivor = relay(publisher, transport, lease: .milliseconds(300))
            try await drain([survivor], publisher: publisher)
            Self.assertOncePerEventAndInOrder(try await applied(subscriber), things: things, count: 5)
            if point == "afterSend" {
                // The first batch really was sent twice; the inbox absorbed the repeats.
                #expect(transport.sent.withLockedValue { $0 } > things.count * 5)
            }
        }
    }

    @Test func anEventWhoseTransactionCommitsLateIsStillDelivered() async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        let writer = writer
        let logger = logger
        try await withRunningClients([publisher, subscriber]) {
            let receiver = RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger)
            let relay = relay(publisher, SpreadTransport(receivers: [receiver]))
            let (lateIsOpen, openSignal) = AsyncStream<Void>.makeStream()
            let (mayCommit, commitSignal) = AsyncStream<Void>.makeStream()
            let late = Task {
                try await publisher.withConnection { connection in
                    try await connection.inTransaction(logger: logger) { connection in
                        // Takes its seq now...
                        try await writer.append(Happened(thing: "late", n: 1), occurredAt: Date(), on: connection, logger: logger)
                        openSignal.yield()
                        // ...and commits only after a later event was delivered.
                        for await _ in mayCommit { break }
                    }
                }
            }
            for await _ in lateIsOpen { break }
            try await publish(["early"], count: 1, on: publisher)
            try await drain([relay], publisher: publisher)
            #expect(try await applied(subscriber).map(\.1) == ["early"])
            commitSignal.yield()
            try await late.value
            try await drain([relay], publisher: publisher)
            #expect(try await applied(subscriber).map(\.1) == ["early", "late"])
        }
    }

    @Test func aSubscriberThatFailsAFewTimesRecovers() async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        try await withRunningClients([publisher, subscriber]) {
            try await publish(["flaky"], count: 3, on: publisher)
            let receiver = RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger)
            receiver.failures.withLockedValue { $0["flaky"] = 3 }
            try await drain([relay(publisher, SpreadTransport(receivers: [receiver]), maxAttempts: 5)], publisher: publisher)
            Self.assertOncePerEventAndInOrder(try await applied(subscriber), things: ["flaky"], count: 3)
        }
    }

    @Test func anEventThatAlwaysFailsIsParkedWithoutHoldingUpOtherAggregates() async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        try await withRunningClients([publisher, subscriber]) {
            try await publish(["broken", "fine"], count: 2, on: publisher)
            let receiver = RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger)
            receiver.failures.withLockedValue { $0["broken"] = -1 }
            let relay = relay(publisher, SpreadTransport(receivers: [receiver]), maxAttempts: 3)
            try await drain([relay], publisher: publisher, passes: 60)
            #expect(try await applied(subscriber).map(\.1) == ["fine", "fine"])

            let store = DeliveryStore(client: publisher)
            let parked = try await store.parked(subscriber: Self.subscriber, limit: 10, logger: logger)
            #expect(parked.count == 1)
            #expect(parked.first?.aggregateKey == "thing/broken")
            #expect(parked.first?.attempts == 3)
            // The second "broken" event waits behind the parked first one: order is kept.
            #expect(try await undelivered(publisher) == 2)

            receiver.failures.withLockedValue { $0["broken"] = 0 }
            #expect(try await store.requeue(subscriber: Self.subscriber, eventID: try #require(parked.first?.eventID), logger: logger))
            try await drain([relay], publisher: publisher)
            Self.assertOncePerEventAndInOrder(try await applied(subscriber), things: ["broken", "fine"], count: 2)
        }
    }

    /// The append statement sends the wake-up, which PostgreSQL delivers at commit: in a transaction
    /// and on its own (autocommit).
    @Test(arguments: [true, false]) func aCommitWakesASleepingRelay(inTransaction: Bool) async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        let logger = logger
        try await withRunningClients([publisher, subscriber]) {
            let receiver = RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger)
            let notifications = OutboxNotifications(connection: publisherDB.owner, logger: logger)
            // Without a notification this relay would not look again for an hour.
            let relay = OutboxRelay(
                store: DeliveryStore(client: publisher), transport: SpreadTransport(receivers: [receiver]),
                configuration: .init(subscribers: [Self.subscriber], pollInterval: .seconds(3600)), logger: logger,
                notifications: notifications)
            let running = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await notifications.run() }
                    group.addTask { try await relay.run() }
                    try await group.waitForAll()
                }
            }
            defer { running.cancel() }
            // Let the first (empty) pass finish and the listener start.
            try await Task.sleep(for: .milliseconds(500))
            if inTransaction {
                try await publish(["woken"], count: 1, on: publisher)
            } else {
                let writer = writer
                try await publisher.withConnection { connection in
                    _ = try await writer.append(Happened(thing: "woken", n: 1), occurredAt: Date(), on: connection, logger: logger)
                }
            }
            var delivered = false
            for _ in 0..<200 where !delivered {
                delivered = try await undelivered(publisher) == 0
                if !delivered { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(delivered)
            #expect(try await applied(subscriber).map(\.1) == ["woken"])
        }
    }

    @Test func retentionDeletesOnlyOldEventsThatEverySubscriberReceived() async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        try await withRunningClients([publisher, subscriber]) {
            try await publish(["old-done", "old-stuck", "young"], count: 2, on: publisher)
            let receiver = RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger)
            receiver.failures.withLockedValue { $0["old-stuck"] = -1 }
            let relay = relay(publisher, SpreadTransport(receivers: [receiver]), maxAttempts: 2)
            for _ in 0..<20 {
                _ = try await relay.runOnce()
                try await Task.sleep(for: .milliseconds(30))
            }
            try await publisher.query(
                "UPDATE platform.outbox SET occurred_at = now() - interval '2 hours' WHERE aggregateid IN ('old-done', 'old-stuck')",
                logger: logger)

            let retention = OutboxRetention(client: publisher, retention: .seconds(3600), logger: logger)
            #expect(try await retention.runOnce() == 2)
            #expect(try await retention.runOnce() == 0)
            var left: [String: Int] = [:]
            for try await (aggregate, events) in try await publisher.query(
                "SELECT aggregateid, count(*)::int FROM platform.outbox GROUP BY aggregateid", logger: logger
            ).decode((String, Int).self) {
                left[aggregate] = events
            }
            // Parked for a subscriber: kept whatever its age. Recent: kept although delivered.
            #expect(left == ["old-stuck": 2, "young": 2])
            let orphans = try await publisher.query(
                "SELECT count(*)::int FROM platform.outbox_deliveries d WHERE NOT EXISTS (SELECT 1 FROM platform.outbox o WHERE o.id = d.event_id)",
                logger: logger)
            for try await count in orphans.decode(Int.self) { #expect(count == 0) }
        }
    }

    @Test func aBacklogOnOneAggregateDrainsInRunsInOrder() async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        try await withRunningClients([publisher, subscriber]) {
            try await publish(["busy"], count: 30, on: publisher)
            try await publish(["quiet"], count: 1, on: publisher)
            let receiver = RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger)
            let relay = relay(publisher, SpreadTransport(receivers: [receiver]), eventsPerAggregate: 10)
            // One pass: the busy aggregate's next ten and the quiet one's only event.
            #expect(try await relay.runOnce() == 11)
            let first = try await applied(subscriber)
            #expect(first.filter { $0.1 == "busy" }.map(\.2) == Array(1...10))
            #expect(first.filter { $0.1 == "quiet" }.map(\.2) == [1])
            try await drain([relay], publisher: publisher)
            Self.assertOncePerEventAndInOrder(try await applied(subscriber).filter { $0.1 == "busy" }, things: ["busy"], count: 30)
        }
    }

    /// A relay's session outlives the size its outbox had when the session began: marking a pass
    /// delivered must look its deliveries up by key after the table grew, not read every delivery of
    /// the subscriber as a plan made for the nearly empty table would (a prepared statement did,
    /// from its sixth pass on, until the table's statistics were next analyzed).
    @Test func markingAPassDeliveredReadsOnlyItsDeliveriesAfterTheOutboxGrew() async throws {
        let (publisherDB, _) = try await databases()
        let session = publisherDB.client(logger: logger, connections: 1)
        let observer = publisherDB.client(logger: logger)
        let store = DeliveryStore(client: session)
        let owner = UUID()
        try await withRunningClients([session, observer]) {
            func passOfOne() async throws -> [UUID] {
                try await publish(["t"], count: 1, on: session)
                let claims = try await store.claim(subscribers: [Self.subscriber], owner: owner, lease: .seconds(30), limit: 10, logger: logger)
                #expect(claims.count == 1)
                return claims.map(\.envelope.id)
            }
            // Passes on the nearly empty table, enough for PostgreSQL to settle on a plan for a statement it keeps.
            for _ in 0..<8 {
                let ids = try await passOfOne()
                #expect(try await store.markDelivered(subscriber: Self.subscriber, eventIDs: ids, owner: owner, logger: logger) == 1)
            }
            try await session.query(
                """
                WITH events AS (
                    INSERT INTO platform.outbox (id, aggregatetype, aggregateid, type, payload, occurred_at)
                    SELECT gen_random_uuid(), 'thing', 'old' || n, 'test.v1.Happened', '{}', now() FROM generate_series(1, 5000) AS n
                    RETURNING id, aggregateid, seq
                )
                INSERT INTO platform.outbox_deliveries (subscriber, event_id, aggregate_key, seq, state, delivered_at)
                SELECT \(Self.subscriber), id, 'thing/' || aggregateid, seq, 'DELIVERED', now() FROM events
                """, logger: logger)
            let ids = try await passOfOne()
            let before = try await primaryKeyEntriesRead(session: session, observer: observer)
            #expect(try await store.markDelivered(subscriber: Self.subscriber, eventIDs: ids, owner: owner, logger: logger) == 1)
            let read = try await primaryKeyEntriesRead(session: session, observer: observer) - before
            #expect(read < 100, "marking one delivery read \(read) primary-key entries of 5,009")
        }
    }

    /// Index entries read so far through the deliveries' primary key, with `session`'s own counts
    /// flushed first (PostgreSQL publishes a session's statistics at most once a second otherwise).
    func primaryKeyEntriesRead(session: PostgresClient, observer: PostgresClient) async throws -> Int {
        try await session.query("SELECT pg_stat_force_next_flush()", logger: logger)
        // The flush happens as the session goes idle, before it reads its next statement.
        try await session.query("SELECT 1", logger: logger)
        for try await read in try await observer.query(
            "SELECT idx_tup_read::int FROM pg_stat_user_indexes WHERE indexrelname = 'outbox_deliveries_pkey'", logger: logger
        ).decode(Int.self) { return read }
        throw TestFailure("no statistics for outbox_deliveries_pkey")
    }

    @Test func eventsBehindAFailedOneGoBackUnattemptedAndFollowItInOrder() async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        try await withRunningClients([publisher, subscriber]) {
            try await publish(["flaky"], count: 5, on: publisher)
            let receiver = RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger)
            // Twice: once in the run's transaction, once again when the run is retried event by event.
            receiver.failures.withLockedValue { $0["flaky#3"] = 2 }
            let relay = relay(publisher, SpreadTransport(receivers: [receiver]), eventsPerAggregate: 5)
            #expect(try await relay.runOnce() == 5)
            // The run fails as a whole, then event by event: the two before the failure take effect.
            #expect(try await applied(subscriber).map(\.2) == [1, 2])
            var states: [(String, Int, Bool)] = []
            for try await row in try await publisher.query(
                "SELECT state, attempts, lease_owner IS NULL FROM platform.outbox_deliveries ORDER BY seq", logger: logger
            ).decode((String, Int, Bool).self) {
                states.append(row)
            }
            #expect(states.map(\.0) == ["DELIVERED", "DELIVERED", "PENDING", "PENDING", "PENDING"])
            // The failed one counted an attempt; the two behind it were given back without one.
            #expect(states.map(\.1) == [1, 1, 1, 0, 0])
            #expect(states.allSatisfy { $0.2 })
            try await drain([relay], publisher: publisher)
            Self.assertOncePerEventAndInOrder(try await applied(subscriber), things: ["flaky"], count: 5)
        }
    }

    @Test func manyRelaysTakingRunsOfTheSameAggregatesKeepTheirOrder() async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        let things = (0..<6).map { "r\($0)" }
        let logger = logger
        try await withRunningClients([publisher, subscriber]) {
            let consumers = SpreadTransport(
                receivers: (0..<3).map { _ in RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger) })
            let relays = (0..<4).map { _ in relay(publisher, consumers, batchSize: 7, eventsPerAggregate: 3) }
            // Publishing goes on while four relays take short runs, so runs start and end mid-stream.
            let publishing = Task { try await publish(things, count: 25, on: publisher) }
            for _ in 0..<50 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for relay in relays { group.addTask { _ = try await relay.runOnce() } }
                    try await group.waitForAll()
                }
            }
            try await publishing.value
            try await drain(relays, publisher: publisher)
            Self.assertOncePerEventAndInOrder(try await applied(subscriber), things: things, count: 25)
        }
    }

    /// Waits (at most 30 s) until every delivery is done.
    func waitUntilDelivered(_ publisher: PostgresClient) async throws {
        for _ in 0..<600 {
            if try await undelivered(publisher) == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("deliveries still pending after 30 s")
    }

    @Test func theLanesOfARunningRelayOverlapAndKeepEachAggregatesOrder() async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        let things = (0..<12).map { "l\($0)" }
        let logger = logger
        try await withRunningClients([publisher, subscriber]) {
            // Each exchange takes a while, so a lane that only claimed after the previous pass ended
            // would never overlap another; a pass is one exchange (delivery batch = pass size).
            let consumers = SpreadTransport(
                receivers: (0..<2).map { _ in RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger) },
                latency: .milliseconds(40))
            let threeLanes = relay(publisher, consumers, batchSize: 20, deliveryBatchSize: 20, eventsPerAggregate: 3, lanes: 3)
            let running = Task { try await threeLanes.run() }
            defer { running.cancel() }
            try await publish(things, count: 15, on: publisher)
            try await waitUntilDelivered(publisher)
            Self.assertOncePerEventAndInOrder(try await applied(subscriber), things: things, count: 15)
            #expect(consumers.mostExchangesAtOnce >= 2, "the lanes' passes never overlapped")
        }
    }

    @Test func aLaneReachingACrashPointStopsTheWholeRelayAndASurvivorLosesNothing() async throws {
        let (publisherDB, subscriberDB) = try await databases()
        let publisher = publisherDB.client(logger: logger)
        let subscriber = subscriberDB.client(logger: logger)
        let things = ["x", "y", "z"]
        try await withRunningClients([publisher, subscriber]) {
            try await publish(things, count: 6, on: publisher)
            let transport = SpreadTransport(receivers: [RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger)])
            // Only the first pass to finish sending dies; the process's other lanes would go on
            // delivering if a crash ended its own lane only.
            let passesSent = NIOLockedValueBox(0)
            var crash = OutboxRelay.CrashPoints()
            crash.afterSend = {
                passesSent.withLockedValue {
                    $0 += 1
                    return $0 == 1
                }
            }
            let doomed = relay(
                publisher, transport, crash: crash, lease: .milliseconds(300), batchSize: 2, deliveryBatchSize: 2, eventsPerAggregate: 1,
                lanes: 3)
            // A dead process's lanes all stop: run() returns instead of the other lanes going on.
            try await withTimeout(.seconds(10), throwing: TestFailure("the relay kept running after a lane crashed")) {
                try await doomed.run()
            }
            try await drain([relay(publisher, transport, lease: .milliseconds(300))], publisher: publisher)
            Self.assertOncePerEventAndInOrder(try await applied(subscriber), things: things, count: 6)
        }
    }

    @Test func chunksKeepEachAggregatesRunWholeAndInOrder() throws {
        func claim(_ thing: String, _ n: Int, to subscriber: String = "s") throws -> DeliveryStore.Claim {
            DeliveryStore.Claim(
                subscriber: subscriber, envelope: try EventEnvelope(Happened(thing: thing, n: n), occurTime: Date(), traceID: nil),
                attempts: 1)
        }
        let claims = try [
            claim("a", 1), claim("b", 1), claim("a", 2), claim("c", 1), claim("a", 3), claim("b", 2), claim("x", 1, to: "t"),
            claim("d", 1), claim("c", 2), claim("d", 2), claim("e", 1),
        ]
        let chunks = OutboxRelay.chunks(of: claims, size: 4)
        #expect(chunks.flatMap { $0 }.count == claims.count)
        for chunk in chunks {
            #expect(chunk.count <= 4)
            #expect(Set(chunk.map(\.subscriber)).count == 1)
        }
        for key in Set(claims.map(\.envelope.aggregateKey)) {
            let holding = chunks.filter { $0.contains { $0.envelope.aggregateKey == key } }
            #expect(holding.count == 1, "\(key) split across chunks")
            let ns = try holding.first.map {
                try $0.filter { $0.envelope.aggregateKey == key }.map { try #require(try $0.envelope.decode(as: Happened.self)).n }
            }
            #expect(ns == ns.map { $0.sorted() })
        }
    }

    @Test func aSubscriberAppliesABatchTogetherAndPinsAFailureOnItsEvent() async throws {
        let (_, subscriberDB) = try await databases()
        let subscriber = subscriberDB.client(logger: logger)
        try await withRunningClients([subscriber]) {
            let receiver = RecordingReceiver(client: subscriber, consumer: "recorder", logger: logger)
            let things = ["a", "b", "c", "d", "e", "f"]
            var batch: [EventEnvelope] = []
            for n in 1...3 {
                for thing in things { batch.append(try EventEnvelope(Happened(thing: thing, n: n), occurTime: Date(), traceID: nil)) }
            }
            // The poisoned event fails in every transaction that holds it.
            receiver.failures.withLockedValue { $0["a#2"] = -1 }
            let failures = await receiver.receive(batch: batch)
            let a2 = try #require(batch.first { $0.aggregateID == "a" && (try? $0.decode(as: Happened.self))?.n == 2 })
            let a3 = try #require(batch.first { $0.aggregateID == "a" && (try? $0.decode(as: Happened.self))?.n == 3 })
            #expect(Set(failures.keys) == [a2.id, a3.id])
            #expect(failures[a3.id] is EventBatch.HeldBack)
            let rows = try await applied(subscriber)
            #expect(rows.filter { $0.1 == "a" }.map(\.2) == [1])
            for thing in things.dropFirst() { #expect(rows.filter { $0.1 == thing }.map(\.2) == [1, 2, 3], "\(thing)") }

            // Delivered again (a relay's retry) with the poison gone: the rest of "a" only, nothing twice.
            receiver.failures.withLockedValue { $0["a#2"] = 0 }
            #expect(await receiver.receive(batch: batch).isEmpty)
            Self.assertOncePerEventAndInOrder(try await applied(subscriber), things: things, count: 3)
        }
    }
}
