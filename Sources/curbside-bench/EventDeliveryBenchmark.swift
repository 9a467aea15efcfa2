import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// An event for the benchmark.
struct BenchmarkEvent: IntegrationEvent {
    static let eventType = "bench.v1.Tick"
    static let aggregateType = "ticker"
    var ticker: String
    var n: Int
    var aggregateID: String { ticker }
}

/// Records when each event committed and when it reached the subscriber.
final class DelayRecorder: EventReceiver {
    private struct State {
        var committed: [UUID: ContinuousClock.Instant] = [:]
        /// Received before the writer's bookkeeping saw its commit return.
        var early: [UUID: ContinuousClock.Instant] = [:]
        var delays: [Duration] = []
    }

    // One lock for all three: with two, a receive and its commit's bookkeeping racing each other
    // could each miss the other and leave the event counted as never received.
    private let state = NIOLockedValueBox(State())

    func markCommitted(_ id: UUID, at instant: ContinuousClock.Instant) {
        state.withLockedValue { state in
            if let received = state.early.removeValue(forKey: id) {
                state.delays.append(max(.zero, received - instant))
            } else {
                state.committed[id] = instant
            }
        }
    }

    func receive(_ envelope: EventEnvelope) async throws {
        let now = ContinuousClock.now
        state.withLockedValue { state in
            if let start = state.committed.removeValue(forKey: envelope.id) {
                state.delays.append(now - start)
            } else {
                state.early[envelope.id] = now
            }
        }
    }

    var count: Int { state.withLockedValue { $0.delays.count } }

    func percentile(_ p: Double) -> Duration {
        let sorted = state.withLockedValue { $0.delays.sorted() }
        guard !sorted.isEmpty else { return .zero }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    func reset() {
        state.withLockedValue { $0 = State() }
    }
}

/// Commit-to-subscriber delay of the outbox relay under a paced load, and one relay's ceiling.
struct EventDeliveryBenchmark {
    let settings: PlatformSettings
    let logger: Logger

    static let subscriber = "bench"
    let writer = OutboxWriter(routing: EventRouting(byType: [BenchmarkEvent.eventType: [subscriber]], everything: []))

    func run() async throws -> [String] {
        let database = try await scratchDatabase()
        let client = PostgresClient(configuration: database.make(), backgroundLogger: logger)
        let subscriberDatabase = try await scratchDatabase()
        let subscriberClient = PostgresClient(configuration: subscriberDatabase.make(), backgroundLogger: logger)
        return try await withRunningClients([client, subscriberClient]) {
            var lines: [String] = []
            let recorder = DelayRecorder()

            // In-process subscriber that does no work: the backbone's own cost.
            let transport = InProcessEventTransport()
            transport.register(recorder, as: Self.subscriber)
            lines += try await pacedDelivery(
                label: "in-process subscriber", transport: transport, database: database, client: client, recorder: recorder)

            // A subscriber in another server: HTTP inbox with a service token, inbox + effect in its
            // database; its effects written a statement per event, then a statement per batch.
            let platform = try await Platform(settings: settings, logger: logger)
            for batchedEffects in [false, true] {
                platform.events.local.register(
                    InboxSubscriber(inboxClient: subscriberClient, recorder: recorder, logger: logger, batchedEffects: batchedEffects),
                    as: Self.subscriber)
                lines += try await InboxServer.with(platform: platform, logger: logger) { baseURL in
                    let http = HTTPEventTransport(baseURLs: [Self.subscriber: baseURL], tokens: platform.tokens)
                    return try await pacedDelivery(
                        label: "HTTP inbox subscriber writing to its database, \(batchedEffects ? "a statement per batch" : "a statement per event")",
                        transport: http, database: database, client: client, recorder: recorder)
                }
            }

            // Ceiling: a backlog drained by one relay with nothing else running.
            let backlog = Int(ProcessInfo.processInfo.environment["CURBSIDE_BENCH_BACKLOG"] ?? "") ?? 20_000
            try await preload(backlog, client: client)
            let drainer = OutboxRelay(
                store: DeliveryStore(client: client), transport: transport,
                configuration: .init(subscribers: [Self.subscriber], batchSize: 500), logger: logger)
            let started = ContinuousClock.now
            while try await drainer.runOnce() > 0 {}
            let elapsed = ContinuousClock.now - started
            let perSecond = Double(backlog) / elapsed.inSeconds
            lines.append("| one relay draining a backlog of \(backlog) (200 aggregates), in-process subscriber | \(Int(perSecond)) events/s | |")
            return lines
        }
    }

    /// Commit → subscriber delay at 10 and 1,000 events/s through `transport`.
    func pacedDelivery(
        label: String, transport: any EventTransport, database: PostgresClientConfiguration, client: PostgresClient,
        recorder: DelayRecorder
    ) async throws -> [String] {
        var lines: [String] = []
        let notifications = OutboxNotifications(connection: database, logger: logger)
        // CURBSIDE_BENCH_RELAY_LANES compares lane counts; the default is the platform's.
        let lanes = Int(ProcessInfo.processInfo.environment["CURBSIDE_BENCH_RELAY_LANES"] ?? "") ?? settings.events.relayLanes
        let relay = OutboxRelay(
            store: DeliveryStore(client: client), transport: transport,
            configuration: .init(subscribers: [Self.subscriber], pollInterval: .milliseconds(500), lanes: lanes),
            logger: logger, notifications: notifications)
        let background = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await notifications.run() }
                group.addTask { try await relay.run() }
                try await group.waitForAll()
            }
        }
        try await Task.sleep(for: .seconds(1))
        for rate in [10, 1000] {
            recorder.reset()
            let sent = try await publish(rate: rate, seconds: 10, client: client, recorder: recorder)
            for _ in 0..<300 where recorder.count < sent { try await Task.sleep(for: .milliseconds(100)) }
            lines.append(
                "| commit → \(label), \(rate) events/s (\(sent) events, \(recorder.count) received) | p50 \(ms(recorder.percentile(0.5))) | p99 \(ms(recorder.percentile(0.99))) |"
            )
        }
        background.cancel()
        _ = try? await background.value
        return lines
    }

    /// Writes `rate` events per second for `seconds`, one transaction each, from 16 writers.
    func publish(rate: Int, seconds: Int, client: PostgresClient, recorder: DelayRecorder) async throws -> Int {
        let total = rate * seconds
        let writers = min(16, total)
        let interval = Duration.seconds(Double(writers) / Double(rate))
        let writer = writer
        let logger = logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    var next = ContinuousClock.now
                    for n in stride(from: w, to: total, by: writers) {
                        try await Task.sleep(until: next, clock: .continuous)
                        next += interval
                        let id = try await client.withConnection { connection in
                            try await connection.inTransaction(logger: logger) { connection in
                                try await writer.append(
                                    BenchmarkEvent(ticker: "t\(n % 200)", n: n), occurredAt: Date(), on: connection, logger: logger)
                            }
                        }
                        recorder.markCommitted(id, at: .now)
                    }
                }
            }
            try await group.waitForAll()
        }
        return total
    }

    func preload(_ count: Int, client: PostgresClient) async throws {
        let writer = writer
        let logger = logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<8 {
                group.addTask {
                    try await client.withConnection { connection in
                        try await connection.inTransaction(logger: logger) { connection in
                            for n in stride(from: w, to: count, by: 8) {
                                try await writer.append(
                                    BenchmarkEvent(ticker: "t\(n % 200)", n: n), occurredAt: Date(), on: connection, logger: logger)
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// A fresh database with the outbox and inbox tables, reached as trips_owner.
    func scratchDatabase() async throws -> PostgresClientConfiguration {
        let name = "bench_\(UUID().uuidString.prefix(8).lowercased())"
        let database = settings.database
        for (db, sql) in [("postgres", "CREATE DATABASE \(name) OWNER trips_owner"), (name, "CREATE SCHEMA platform AUTHORIZATION trips_owner")] {
            try await SingleConnection.with(
                host: database.host, port: database.port, username: database.superuser, password: database.superuserPassword,
                database: db, connectTimeout: .seconds(5), logger: logger
            ) { connection in
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            }
        }
        let trips = DatabaseCredentials(settings: database).configuration(
            service: .trips, role: .owner, host: database.host, port: database.port)
        let owner = trips.on(database: name)
        try await SingleConnection.with(owner, logger: logger) { connection in
            let effects = "CREATE TABLE platform.bench_effects (event_id uuid PRIMARY KEY, aggregate text NOT NULL);"
            for statement in Migration(1, "outbox", OutboxSchema.createOutbox + OutboxSchema.addDelivery + effects).statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
        return owner
    }

    func ms(_ duration: Duration) -> String {
        let milliseconds = duration.inSeconds * 1000
        return String(format: "%.1f ms", milliseconds)
    }
}
