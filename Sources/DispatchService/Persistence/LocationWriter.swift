import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// Writes drivers' location reports to `driver_positions` (and trip trails) in groups, and shares
/// on-trip drivers' positions with their passengers.
///
/// Every online driver reports every few seconds, so reports are the busiest write of the platform.
/// One statement per report spent most of PostgreSQL's time parsing, planning and committing; here
/// the reports that arrive while a write is in flight go together in the next one (``GroupCommit``),
/// one statement and one commit for all of them. A report is answered only after its batch
/// committed, exactly as when it was written alone.
///
/// The batches commit with ``Database/CommitDurability/eventual`` durability: answered once
/// committed, on disk within about 0.6 s. A crash of the database server in between loses the
/// batch whole (position, trail points and shares together); the driver's next report, seconds
/// later, supersedes it. Waiting for the flush was about a third of a report's time at 2,000 a
/// second on the bench machine (BENCHMARKS.md, session 15).
///
/// A driver on a trip has their position shared as `dispatch.v1.DriverPositionShared`, at most once
/// per `shareInterval`: the statement decides which reports are due (and records it on the position
/// row) and the events go into the outbox in the same transaction, so a share is never lost or
/// doubled by a crash between the two.
struct LocationWriter: Sendable {
    /// One report to keep, when it was received, and the request that sent it (for the shared event).
    struct Entry: Sendable {
        var driverID: UUID
        var report: LocationReport
        var receiveTime: Date
        var traceID: String?
    }

    /// Kept (`true`), older than the kept one (`false`), or no position row: the driver never went online (`nil`).
    typealias Outcome = Bool?

    /// What the batch statement says about one driver.
    struct Written: Sendable {
        var kept: Bool
        var exists: Bool
        /// Set when this report is the one shared with the passenger of `trip`.
        var share: (trip: UUID, passenger: UUID)?
    }

    static let maxBatch = 500
    /// Two writes in flight: while one commits the next batch is already being sent.
    static let maxWriters = 2

    private let group: GroupCommit<Entry, Outcome>

    init(database: Database, outbox: OutboxWriter, shareInterval: TimeInterval, logger: Logger) {
        group = GroupCommit(maxBatch: Self.maxBatch, maxWriters: Self.maxWriters) { entries in
            try await Self.write(entries, shareInterval: shareInterval, database: database, outbox: outbox, logger: logger)
        }
    }

    /// Keeps `report` unless a newer one is kept already; appends it to the trail of the driver's trip.
    func record(_ driverID: UUID, _ report: LocationReport, now: Date) async throws -> Outcome {
        try await group.submit(Entry(driverID: driverID, report: report, receiveTime: now, traceID: RequestScope.current.traceID))
    }

    /// Writes a batch. A driver reported twice in one batch keeps the newest report (its other
    /// reports are answered "not kept", as they would have been one after the other).
    static func write(
        _ entries: [Entry], shareInterval: TimeInterval, database: Database, outbox: OutboxWriter, logger: Logger
    ) async throws -> [Outcome] {
        var newest: [UUID: Int] = [:]
        for (index, entry) in entries.enumerated() {
            if let kept = newest[entry.driverID], entries[kept].report.recordTime >= entry.report.recordTime { continue }
            newest[entry.driverID] = index
        }
        // In driver order, so two instances writing overlapping batches lock rows in the same order.
        let written = newest.values.sorted { entries[$0].driverID < entries[$1].driverID }.map { entries[$0] }
        var results: [UUID: Written] = [:]
        for attempt in 1... {
            do {
                results = try await store(written, shareInterval: shareInterval, database: database, outbox: outbox, logger: logger)
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

    private static func store(
        _ entries: [Entry], shareInterval: TimeInterval, database: Database, outbox: OutboxWriter, logger: Logger
    ) async throws -> [UUID: Written] {
        // Committed without waiting for the disk: a report is superseded by the driver's next one
        // within seconds, and waiting for the flush was a third of a report's time at 2,000/s.
        try await database.transaction(durability: .eventual, logger: logger) { connection in
            var results: [UUID: Written] = [:]
            let statement = RecordLocations(entries: entries, shareIntervalSeconds: shareInterval)
            for try await (id, kept, exists, trip, passenger) in try await connection.execute(statement, logger: logger) {
                let share = trip.flatMap { trip in passenger.map { (trip, $0) } }
                results[id] = Written(kept: kept, exists: exists, share: share)
            }
            let shares = try entries.compactMap { entry -> EventEnvelope? in
                guard let share = results[entry.driverID]?.share else { return nil }
                return try EventEnvelope(
                    DispatchV1.DriverPositionShared(
                        driver: Names.driver(entry.driverID), trip: Names.trip(share.trip),
                        passenger: "users/\(share.passenger.uuidString.lowercased())",
                        position: GeoPoint(latitude: entry.report.coordinate.latitude, longitude: entry.report.coordinate.longitude),
                        headingDegrees: entry.report.headingDegrees, speedMetersPerSecond: entry.report.speedMetersPerSecond,
                        recordTime: entry.report.recordTime),
                    occurTime: entry.receiveTime, traceID: entry.traceID)
            }
            try await outbox.append(contentsOf: shares, on: connection, logger: logger)
            return results
        }
    }
}

/// The batch statement, prepared once per connection: planning it anew for every batch cost more
/// than running it (PostgreSQL switches to its generic plan after five executions).
struct RecordLocations: PostgresPreparedStatement {
    static let name = "dispatch_record_locations_v2"
    // `updated` reads the driver's trip without locking the driver row (accepting an offer locks it
    // first and then this position row through a trigger; locking in the other order here could
    // deadlock). A report is shared when the driver has a trip and the last share is older than
    // the interval ($9 seconds); `share_time` takes the receive time exactly then.
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
                record_time = i.record_time, receive_time = i.receive_time,
                share_time = CASE
                    WHEN d.current_trip IS NOT NULL
                        AND (p.share_time IS NULL OR p.share_time <= i.receive_time - make_interval(secs => $9))
                    THEN i.receive_time ELSE p.share_time END
            FROM input i LEFT JOIN platform.drivers d USING (driver_id)
            WHERE p.driver_id = i.driver_id AND p.record_time < i.record_time
            RETURNING p.driver_id, d.current_trip, d.current_trip IS NOT NULL AND p.share_time = i.receive_time AS shared
        ), trail AS (
            INSERT INTO platform.trail_points (trip_id, driver_id, record_time, latitude, longitude)
            SELECT u.current_trip, u.driver_id, i.record_time, i.latitude, i.longitude
            FROM updated u JOIN input i USING (driver_id)
            WHERE u.current_trip IS NOT NULL
            ON CONFLICT DO NOTHING
        )
        SELECT i.driver_id, u.driver_id IS NOT NULL, p.driver_id IS NOT NULL,
            CASE WHEN u.shared THEN j.trip_id END, CASE WHEN u.shared THEN j.passenger_id END
        FROM input i
        LEFT JOIN updated u USING (driver_id)
        LEFT JOIN platform.driver_positions p USING (driver_id)
        LEFT JOIN platform.jobs j ON u.shared AND j.trip_id = u.current_trip
        """
    typealias Row = (UUID, Bool, Bool, UUID?, UUID?)

    let entries: [LocationWriter.Entry]
    let shareIntervalSeconds: Double

    func makeBindings() throws -> PostgresBindings {
        // Arrays cannot carry NULL through PostgresNIO's array encoding: NaN stands for "not reported"
        // (validated reports are never NaN).
        func optional(_ value: Double?) -> Double { value ?? .nan }
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(entries.map(\.driverID))
        bindings.append(entries.map(\.report.coordinate.latitude))
        bindings.append(entries.map(\.report.coordinate.longitude))
        bindings.append(entries.map { optional($0.report.accuracyMeters) })
        bindings.append(entries.map { optional($0.report.headingDegrees) })
        bindings.append(entries.map { optional($0.report.speedMetersPerSecond) })
        bindings.append(entries.map(\.report.recordTime.postgres))
        bindings.append(entries.map(\.receiveTime.postgres))
        bindings.append(shareIntervalSeconds)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
