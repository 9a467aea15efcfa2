import CurbsideCore

/// The notifications service's schema, in order. Never edit an applied migration; add a new one.
///
/// Everything is in `platform`: devices, notifications and preferences belong to passengers and
/// drivers alike. A notification is one row whatever way it travels (inbox, live channel by its
/// per-user `seq`, push by its deliveries), unique per user, event and kind, so a redelivered event
/// adds nothing.
enum NotificationsMigrations {
    static let all: [Migration] = [
        Migration(1, "notifications", schema + "\n" + OutboxSchema.createOutbox + "\n" + IdempotencyKeys.migrationSQL),
        Migration(2, "event_delivery", OutboxSchema.addDelivery),
        Migration(3, "event_retention", OutboxSchema.addRetention),
        // Only the newest of a user's notifications with the same collapse key is kept (the driver's
        // position): the index finds the older ones when a new one is recorded.
        Migration(
            4, "notification_collapse_key",
            """
            ALTER TABLE platform.notifications ADD COLUMN collapse_key text;
            CREATE INDEX notifications_collapse ON platform.notifications (user_id, collapse_key) WHERE collapse_key IS NOT NULL;
            """),
        // Promotions and their listed recipients; `cursor` is the last recipient (in id order) the
        // sender went through, so a sender that stops midway is resumed by any instance.
        Migration(
            5, "promotions",
            """
            CREATE TABLE platform.promotions (
                id uuid PRIMARY KEY,
                request_id uuid UNIQUE,
                texts jsonb NOT NULL,
                audience text NOT NULL CHECK (audience IN ('LISTED_USERS', 'EVERYONE_WITH_A_DEVICE')),
                state text NOT NULL CHECK (state IN ('SENDING', 'SENT')),
                cursor uuid,
                recipient_count integer NOT NULL DEFAULT 0,
                sent_count integer NOT NULL DEFAULT 0,
                skipped_count integer NOT NULL DEFAULT 0,
                created_by uuid NOT NULL,
                create_time timestamptz NOT NULL,
                complete_time timestamptz
            );
            CREATE INDEX promotions_sending ON platform.promotions (create_time) WHERE state = 'SENDING';
            CREATE INDEX promotions_newest ON platform.promotions (create_time DESC, id DESC);
            CREATE TABLE platform.promotion_recipients (
                promotion_id uuid NOT NULL REFERENCES platform.promotions (id) ON DELETE CASCADE,
                user_id uuid NOT NULL,
                PRIMARY KEY (promotion_id, user_id)
            );
            """),
    ]

    static let schema = """
        CREATE TABLE platform.devices (
            id uuid PRIMARY KEY,
            user_id uuid NOT NULL,
            device_key text NOT NULL,
            platform text NOT NULL CHECK (platform IN ('ANDROID', 'IOS', 'WEB')),
            fcm_token text NOT NULL,
            app_version text,
            locale text NOT NULL,
            create_time timestamptz NOT NULL,
            update_time timestamptz NOT NULL,
            UNIQUE (user_id, device_key)
        );
        CREATE UNIQUE INDEX devices_fcm_token ON platform.devices (fcm_token);

        CREATE TABLE platform.user_streams (
            user_id uuid PRIMARY KEY,
            last_seq bigint NOT NULL
        );

        CREATE TABLE platform.notifications (
            id uuid PRIMARY KEY,
            user_id uuid NOT NULL,
            seq bigint NOT NULL,
            event_id uuid NOT NULL,
            kind text NOT NULL,
            category text NOT NULL,
            title text NOT NULL,
            body text NOT NULL,
            data jsonb NOT NULL,
            in_inbox boolean NOT NULL,
            read_time timestamptz,
            create_time timestamptz NOT NULL,
            UNIQUE (user_id, seq),
            UNIQUE (user_id, event_id, kind)
        );
        CREATE INDEX notifications_inbox ON platform.notifications (user_id, create_time, id) WHERE in_inbox;
        CREATE INDEX notifications_unread ON platform.notifications (user_id) WHERE in_inbox AND read_time IS NULL;
        CREATE INDEX notifications_create_time ON platform.notifications (create_time);

        CREATE TABLE platform.push_deliveries (
            id uuid PRIMARY KEY,
            notification_id uuid NOT NULL REFERENCES platform.notifications (id) ON DELETE CASCADE,
            device_id uuid NOT NULL REFERENCES platform.devices (id) ON DELETE CASCADE,
            state text NOT NULL CHECK (state IN ('PENDING', 'SENT', 'FAILED', 'EXPIRED')),
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_time timestamptz NOT NULL,
            expire_time timestamptz,
            last_error text,
            message_id text,
            update_time timestamptz NOT NULL,
            UNIQUE (notification_id, device_id)
        );
        CREATE INDEX push_deliveries_due ON platform.push_deliveries (next_attempt_time) WHERE state = 'PENDING';

        CREATE TABLE platform.notification_preferences (
            user_id uuid NOT NULL,
            category text NOT NULL,
            enabled boolean NOT NULL,
            update_time timestamptz NOT NULL,
            PRIMARY KEY (user_id, category)
        );
        """
}
