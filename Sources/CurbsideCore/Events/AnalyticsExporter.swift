import Foundation
import IntegrationEvents
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// The Databricks-facing subscriber: writes every integration event of a service as one JSON line
/// into write-once files laid out for Auto Loader:
/// `<root>/<event type>/event_date=YYYY-MM-DD/part-<uuid>.jsonl`.
///
/// Exactly once across files, whatever crashes: events are first assigned to a file name (in the
/// database, under a lease), then the file is written under a temporary name and renamed, then the
/// events are marked delivered. An exporter that finds assigned events whose lease expired finishes
/// the job: it marks them if their file exists, or writes that same file if it does not. A file is
/// never written again after its rename. Files roll by size (`maxEventsPerFile`) and age
/// (`maxAge` of the oldest waiting event).
public struct AnalyticsExporter: Service {
    public struct Configuration: Sendable {
        public var root: URL
        public var maxEventsPerFile: Int
        public var maxAge: Duration
        public var lease: Duration
        public var pollInterval: Duration

        public init(
            root: URL, maxEventsPerFile: Int = 10_000, maxAge: Duration = .seconds(60), lease: Duration = .seconds(60),
            pollInterval: Duration = .seconds(1)
        ) {
            self.root = root
            self.maxEventsPerFile = maxEventsPerFile
            self.maxAge = maxAge
            self.lease = lease
            self.pollInterval = pollInterval
        }
    }

    /// Points at which a test can stop the exporter as if the process died there.
    public struct CrashPoints: Sendable {
        public var afterWrite: @Sendable () -> Bool = { false }
        public var afterRename: @Sendable () -> Bool = { false }
        public init() {}
    }

    let client: PostgresClient
    let configuration: Configuration
    let owner = UUID()
    let logger: Logger
    let crashPoints: CrashPoints
    static let subscriber = EventRouting.analytics

    public init(client: PostgresClient, configuration: Configuration, logger: Logger, crashPoints: CrashPoints = CrashPoints()) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.crashPoints = crashPoints
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    // A pass longer than its lease is pointless (another exporter takes the files
                    // over) and one that never returns must not stop the export or the shutdown.
                    _ = try await abandon(after: configuration.lease) { try await runOnce() }
                } catch is ExporterCrash {
                    return
                } catch let error as WorkAbandoned {
                    logger.error("analytics export pass abandoned", metadata: ["error.message": "\(error)"])
                } catch {
                    // Shutdown interrupting a pass is not a failure worth waking anyone for.
                    if Task.isCancelled { return }
                    logger.warning("analytics export pass failed", metadata: ["error.message": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: configuration.pollInterval)
            }
        }
    }

    /// One pass: finish files abandoned by a dead exporter, then export what is due. Returns the files completed.
    @discardableResult
    public func runOnce() async throws -> [URL] {
        var completed: [URL] = []
        for file in try await takeOverAbandonedFiles() {
            completed.append(try await complete(file))
        }
        for file in try await assignDueEvents() {
            completed.append(try await complete(file))
        }
        return completed
    }

    /// Files other exporters claimed but never finished (their lease ran out); now leased to this one.
    private func takeOverAbandonedFiles() async throws -> [String] {
        let rows = try await client.query(
            """
            UPDATE platform.outbox_deliveries SET lease_owner = \(owner), lease_until = now() + \(configuration.lease.inSeconds) * interval '1 second'
            WHERE subscriber = \(Self.subscriber) AND state = 'PENDING' AND export_file IS NOT NULL AND lease_until < now()
            RETURNING export_file
            """, logger: logger)
        var files = Set<String>()
        for try await file in rows.decode(String.self) { files.insert(file) }
        return files.sorted()
    }

    /// Whether a file may be due: the oldest waiting event has waited `maxAge`, or a file's worth is
    /// waiting (perhaps of several types and days, so not certainly one file). Reads at most a
    /// file's worth of index entries and locks nothing: the read that assigns files locks every
    /// waiting event, and running it every poll locked a minute's events each second (some 25 ms
    /// of the database's time a pass per service under the trip benchmark's load).
    private func mayBeDue() async throws -> Bool {
        let rows = try await client.query(
            """
            SELECT COALESCE((
                SELECT d.created_at <= now() - make_interval(secs => \(configuration.maxAge.inSeconds))
                FROM platform.outbox_deliveries d
                WHERE d.subscriber = \(Self.subscriber) AND d.state = 'PENDING' AND d.export_file IS NULL
                ORDER BY d.next_attempt_at LIMIT 1
            ), false) OR (
                SELECT count(*) FROM (
                    SELECT FROM platform.outbox_deliveries d
                    WHERE d.subscriber = \(Self.subscriber) AND d.state = 'PENDING' AND d.export_file IS NULL
                    LIMIT \(configuration.maxEventsPerFile)
                ) waiting
            ) >= \(configuration.maxEventsPerFile)
            """, logger: logger)
        for try await due in rows.decode(Bool.self) { return due }
        return false
    }

    /// Assigns waiting events to new files when enough are waiting or the oldest has waited long enough.
    private func assignDueEvents() async throws -> [String] {
        guard try await mayBeDue() else { return [] }
        return try await client.withConnection { connection in
            try await connection.inTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    SELECT d.event_id, o.type, to_char(o.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), d.created_at
                    FROM platform.outbox_deliveries d JOIN platform.outbox o ON o.id = d.event_id
                    WHERE d.subscriber = \(Self.subscriber) AND d.state = 'PENDING' AND d.export_file IS NULL
                    ORDER BY d.seq
                    LIMIT \(configuration.maxEventsPerFile * 10)
                    FOR UPDATE OF d SKIP LOCKED
                    """, logger: logger)
                var groups: [String: [(UUID, Date)]] = [:]
                for try await (id, type, date, created) in rows.decode((UUID, String, String, Date).self) {
                    groups[type + "\u{0}" + date, default: []].append((id, created))
                }
                let now = Date()
                let maxAge = configuration.maxAge.inSeconds
                var files: [String] = []
                for (key, events) in groups.sorted(by: { $0.key < $1.key }) {
                    let parts = key.split(separator: "\u{0}").map(String.init)
                    let oldest = events.map(\.1).min() ?? now
                    let isFull = events.count >= configuration.maxEventsPerFile
                    guard isFull || now.timeIntervalSince(oldest) >= maxAge else { continue }
                    // Only whole files when rolling by size; an old group is flushed whatever its size.
                    let chunkCount =
                        isFull && now.timeIntervalSince(oldest) < maxAge
                        ? events.count / configuration.maxEventsPerFile
                        : (events.count + configuration.maxEventsPerFile - 1) / configuration.maxEventsPerFile
                    for chunk in 0..<chunkCount {
                        let slice = events.dropFirst(chunk * configuration.maxEventsPerFile).prefix(configuration.maxEventsPerFile)
                        let file = "\(Self.safe(parts[0]))/event_date=\(parts[1])/part-\(UUID().uuidString.lowercased()).jsonl"
                        try await connection.query(
                            """
                            UPDATE platform.outbox_deliveries
                            SET export_file = \(file), lease_owner = \(owner),
                                lease_until = now() + \(configuration.lease.inSeconds) * interval '1 second'
                            WHERE subscriber = \(Self.subscriber) AND event_id = ANY(\(slice.map(\.0)))
                            """, logger: logger)
                        files.append(file)
                    }
                }
                return files
            }
        }
    }

    /// Writes `file` from the events assigned to it (unless a previous exporter already renamed it),
    /// then marks them delivered.
    private func complete(_ file: String) async throws -> URL {
        let final = configuration.root.appendingPathComponent(file)
        if !FileManager.default.fileExists(atPath: final.path) {
            let lines = try await lines(of: file)
            try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = final.deletingLastPathComponent().appendingPathComponent("." + final.lastPathComponent + ".tmp")
            var data = Data()
            for line in lines {
                data.append(line)
                data.append(0x0A)
            }
            try data.write(to: temporary)
            if crashPoints.afterWrite() { throw ExporterCrash() }
            guard rename(temporary.path, final.path) == 0 else { throw ExportError.renameFailed(final.path) }
            Counter(label: "curbside_analytics_files_total").increment()
            if crashPoints.afterRename() { throw ExporterCrash() }
        }
        try await client.query(
            """
            UPDATE platform.outbox_deliveries SET state = 'DELIVERED', delivered_at = now(), lease_owner = NULL, lease_until = NULL
            WHERE subscriber = \(Self.subscriber) AND export_file = \(file) AND state = 'PENDING'
            """, logger: logger)
        logger.debug("analytics file written", metadata: ["file": "\(file)"])
        return final
    }

    private func lines(of file: String) async throws -> [Data] {
        let rows = try await client.query(
            """
            SELECT o.id, o.type, o.aggregatetype, o.aggregateid, o.occurred_at, o.schema_version, o.trace_id, o.payload::text
            FROM platform.outbox_deliveries d JOIN platform.outbox o ON o.id = d.event_id
            WHERE d.subscriber = \(Self.subscriber) AND d.export_file = \(file)
            ORDER BY d.seq
            """, logger: logger)
        var lines: [Data] = []
        for try await row in rows.decode((UUID, String, String, String, Date, Int, String?, String).self) {
            let envelope = EventEnvelope(
                id: row.0, type: row.1, aggregateType: row.2, aggregateID: row.3,
                occurTime: Timestamp.roundedToMilliseconds(row.4), schemaVersion: row.5, traceID: row.6,
                payload: JSONPayload(data: Data(row.7.utf8)))
            lines.append(try envelope.encoded())
        }
        return lines
    }

    /// Event types are `service.v1.Name`; anything else is made path-safe.
    static func safe(_ type: String) -> String {
        String(type.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" ? $0 : "_" })
    }
}

/// Thrown at a crash point.
struct ExporterCrash: Error {}

enum ExportError: Error {
    case renameFailed(String)
}
