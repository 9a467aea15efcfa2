import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Writes drivers' location reports to `driver_positions` (and trip trails) in groups.
///
/// Every online driver reports every few seconds, so reports are the busiest write of the platform.
/// One statement per report spent most of PostgreSQL's time parsing, planning and committing; here
/// the reports that arrive while a write is in flight go together in the next one (``GroupCommit``),
/// one statement and one commit for all of them. A report is answered only after its batch
/// committed, exactly as when it was written alone.
struct LocationWriter: Sendable {
    /// One report to keep, and when it was received.
    struct Entry: Sendable {
        var driverID: UUID
        var report: LocationReport
        var receiveTime: Date
    }

    /// Kept (`true`), older than the kept one (`false`), or no position row: the driver never went online (`nil`).
    typealias Outcome = Bool?

    static let maxBatch = 500
    /// Two writes in flight: while one commits the next batch is already being sent.
    static let maxWriters = 2

    private let group: GroupCommit<Entry, Outcome>

    init(database: Database, logger: Logger) {
        group = GroupCommit(maxBatch: Self.maxBatch, maxWriters: Self.maxWriters) { entries in
            try await Self.write(entries, database: database, logger: logger)
        }
    }

    /// Keeps `report` unless a newer one is kept already; appends it to the trail of the driver's trip.
    func record(_ driverID: UUID, _ report: LocationReport, now: Date) async throws -> Outcome {
        try await group.submit(Entry(driverID: driverID, report: report, receiveTime: now))
    }

    /// Writes a batch. A driver reported twice in one batch keeps the newest report (its other
    /// reports are answered "not kept", as they would have been one after the other).
    static func write(_ entries: [Entry], database: Database, logger: Logger) async throws -> [Outcome] {
        var newest: [UUID: Int] = [:]
        for (index, entry) in entries.enumerated() {
            if let kept = newest[entry.driverID], entries[kept].report.recordTime >= entry.report.recordTime { continue }
            newest[entry.driverID] = index
        }
        // In driver order, so two instances writing overlapping batches lock rows in the same order.
        let written = newest.values.sorted { entries[$0].driverID < entries[$1].driverID }.map { entries[$0] }
        var results: [UUID: (kept: Bool, exists: Bool)] = [:]
        for attempt in 1... {
            do {
                results = try await store(written, database: database, logger: logger)
                break
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "40P01" && attempt < 3 {
                logger.notice("location batch deadlocked with another instance's; retrying", metadata: ["attempt": "\(attempt)"])
            }
        }
        return entries.enumerated().map { index, entry in
            guard let result = results[entry.driverID], result.exists else { return nil }
            return newest[entry.driverID] == index ? result.kept : false
        }
    }

    private static func store(_ entries: [Entry], database: Database, logger: Logger) async throws -> [UUID: (kept: Bool, exists: Bool)] {
        try await database.readPrimary { client in
            var results: [UUID: (kept: Bool, exists: Bool)] = [:]
            for try await (id, kept, exists) in try await client.execute(RecordLocations(entries: entries), logger: logger) {
                results[id] = (kept, exists)
            }
            return results
        }
    }
}

/// The batch statement, prepared once per connection: planning it anew for every batch cost more
/// than running it (PostgreSQL switches to its generic plan after five executions).
struct RecordLocations: PostgresPreparedStatement {
    static let name = "dispatch_record_locations_v1"
    static let sql = """
        WITH input AS MATERIALIZED (
            SELECT * FROM unnest($1::uuid[], $2::float8[], $3::float8[], $4::float8[], $5::float8[], $6::float8[],
                $7::timestamptz[], $8::timestamptz[])
                AS i(driver_id, latitude, longitude, accuracy, heading, speed, record_time, receive_time)
        ), updated AS (
            UPDATE platform.driver_positions p SET
                position = ST_SetSRID(ST_MakePoint(i.longitude, i.latitude), 4326)::geography,
                latitude = i.latitude, longitude = i.longitude, accuracy_meters = NULLIF(i.accuracy, 'NaN'),
                heading_degrees = NULLIF(i.heading, 'NaN'), speed_meters_per_second = NULLIF(i.speed, 'NaN'),
                record_time = i.record_time, receive_time = i.receive_time
            FROM input i
            WHERE p.driver_id = i.driver_id AND p.record_time < i.record_time
            RETURNING p.driver_id
        ), trail AS (
            INSERT INTO platform.trail_points (trip_id, driver_id, record_time, latitude, longitude)
            SELECT d.current_trip, d.driver_id, i.record_time, i.latitude, i.longitude
            FROM updated u JOIN input i USING (driver_id) JOIN platform.drivers d USING (driver_id)
            WHERE d.current_trip IS NOT NULL
            ON CONFLICT DO NOTHING
        )
        SELECT i.driver_id, u.driver_id IS NOT NULL, p.driver_id IS NOT NULL
        FROM input i
        LEFT JOIN updated u USING (driver_id)
        LEFT JOIN platform.driver_positions p USING (driver_id)
        """
    typealias Row = (UUID, Bool, Bool)

    let entries: [LocationWriter.Entry]

    func makeBindings() throws -> PostgresBindings {
        // Arrays cannot carry NULL through PostgresNIO's array encoding: NaN stands for "not reported"
        // (validated reports are never NaN).
        func optional(_ value: Double?) -> Double { value ?? .nan }
        var bindings = PostgresBindings(capacity: 8)
        bindings.append(entries.map(\.driverID))
        bindings.append(entries.map(\.report.coordinate.latitude))
        bindings.append(entries.map(\.report.coordinate.longitude))
        bindings.append(entries.map { optional($0.report.accuracyMeters) })
        bindings.append(entries.map { optional($0.report.headingDegrees) })
        bindings.append(entries.map { optional($0.report.speedMetersPerSecond) })
        bindings.append(entries.map(\.report.recordTime.postgres))
        bindings.append(entries.map(\.receiveTime.postgres))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
