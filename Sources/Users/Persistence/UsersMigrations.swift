import CurbsideCore

/// The users service's schema, in order. Never edit an applied migration; add a new one.
enum UsersMigrations {
    static let all: [Migration] = [
        Migration(
            1, "accounts",
            """
            CREATE TABLE platform.users (
                id uuid PRIMARY KEY,
                role text NOT NULL CHECK (role IN ('PASSENGER', 'DRIVER', 'ADMIN')),
                email text,
                phone_number text,
                display_name text NOT NULL,
                password_hash text NOT NULL,
                delete_time timestamptz,
                purge_time timestamptz,
                create_time timestamptz NOT NULL,
                update_time timestamptz NOT NULL,
                version integer NOT NULL
            );
            CREATE UNIQUE INDEX users_email_key ON platform.users (email) WHERE email IS NOT NULL;
            CREATE UNIQUE INDEX users_phone_number_key ON platform.users (phone_number) WHERE phone_number IS NOT NULL;
            CREATE INDEX users_create_time ON platform.users (create_time, id);
            CREATE INDEX users_purge_time ON platform.users (purge_time) WHERE purge_time IS NOT NULL;

            CREATE TABLE platform.sessions (
                id uuid PRIMARY KEY,
                user_id uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
                create_time timestamptz NOT NULL,
                expire_time timestamptz NOT NULL,
                revoke_time timestamptz,
                revoke_reason text
            );
            CREATE INDEX sessions_user_id ON platform.sessions (user_id);
            CREATE INDEX sessions_expire_time ON platform.sessions (expire_time);

            CREATE TABLE platform.refresh_tokens (
                digest text PRIMARY KEY,
                session_id uuid NOT NULL REFERENCES platform.sessions (id) ON DELETE CASCADE,
                create_time timestamptz NOT NULL,
                expire_time timestamptz NOT NULL,
                rotate_time timestamptz
            );
            CREATE INDEX refresh_tokens_session_id ON platform.refresh_tokens (session_id);

            CREATE TABLE platform.sign_in_throttle (
                key text PRIMARY KEY,
                failures integer NOT NULL,
                window_start timestamptz NOT NULL,
                locked_until timestamptz
            );

            CREATE TABLE platform.outbox (
                id uuid PRIMARY KEY,
                aggregatetype text NOT NULL,
                aggregateid text NOT NULL,
                type text NOT NULL,
                payload jsonb NOT NULL,
                occurred_at timestamptz NOT NULL,
                trace_id text
            );

            CREATE TABLE passenger.passengers (
                user_id uuid PRIMARY KEY REFERENCES platform.users (id) ON DELETE CASCADE,
                create_time timestamptz NOT NULL
            );

            CREATE TABLE driver.drivers (
                user_id uuid PRIMARY KEY REFERENCES platform.users (id) ON DELETE CASCADE,
                approval_state text NOT NULL
                    CHECK (approval_state IN ('PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'SUSPENDED')),
                approval_reason text,
                approval_update_time timestamptz,
                create_time timestamptz NOT NULL,
                update_time timestamptz NOT NULL,
                version integer NOT NULL
            );
            CREATE INDEX drivers_create_time ON driver.drivers (create_time, user_id);

            CREATE TABLE driver.vehicles (
                id uuid PRIMARY KEY,
                driver_id uuid NOT NULL REFERENCES driver.drivers (user_id) ON DELETE CASCADE,
                make text NOT NULL,
                model text NOT NULL,
                year integer NOT NULL,
                license_plate text NOT NULL,
                color text NOT NULL,
                seat_count integer NOT NULL,
                vehicle_class text NOT NULL,
                state text NOT NULL CHECK (state IN ('PENDING_APPROVAL', 'APPROVED', 'REJECTED')),
                state_reason text,
                create_time timestamptz NOT NULL,
                update_time timestamptz NOT NULL,
                version integer NOT NULL
            );
            CREATE UNIQUE INDEX vehicles_license_plate_key ON driver.vehicles (license_plate);
            CREATE INDEX vehicles_driver_id ON driver.vehicles (driver_id, create_time, id);

            CREATE TABLE driver.documents (
                id uuid PRIMARY KEY,
                driver_id uuid NOT NULL REFERENCES driver.drivers (user_id) ON DELETE CASCADE,
                kind text NOT NULL CHECK (kind IN ('DRIVERS_LICENSE', 'INSURANCE', 'VEHICLE_REGISTRATION')),
                document_number text NOT NULL,
                vehicle_id uuid REFERENCES driver.vehicles (id) ON DELETE CASCADE,
                expire_time timestamptz NOT NULL,
                create_time timestamptz NOT NULL
            );
            CREATE INDEX documents_driver_id ON driver.documents (driver_id, create_time, id);
            """ + "\n" + IdempotencyKeys.migrationSQL
        ),
        Migration(2, "event_delivery", OutboxSchema.addDelivery),
        Migration(3, "event_retention", OutboxSchema.addRetention),
    ]
}
