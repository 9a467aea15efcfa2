import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import Testing

@testable import CurbsideCore

/// The listener against a real server whose backend is terminated or frozen (SIGSTOP) under it.
@Suite struct PostgresListenerTests {
    let logger = TestSettings.logger
    let settings: PlatformSettings
    let channel = "listener_test"

    init() throws { settings = try TestSettings.make() }

    /// What the listener reported, for the test to wait on.
    final class Heard: Sendable {
        let listening = NIOLockedValueBox(0)
        let payloads = NIOLockedValueBox<[String]>([])
        let finished = NIOLockedValueBox(false)
    }

    func start(_ listener: PostgresListener, _ heard: Heard) -> Task<Void, Never> {
        Task {
            await listener.run(
                listening: { heard.listening.withLockedValue { $0 += 1 } }, stopped: {},
                notification: { payload in heard.payloads.withLockedValue { $0.append(payload) } })
            heard.finished.withLockedValue { $0 = true }
        }
    }

    /// Waits up to 15 s for `condition` (a bound for a hang, not a speed requirement).
    func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<300 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    func superuser<Result>(on database: String, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let db = settings.database
        return try await SingleConnection.with(
            host: db.host, port: db.port, username: db.superuser, password: db.superuserPassword, database: database,
            connectTimeout: .seconds(5), logger: logger, body)
    }

    func notify(_ payload: String, on scratch: ScratchDatabase) async throws {
        try await SingleConnection.with(scratch.owner, logger: logger) { connection in
            try await connection.query("SELECT pg_notify(\(channel), \(payload))", logger: logger).collect()
        }
    }

    /// The server processes serving the listener's connections (its last query was `LISTEN` or its check).
    func backends(of scratch: ScratchDatabase) async throws -> [Int] {
        try await superuser(on: "postgres") { connection in
            let rows = try await connection.query(
                """
                SELECT pid FROM pg_stat_activity
                WHERE datname = \(scratch.name) AND (query LIKE 'LISTEN%' OR query = 'SELECT 1')
                """,
                logger: logger)
            var pids: [Int] = []
            for try await pid in rows.decode(Int.self) { pids.append(pid) }
            return pids
        }
    }

    func signal(_ name: String, _ pid: Int) throws {
        let kill = Process()
        kill.executableURL = URL(fileURLWithPath: "/bin/kill")
        kill.arguments = ["-\(name)", "\(pid)"]
        try kill.run()
        kill.waitUntilExit()
    }

    @Test func hearsNotificationsAndListensAgainAfterItsConnectionIsTerminated() async throws {
        let scratch = try await ScratchDatabase.create(settings: settings, logger: logger)
        let heard = Heard()
        let running = start(
            PostgresListener(configuration: scratch.owner, channel: channel, logger: logger, reconnectDelay: .milliseconds(100)), heard)
        defer { running.cancel() }
        #expect(try await eventually { heard.listening.withLockedValue { $0 } == 1 })
        try await notify("one", on: scratch)
        #expect(try await eventually { heard.payloads.withLockedValue { $0 } == ["one"] })

        let listening = try await backends(of: scratch)
        try #require(listening.count == 1)
        let terminated = try await superuser(on: "postgres") { connection in
            let rows = try await connection.query("SELECT pg_terminate_backend(\(listening[0])::integer)", logger: logger)
            var results: [Bool] = []
            for try await result in rows.decode(Bool.self) { results.append(result) }
            return results
        }
        #expect(terminated == [true])
        #expect(try await eventually { heard.listening.withLockedValue { $0 } == 2 })
        try await notify("two", on: scratch)
        #expect(try await eventually { heard.payloads.withLockedValue { $0 } == ["one", "two"] })
    }

    @Test func leavesAServerThatStopsAnsweringAndStopsAtOnceWhenCancelled() async throws {
        let scratch = try await ScratchDatabase.create(settings: settings, logger: logger)
        let heard = Heard()
        let listener = PostgresListener(
            configuration: scratch.owner, channel: channel, logger: logger, checkInterval: .milliseconds(200),
            answerLimit: .milliseconds(500), reconnectDelay: .milliseconds(100))
        let running = start(listener, heard)
        var frozen: [Int] = []
        defer {
            running.cancel()
            for pid in frozen { try? signal("CONT", pid) }
        }
        #expect(try await eventually { heard.listening.withLockedValue { $0 } == 1 })

        // The backend freezes: the socket stays open and nothing comes back, as after a server
        // vanished without closing it. The check notices and the listener connects afresh.
        let first = try await backends(of: scratch)
        try #require(first.count == 1)
        try signal("STOP", first[0])
        frozen.append(first[0])
        #expect(try await eventually { heard.listening.withLockedValue { $0 } == 2 })
        try await notify("after", on: scratch)
        #expect(try await eventually { heard.payloads.withLockedValue { $0 } == ["after"] })

        // Frozen again: cancelling does not wait for a server that will never answer.
        let second = try await backends(of: scratch).filter { !frozen.contains($0) }
        try #require(second.count == 1)
        try signal("STOP", second[0])
        frozen.append(second[0])
        running.cancel()
        #expect(try await eventually { heard.finished.withLockedValue { $0 } })
    }
}
