import Crypto
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO
import Testing

@testable import CurbsideCore

@Suite struct AnalyticsExporterTests {
    let logger = TestSettings.logger
    let settings: PlatformSettings
    let writer = OutboxWriter(routing: EventRouting(byType: [:], everything: [EventRouting.analytics]))

    init() throws {
        settings = try TestSettings.make()
    }

    func publisher() async throws -> PostgresClient {
        let database = try await ScratchDatabase.create(settings: settings, logger: logger)
        try await database.run(OutboxSchema.createOutbox + OutboxSchema.addDelivery, logger: logger)
        return database.client(logger: logger)
    }

    func exporter(_ client: PostgresClient, root: URL, maxEvents: Int = 100, maxAge: Duration = .zero, crash: AnalyticsExporter.CrashPoints = .init())
        -> AnalyticsExporter
    {
        AnalyticsExporter(
            client: client, configuration: .init(root: root, maxEventsPerFile: maxEvents, maxAge: maxAge, lease: .milliseconds(300)),
            logger: logger, crashPoints: crash)
    }

    func publish(_ count: Int, on client: PostgresClient) async throws -> Set<UUID> {
        var ids = Set<UUID>()
        for n in 1...count {
            let id = try await client.withConnection { connection in
                try await connection.inTransaction(logger: logger) { connection in
                    try await writer.append(Happened(thing: "t\(n % 3)", n: n), occurredAt: Date(), on: connection, logger: logger)
                }
            }
            ids.insert(id)
        }
        return ids
    }

    func newRoot() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID())")
    }

    /// Every file under `root`, relative path → contents.
    func files(in root: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return result }
        for case let url as URL in enumerator where !url.hasDirectoryPath {
            result[String(url.path.dropFirst(root.path.count + 1))] = try Data(contentsOf: url)
        }
        return result
    }

    /// The event ids in the complete files, checking each line parses and each file name has the layout.
    func exportedIDs(in root: URL) throws -> [UUID] {
        var ids: [UUID] = []
        let today = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withFullDate])
        for (path, data) in try files(in: root) {
            #expect(
                path.range(of: #"^test\.v1\.Happened/event_date=\d{4}-\d{2}-\d{2}/part-[0-9a-f-]{36}\.jsonl$"#, options: .regularExpression) != nil,
                "\(path)")
            #expect(path.contains("event_date=\(today)"))
            for line in data.split(separator: 0x0A) {
                let envelope = try IntegrationEventCoding.decoder.decode(EventEnvelope.self, from: Data(line))
                #expect(try envelope.decode(as: Happened.self) != nil)
                ids.append(envelope.id)
            }
        }
        return ids
    }

    @Test func everyEventLandsInExactlyOneCompleteFile() async throws {
        let client = try await publisher()
        let root = newRoot()
        try await withRunningClients([client]) {
            let published = try await publish(25, on: client)
            let files = try await exporter(client, root: root, maxEvents: 10).runOnce()
            #expect(files.count == 3)
            let ids = try exportedIDs(in: root)
            #expect(ids.count == 25)
            #expect(Set(ids) == published)
            #expect(try await exporter(client, root: root, maxEvents: 10).runOnce().isEmpty)
        }
    }

    @Test func filesRollBySizeAndByAge() async throws {
        let client = try await publisher()
        let root = newRoot()
        try await withRunningClients([client]) {
            _ = try await publish(25, on: client)
            let patient = exporter(client, root: root, maxEvents: 10, maxAge: .seconds(3600))
            // Two full files now; the remaining five wait for more events or for their age.
            #expect(try await patient.runOnce().count == 2)
            #expect(try exportedIDs(in: root).count == 20)
            #expect(try await patient.runOnce().isEmpty)
            #expect(try await exporter(client, root: root, maxEvents: 10, maxAge: .zero).runOnce().count == 1)
            #expect(try exportedIDs(in: root).count == 25)
        }
    }

    @Test func aPassWithNothingDueLeavesTheWaitingEventsUntouched() async throws {
        let client = try await publisher()
        let root = newRoot()
        try await withRunningClients([client]) {
            _ = try await publish(5, on: client)
            #expect(try await exporter(client, root: root, maxEvents: 10, maxAge: .seconds(3600)).runOnce().isEmpty)
            // A row locked FOR UPDATE keeps the locker in xmax after its commit: a pass that only
            // looked must not have locked (and so rewritten) what waits, as it once did every second.
            let locked = try await client.query(
                "SELECT count(*)::int FROM platform.outbox_deliveries WHERE subscriber = \(AnalyticsExporter.subscriber) AND xmax::text <> '0'",
                logger: logger
            ).decode(Int.self).reduce(0, +)
            #expect(locked == 0)
        }
    }

    @Test func writtenFilesNeverChange() async throws {
        let client = try await publisher()
        let root = newRoot()
        try await withRunningClients([client]) {
            _ = try await publish(5, on: client)
            _ = try await exporter(client, root: root).runOnce()
            let before = try files(in: root)
            _ = try await publish(5, on: client)
            _ = try await exporter(client, root: root).runOnce()
            let after = try files(in: root)
            for (path, data) in before { #expect(after[path] == data) }
            #expect(after.count == before.count + 1)
        }
    }

    @Test(arguments: ["afterWrite", "afterRename"])
    func anExporterKilledMidwayLeavesEachEventInExactlyOneFile(_ point: String) async throws {
        let client = try await publisher()
        let root = newRoot()
        try await withRunningClients([client]) {
            let published = try await publish(12, on: client)
            var crash = AnalyticsExporter.CrashPoints()
            if point == "afterWrite" { crash.afterWrite = { true } } else { crash.afterRename = { true } }
            await #expect(throws: ExporterCrash.self) { try await exporter(client, root: root, crash: crash).runOnce() }
            // Nothing half-written is visible under a final name.
            #expect(try files(in: root).keys.allSatisfy { !$0.hasSuffix(".jsonl") || point == "afterRename" })
            try await Task.sleep(for: .milliseconds(400))
            _ = try await exporter(client, root: root).runOnce()
            let ids = try exportedIDs(in: root.self)
            #expect(ids.count == 12)
            #expect(Set(ids) == published)
        }
    }
}
