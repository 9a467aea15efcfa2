import Foundation
import PostgresNIO

/// The relay's claim (see ``DeliveryStore/claim(subscribers:owner:lease:limit:perAggregate:logger:)``),
/// prepared once per connection: every pass runs it, and planning the recursive statement anew each
/// time cost the database more than running it.
struct ClaimDeliveries: PostgresPreparedStatement {
    static let name = "curbside_outbox_claim_v1"
    static let sql = """
        WITH RECURSIVE heads AS (
            -- Each aggregate's earliest undelivered event. A skip scan over the partial index of
            -- undelivered deliveries: one index probe per aggregate with a backlog, per subscriber,
            -- whatever the planner believes about the table (it chose to scan every delivered row
            -- when statistics lagged).
            SELECT first.* FROM unnest($1::text[]) AS s(name) CROSS JOIN LATERAL (
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
            LIMIT $2
        ), held AS (
            -- Rechecked under the lock: another relay may have leased the head since the scan.
            -- `(state = 'PENDING') IS TRUE`: see DeliveryStore's documentation.
            SELECT d.subscriber, d.aggregate_key, d.seq FROM platform.outbox_deliveries d JOIN candidates c USING (subscriber, event_id)
            WHERE (d.state = 'PENDING') IS TRUE AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())
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
                -- No longer than the pass can take: a share of the limit per aggregate.
                LIMIT (SELECT least($3, greatest(1, ceil($2::numeric / greatest(count(*), 1))))::int FROM held)
            ) r
            WINDOW run AS (PARTITION BY r.subscriber, r.aggregate_key ORDER BY r.seq)
        ), due AS (
            -- Over the limit, every run is cut at its end, never in its middle: the first events
            -- of every aggregate go before the second events of any.
            SELECT subscriber, event_id FROM runs WHERE unbroken ORDER BY position, seq LIMIT $2
        )
        UPDATE platform.outbox_deliveries d
        SET lease_owner = $4, lease_until = now() + make_interval(secs => $5),
            attempts = d.attempts + 1
        FROM due, platform.outbox o
        WHERE d.subscriber = due.subscriber AND d.event_id = due.event_id AND o.id = d.event_id
          AND (d.state = 'PENDING') IS TRUE AND (d.lease_until IS NULL OR d.lease_until < now())
        RETURNING d.subscriber, d.attempts, o.id, o.type, o.aggregatetype, o.aggregateid, o.occurred_at,
                  o.schema_version, o.trace_id, o.payload::text, d.seq
        """
    typealias Row = (String, Int, UUID, String, String, String, Date, Int, String?, String, Int64)

    let subscribers: [String]
    let limit: Int
    let perAggregate: Int
    let owner: UUID
    let leaseSeconds: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(subscribers)
        bindings.append(limit)
        bindings.append(perAggregate)
        bindings.append(owner)
        bindings.append(leaseSeconds)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
