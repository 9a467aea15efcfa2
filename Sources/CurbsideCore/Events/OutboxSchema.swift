/// The tables behind integration events, in every service's `platform` schema.
///
/// `outbox` keeps the Debezium outbox-router columns (`id`, `aggregatetype`, `aggregateid`, `type`,
/// `payload`) so Debezium can replace the built-in relay. `seq` orders events; since every event of
/// an aggregate is written while that aggregate's row is locked, `seq` order within an aggregate is
/// commit order. `outbox_deliveries` holds one row per event and subscriber: the relay works from
/// its state, never from "everything after id N", so a transaction that took its `seq` early and
/// committed late is delivered like any other. `inbox` is the subscriber side: the ids of events
/// whose effect has been applied. `export_file` is the analytics export's claim: the file an event
/// is written to, chosen before the file is written, so a crash never puts an event in two files.
public enum OutboxSchema {
    /// Creates the outbox (for a service whose first migration did not).
    public static let createOutbox = """
        CREATE TABLE platform.outbox (
            id uuid PRIMARY KEY,
            aggregatetype text NOT NULL,
            aggregateid text NOT NULL,
            type text NOT NULL,
            payload jsonb NOT NULL,
            occurred_at timestamptz NOT NULL,
            trace_id text
        );
        """

    /// Adds ordering and delivery state to an existing outbox, and the inbox.
    public static let addDelivery = """
        ALTER TABLE platform.outbox ADD COLUMN seq bigserial;
        ALTER TABLE platform.outbox ADD COLUMN schema_version integer NOT NULL DEFAULT 1;
        CREATE UNIQUE INDEX outbox_seq ON platform.outbox (seq);

        CREATE TABLE platform.outbox_deliveries (
            subscriber text NOT NULL,
            event_id uuid NOT NULL REFERENCES platform.outbox (id) ON DELETE CASCADE,
            aggregate_key text NOT NULL,
            seq bigint NOT NULL,
            state text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED', 'PARKED')),
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            lease_owner uuid,
            lease_until timestamptz,
            last_error text,
            created_at timestamptz NOT NULL DEFAULT now(),
            delivered_at timestamptz,
            parked_at timestamptz,
            export_file text,
            PRIMARY KEY (subscriber, event_id)
        );
        CREATE INDEX outbox_deliveries_due ON platform.outbox_deliveries (subscriber, next_attempt_at)
            WHERE state = 'PENDING';
        CREATE INDEX outbox_deliveries_open_by_aggregate ON platform.outbox_deliveries (subscriber, aggregate_key, seq)
            WHERE state <> 'DELIVERED';

        CREATE INDEX outbox_deliveries_export_file ON platform.outbox_deliveries (export_file)
            WHERE export_file IS NOT NULL AND state = 'PENDING';

        CREATE TABLE platform.inbox (
            consumer text NOT NULL,
            event_id uuid NOT NULL,
            processed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer, event_id)
        );
        """

    /// Indexes the retention job needs: old events by time, and deliveries by event (the job's
    /// "all delivered?" check and the cascade). A migration of its own in every service; never edit.
    public static let addRetention = """
        CREATE INDEX outbox_occurred_at ON platform.outbox (occurred_at);
        CREATE INDEX outbox_deliveries_event ON platform.outbox_deliveries (event_id);
        """
}
