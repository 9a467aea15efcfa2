import Foundation
import IntegrationEvents
import Logging
import PostgresNIO

/// The relay's view of `platform.outbox_deliveries`: claim due deliveries under a lease, then
/// record what happened. Each statement is its own short transaction; nothing is held open while
/// an event travels to its subscriber.
public struct DeliveryStore: Sendable {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// A delivery the relay now holds the lease of.
    public struct Claim: Sendable {
        public var subscriber: String
        public var envelope: EventEnvelope
        /// Including this one.
        public var attempts: Int
    }

    /// Leases up to `limit` due deliveries for `subscribers`: for each aggregate with a backlog, a run
    /// of up to `perAggregate` consecutive undelivered events starting at its earliest one. A run is
    /// due only when its first event is (pending, past its backoff, not leased), so a parked or
    /// failing event holds back its own aggregate and nothing else. Locking an aggregate's first
    /// event stands for the whole aggregate: another relay claiming at the same moment skips it, so
    /// at most one run per aggregate and subscriber is ever in flight, with any number of relays.
    /// The claims come back in `seq` order, so each aggregate's run is in its events' order.
    public func claim(
        subscribers: [String], owner: UUID, lease: Duration, limit: Int, perAggregate: Int = 1, logger: Logger
    ) async throws -> [Claim] {
        let rows = try await client.query(
            """
            WITH RECURSIVE heads AS (
                -- Each aggregate's earliest undelivered event. A skip scan over the partial index of
                -- undelivered deliveries: one index probe per aggregate with a backlog, per subscriber,
                -- whatever the planner believes about the table (it chose to scan every delivered row
                -- when statistics lagged).
                SELECT first.* FROM unnest(\(subscribers)::text[]) AS s(name) CROSS JOIN LATERAL (
                    SELECT h.subscriber, h.aggregate_key, h.event_id, h.seq, h.state, h.next_attempt_at, h.lease_until
                    FROM platform.outbox_deliveries h
                    WHERE h.subscriber = s.name AND h.state <> 'DELIVERED'
                    ORDER BY h.aggregate_key, h.seq LIMIT 1
                ) first
                UNION ALL
                SELECT next.* FROM heads p CROSS JOIN LATERAL (
                    SELECT h.subscriber, h.aggregate_key, h.event_id, h.seq, h.state, h.next_attempt_at, h.lease_until
                    FROM platform.outbox_deliveries h
                    WHERE h.subscriber = p.subscriber AND h.state <> 'DELIVERED' AND h.aggregate_key > p.aggregate_key
                    ORDER BY h.aggregate_key, h.seq LIMIT 1
                ) next
            ), candidates AS (
                -- A parked head, one still backing off, or one leased by a live relay holds its aggregate back.
                SELECT subscriber, event_id FROM heads
                WHERE state = 'PENDING' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
                ORDER BY seq
                LIMIT \(limit)
            ), held AS (
                -- Rechecked under the lock: another relay may have leased the head since the scan.
                SELECT d.subscriber, d.aggregate_key, d.seq FROM platform.outbox_deliveries d JOIN candidates c USING (subscriber, event_id)
                WHERE d.state = 'PENDING' AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())
                FOR UPDATE OF d SKIP LOCKED
            ), runs AS (
                -- The head and the events after it, up to the first one that is not free to send.
                SELECT r.subscriber, r.event_id, r.seq,
                       row_number() OVER run AS position, bool_and(r.free) OVER run AS unbroken
                FROM held h CROSS JOIN LATERAL (
                    SELECT d.subscriber, d.aggregate_key, d.event_id, d.seq,
                           d.state = 'PENDING' AND (d.lease_until IS NULL OR d.lease_until < now()) AS free
                    FROM platform.outbox_deliveries d
                    WHERE d.subscriber = h.subscriber AND d.aggregate_key = h.aggregate_key AND d.state <> 'DELIVERED'
                      AND d.seq >= h.seq
                    ORDER BY d.seq
                    LIMIT \(perAggregate)
                ) r
                WINDOW run AS (PARTITION BY r.subscriber, r.aggregate_key ORDER BY r.seq)
            ), due AS (
                -- Over the limit, every run is cut at its end, never in its middle: the first events
                -- of every aggregate go before the second events of any.
                SELECT subscriber, event_id FROM runs WHERE unbroken ORDER BY position, seq LIMIT \(limit)
            )
            UPDATE platform.outbox_deliveries d
            SET lease_owner = \(owner), lease_until = now() + make_interval(secs => \(lease.inSeconds)),
                attempts = d.attempts + 1
            FROM due, platform.outbox o
            WHERE d.subscriber = due.subscriber AND d.event_id = due.event_id AND o.id = d.event_id
              AND d.state = 'PENDING' AND (d.lease_until IS NULL OR d.lease_until < now())
            RETURNING d.subscriber, d.attempts, o.id, o.type, o.aggregatetype, o.aggregateid, o.occurred_at,
                      o.schema_version, o.trace_id, o.payload::text, d.seq
            """, logger: logger)
        var claims: [(Int64, Claim)] = []
        for try await row in rows.decode((String, Int, UUID, String, String, String, Date, Int, String?, String, Int64).self) {
            let envelope = EventEnvelope(
                id: row.2, type: row.3, aggregateType: row.4, aggregateID: row.5,
                occurTime: Timestamp.roundedToMilliseconds(row.6), schemaVersion: row.7, traceID: row.8,
                payload: JSONPayload(data: Data(row.9.utf8)))
            claims.append((row.10, Claim(subscriber: row.0, envelope: envelope, attempts: row.1)))
        }
        return claims.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Marks several leased deliveries of one subscriber done in one statement; returns how many were still leased.
    @discardableResult
    public func markDelivered(subscriber: String, eventIDs: [UUID], owner: UUID, logger: Logger) async throws -> Int {
        guard !eventIDs.isEmpty else { return 0 }
        let rows = try await client.query(
            """
            UPDATE platform.outbox_deliveries
            SET state = 'DELIVERED', delivered_at = now(), lease_owner = NULL, lease_until = NULL, last_error = NULL
            WHERE subscriber = \(subscriber) AND event_id = ANY(\(eventIDs)) AND lease_owner = \(owner) AND state = 'PENDING'
            RETURNING 1
            """, logger: logger)
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    /// Gives back leased deliveries that were not attempted (they waited behind an earlier event of
    /// their aggregate that failed): free at once for the next pass, without counting an attempt.
    public func release(subscriber: String, eventIDs: [UUID], owner: UUID, logger: Logger) async throws {
        guard !eventIDs.isEmpty else { return }
        try await client.query(
            """
            UPDATE platform.outbox_deliveries
            SET lease_owner = NULL, lease_until = NULL, attempts = greatest(attempts - 1, 0)
            WHERE subscriber = \(subscriber) AND event_id = ANY(\(eventIDs)) AND lease_owner = \(owner) AND state = 'PENDING'
            """, logger: logger)
    }

    /// Records a failed attempt: retried after `retryAfter`, or parked when `park` is set.
    public func markFailed(_ claim: Claim, owner: UUID, error: String, retryAfter: Duration, park: Bool, logger: Logger)
        async throws
    {
        try await client.query(
            """
            UPDATE platform.outbox_deliveries
            SET state = CASE WHEN \(park) THEN 'PARKED' ELSE 'PENDING' END,
                parked_at = CASE WHEN \(park) THEN now() ELSE NULL END,
                next_attempt_at = now() + make_interval(secs => \(retryAfter.inSeconds)),
                lease_owner = NULL, lease_until = NULL, last_error = \(String(error.prefix(500)))
            WHERE subscriber = \(claim.subscriber) AND event_id = \(claim.envelope.id) AND lease_owner = \(owner)
            """, logger: logger)
    }

    /// A parked delivery, for the admin API.
    public struct Parked: Sendable, Equatable {
        public var seq: Int64
        public var subscriber: String
        public var eventID: UUID
        public var type: String
        public var aggregateKey: String
        public var attempts: Int
        public var lastError: String?
        public var parkTime: Date
    }

    /// Parked deliveries of `subscriber`, oldest first, after position `afterSeq`.
    public func parked(subscriber: String, afterSeq: Int64 = 0, limit: Int, logger: Logger) async throws -> [Parked] {
        let rows = try await client.query(
            """
            SELECT d.seq, d.subscriber, d.event_id, o.type, d.aggregate_key, d.attempts, d.last_error, d.parked_at
            FROM platform.outbox_deliveries d JOIN platform.outbox o ON o.id = d.event_id
            WHERE d.subscriber = \(subscriber) AND d.state = 'PARKED' AND d.seq > \(afterSeq)
            ORDER BY d.seq LIMIT \(limit)
            """, logger: logger)
        var parked: [Parked] = []
        for try await row in rows.decode((Int64, String, UUID, String, String, Int, String?, Date).self) {
            parked.append(
                Parked(
                    seq: row.0, subscriber: row.1, eventID: row.2, type: row.3, aggregateKey: row.4, attempts: row.5,
                    lastError: row.6, parkTime: row.7))
        }
        return parked
    }

    /// Per subscriber: the age in seconds of the oldest undelivered event, and how many are parked.
    public func backlog(subscribers: [String], logger: Logger) async throws -> [String: (oldestAge: Double, parked: Int)] {
        let rows = try await client.query(
            """
            SELECT s.subscriber,
                   COALESCE((SELECT EXTRACT(EPOCH FROM now() - min(d.created_at))::float8 FROM platform.outbox_deliveries d
                             WHERE d.subscriber = s.subscriber AND d.state <> 'DELIVERED'), 0),
                   (SELECT count(*)::int FROM platform.outbox_deliveries d WHERE d.subscriber = s.subscriber AND d.state = 'PARKED')
            FROM unnest(\(subscribers)::text[]) AS s(subscriber)
            """, logger: logger)
        var result: [String: (oldestAge: Double, parked: Int)] = [:]
        for try await (subscriber, age, parked) in rows.decode((String, Double, Int).self) { result[subscriber] = (age, parked) }
        return result
    }

    /// Puts a parked delivery back in the queue with a fresh attempt budget. False if it was not parked.
    @discardableResult
    public func requeue(subscriber: String, eventID: UUID, logger: Logger) async throws -> Bool {
        let rows = try await client.query(
            """
            UPDATE platform.outbox_deliveries
            SET state = 'PENDING', attempts = 0, next_attempt_at = now(), parked_at = NULL
            WHERE subscriber = \(subscriber) AND event_id = \(eventID) AND state = 'PARKED'
            RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
