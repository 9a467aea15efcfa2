import CurbsideCore
import Foundation
import Hummingbird
import IntegrationEvents
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// A subscriber as a real consuming service runs it: behind the platform's HTTP inbox route, applying
/// each event once in its own database (inbox rows and effect rows in one transaction per batch).
/// Its effect is one row per event, written with a statement per event, or, with `batchedEffects`,
/// one statement for the whole batch (what ``InboxEventReceiver``'s batch hook is for).
struct InboxSubscriber: InboxEventReceiver {
    let inboxClient: PostgresClient
    let recorder: DelayRecorder
    let logger: Logger
    var batchedEffects = false
    var consumer: String { EventDeliveryBenchmark.subscriber }

    func apply(_ envelope: EventEnvelope, on connection: PostgresConnection) async throws {
        try await connection.query(
            "INSERT INTO platform.bench_effects (event_id, aggregate) VALUES (\(envelope.id), \(envelope.aggregateID))", logger: logger)
    }

    func apply(_ envelopes: [EventEnvelope], on connection: PostgresConnection) async throws {
        guard batchedEffects else {
            for envelope in envelopes { try await apply(envelope, on: connection) }
            return
        }
        guard !envelopes.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO platform.bench_effects (event_id, aggregate)
            SELECT * FROM unnest(\(envelopes.map(\.id))::uuid[], \(envelopes.map(\.aggregateID))::text[])
            """, logger: logger)
    }

    func receive(_ envelope: EventEnvelope) async throws {
        if let error = await receive(batch: [envelope])[envelope.id] { throw error }
    }

    func receive(batch: [EventEnvelope]) async -> [UUID: any Error] {
        let failures = await applyInRuns(batch)
        for envelope in batch where failures[envelope.id] == nil { try? await recorder.receive(envelope) }
        return failures
    }
}

/// Runs the platform router (with its event inbox route) on a free loopback port while `body` runs.
enum InboxServer {
    static func with<Result: Sendable>(
        platform: Platform, logger: Logger, _ body: @Sendable (_ baseURL: String) async throws -> Result
    ) async throws -> Result {
        let router = try PlatformApplication.router(platform: platform, modules: [])
        let port = NIOLockedValueBox<Int?>(nil)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLockedValue { $0 = channel.localAddress?.port } }, logger: logger)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await app.runService(gracefulShutdownSignals: [])
                return nil
            }
            var waited = 0
            while port.withLockedValue({ $0 }) == nil, waited < 200 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            guard let bound = port.withLockedValue({ $0 }) else { throw BenchmarkFailure("the inbox server did not start") }
            let result = try await body("http://127.0.0.1:\(bound)")
            group.cancelAll()
            return result
        }
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
