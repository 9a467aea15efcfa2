import CurbsideCore
import Foundation
import Logging
import PostgresNIO

/// Jobs (trips being matched) and offers, always inside the caller's transaction.
///
/// Lock order, everywhere: job, then its offers, then drivers. Two transactions touching the same
/// trip therefore serialize on the job row and never deadlock.
struct MatchingStore: Sendable {
    /// Creates the job unless it exists; returns whether it was created.
    func insert(_ job: JobRecord, zone: String, wakeTime: Date?, now: Date, on connection: PostgresConnection, logger: Logger)
        async throws -> Bool
    {
        let rows = try await connection.query(
            """
            INSERT INTO platform.jobs (trip_id, passenger_id, vehicle_class, pickup_latitude, pickup_longitude,
                dropoff_latitude, dropoff_longitude, zone, state, excluded_drivers, match_start_time, max_offers, give_up_time,
                wake_time, create_time, update_time)
            VALUES (\(job.tripID), \(job.passengerID), \(job.vehicleClass), \(job.pickup.latitude), \(job.pickup.longitude),
                \(job.dropoff.latitude), \(job.dropoff.longitude), \(zone), 'OPEN', \(job.excludedDrivers),
                \(job.matchStartTime.postgres), \(job.maxOffers), \(job.giveUpTime?.postgres), \(wakeTime?.postgres),
                \(now.postgres), \(now.postgres))
            ON CONFLICT (trip_id) DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    func job(_ tripID: UUID, lock: Bool, on connection: PostgresConnection, logger: Logger) async throws -> JobRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: JobRecord.columns) FROM platform.jobs WHERE trip_id = \(tripID) \(unescaped: lock ? "FOR UPDATE" : "")",
            logger: logger)
        for try await row in rows.decode(JobRecord.Row.self) { return JobRecord(row) }
        return nil
    }

    /// Saves the mutable fields of a job.
    func save(_ job: JobRecord, wakeTime: Date?, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE platform.jobs SET state = \(job.state), assigned_driver = \(job.assignedDriver),
                excluded_drivers = \(job.excludedDrivers), offers_made = \(job.offersMade),
                match_start_time = \(job.matchStartTime.postgres), max_offers = \(job.maxOffers),
                give_up_time = \(job.giveUpTime?.postgres), wake_time = \(wakeTime?.postgres),
                update_time = \(now.postgres)
            WHERE trip_id = \(job.tripID)
            """, logger: logger)
    }

    func setWake(_ tripID: UUID, _ wakeTime: Date?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE platform.jobs SET wake_time = \(wakeTime?.postgres) WHERE trip_id = \(tripID)", logger: logger)
    }

    /// Claims OPEN jobs whose timer is due, skipping those another instance (or a request) holds.
    func claimDue(now: Date, limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            SELECT trip_id FROM platform.jobs WHERE state = 'OPEN' AND wake_time <= \(now.postgres)
            ORDER BY wake_time LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """, logger: logger)
        return try await rows.decode(UUID.self).collect()
    }

    /// Claims OPEN jobs waiting for the batched matcher (no timer, no open offer).
    func claimWaitingForBatch(limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            SELECT trip_id FROM platform.jobs WHERE state = 'OPEN' AND wake_time IS NULL
            ORDER BY create_time LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """, logger: logger)
        return try await rows.decode(UUID.self).collect()
    }

    // MARK: Offers

    func offer(_ id: UUID, lock: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> OfferRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: OfferRecord.columns) FROM platform.offers o JOIN platform.jobs j USING (trip_id)
            WHERE o.id = \(id) \(unescaped: lock ? "FOR UPDATE OF o" : "")
            """, logger: logger)
        for try await row in rows.decode(OfferRecord.Row.self) { return OfferRecord(row) }
        return nil
    }

    /// The job's open offers, locked.
    func openOffers(trip: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [OfferRecord] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: OfferRecord.columns) FROM platform.offers o JOIN platform.jobs j USING (trip_id)
            WHERE o.trip_id = \(trip) AND o.state = 'OPEN' ORDER BY o.create_time FOR UPDATE OF o
            """, logger: logger)
        return try await rows.decode(OfferRecord.Row.self).collect().map(OfferRecord.init)
    }

    /// The driver's open offer, if any (not locked: callers lock the job first, then re-read).
    func openOffer(driver: UUID, on connection: PostgresConnection, logger: Logger) async throws -> OfferRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: OfferRecord.columns) FROM platform.offers o JOIN platform.jobs j USING (trip_id)
            WHERE o.driver_id = \(driver) AND o.state = 'OPEN'
            """, logger: logger)
        for try await row in rows.decode(OfferRecord.Row.self) { return OfferRecord(row) }
        return nil
    }

    func openOffers(driver: UUID, logger: Logger, on client: PostgresClient) async throws -> [OfferRecord] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: OfferRecord.columns) FROM platform.offers o JOIN platform.jobs j USING (trip_id)
            WHERE o.driver_id = \(driver) AND o.state = 'OPEN' ORDER BY o.create_time DESC
            """, logger: logger)
        return try await rows.decode(OfferRecord.Row.self).collect().map(OfferRecord.init)
    }

    /// Every offer made for a trip, oldest first, at most `limit` (the trip's timeline).
    func offers(trip: UUID, limit: Int, logger: Logger, on client: PostgresClient) async throws -> [OfferRecord] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: OfferRecord.columns) FROM platform.offers o JOIN platform.jobs j USING (trip_id)
            WHERE o.trip_id = \(trip) ORDER BY o.create_time, o.id LIMIT \(limit)
            """, logger: logger)
        return try await rows.decode(OfferRecord.Row.self).collect().map(OfferRecord.init)
    }

    /// Inserts an OPEN offer unless the driver holds one already (the partial unique index decides,
    /// also against another instance); counts it on the driver. Returns whether it was made.
    func insertOffer(_ offer: OfferRecord, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO platform.offers (id, trip_id, driver_id, state, pickup_eta_seconds, create_time, expire_time)
            VALUES (\(offer.id), \(offer.tripID), \(offer.driverID), 'OPEN', \(offer.pickupEtaSeconds),
                \(offer.createTime.postgres), \(offer.expireTime.postgres))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger)
        var made = false
        for try await _ in rows { made = true }
        if made {
            try await connection.query(
                "UPDATE platform.drivers SET offers_received = offers_received + 1 WHERE driver_id = \(offer.driverID)",
                logger: logger)
        }
        return made
    }

    func close(_ offer: UUID, state: String, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE platform.offers SET state = \(state), close_time = \(now.postgres) WHERE id = \(offer) AND state = 'OPEN'",
            logger: logger)
    }

    /// How many of the nearest available drivers matching considers: enough that drivers busy with
    /// another offer, excluded or locked by another instance rarely leave too few. Each one costs a
    /// `drivers` lookup and two `offers` probes: with 100,000 drivers online, 200 took 8 ms a round
    /// and 64 take 3 ms (a round per offer and per timeout, so this bounds dispatch's throughput).
    static let nearestConsidered = 64

    /// Available drivers of the job's class within the largest radius step, nearest first, locked so
    /// that no other instance offers them anything meanwhile (locked ones are skipped, not awaited).
    func candidates(for job: JobRecord, policy: MatchingPolicy, now: Date, limit: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> [Candidate]
    {
        let freshSince = now.addingTimeInterval(-policy.staleAfter)
        let (x, y) = (job.pickup.longitude, job.pickup.latitude)
        let rows = try await connection.query(
            """
            WITH nearest AS MATERIALIZED (
                -- The partial GiST index (available drivers only) walked nearest first, stopping after
                -- a fixed number: no driver further away can rank higher. Sphere distances, within
                -- 0.3 % of the spheroid's.
                SELECT p.driver_id, p.position <-> ST_SetSRID(ST_MakePoint(\(x), \(y)), 4326)::geography AS distance
                FROM platform.driver_positions p
                WHERE p.available AND p.vehicle_class = \(job.vehicleClass) AND p.record_time > \(freshSince.postgres)
                ORDER BY p.position <-> ST_SetSRID(ST_MakePoint(\(x), \(y)), 4326)::geography
                LIMIT \(Self.nearestConsidered)
            )
            SELECT d.driver_id, n.distance, d.offers_received, d.offers_accepted, d.idle_since
            FROM nearest n JOIN platform.drivers d USING (driver_id)
            -- Re-checked on the locked `drivers` row: the copy in `driver_positions` may be a commit behind.
            WHERE n.distance <= \(policy.maxRadiusMeters)
                AND d.availability = 'ONLINE' AND d.current_trip IS NULL AND d.vehicle_class = \(job.vehicleClass)
                AND NOT (d.driver_id = ANY(\(job.excludedDrivers)))
                AND NOT EXISTS (SELECT 1 FROM platform.offers o WHERE o.driver_id = d.driver_id AND o.state = 'OPEN')
                AND NOT EXISTS (SELECT 1 FROM platform.offers o WHERE o.trip_id = \(job.tripID) AND o.driver_id = d.driver_id)
            ORDER BY n.distance
            LIMIT \(limit)
            FOR UPDATE OF d SKIP LOCKED
            """, logger: logger)
        return try await rows.decode((UUID, Double, Int, Int, Date).self).collect().map {
            Candidate(driverID: $0.0, distanceMeters: $0.1, offersReceived: $0.2, offersAccepted: $0.3, idleSince: $0.4)
        }
    }

    /// Frees whoever holds `trip`; returns the drivers freed.
    func release(trip: UUID, now: Date, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            UPDATE platform.drivers SET current_trip = NULL, idle_since = \(now.postgres), update_time = \(now.postgres)
            WHERE current_trip = \(trip) RETURNING driver_id
            """, logger: logger)
        return try await rows.decode(UUID.self).collect()
    }

    func assign(driver: UUID, trip: UUID, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE platform.drivers SET current_trip = \(trip), offers_accepted = offers_accepted + 1, update_time = \(now.postgres)
            WHERE driver_id = \(driver)
            """, logger: logger)
    }
}

extension AsyncSequence {
    /// Every element, in order.
    func collect() async throws -> [Element] {
        var result: [Element] = []
        for try await element in self { result.append(element) }
        return result
    }
}
