import CurbsideCore

/// The dispatch service's schema, in order. Never edit an applied migration; add a new one.
///
/// Everything lives in `platform`: both audiences and the matcher read positions, availability,
/// jobs and offers. Invariants are indexes, so they hold across instances: a driver holds at most one
/// open offer (`offers_one_open_per_driver`) and one trip (a driver row has one `current_trip`), and a
/// trip is held by at most one driver (`drivers_current_trip_key`). PostGIS types come from the
/// database's search path (the bootstrapper installs the extension).
enum DispatchMigrations {
    static let all: [Migration] = [
        Migration(
            1, "dispatch",
            """
            CREATE TABLE platform.drivers (
                driver_id uuid PRIMARY KEY,
                availability text NOT NULL CHECK (availability IN ('ONLINE', 'OFFLINE')),
                vehicle_id uuid,
                vehicle_class text,
                vehicle_make text,
                vehicle_model text,
                vehicle_color text,
                vehicle_plate text,
                display_name text,
                current_trip uuid,
                offers_received integer NOT NULL DEFAULT 0,
                offers_accepted integer NOT NULL DEFAULT 0,
                idle_since timestamptz NOT NULL,
                update_time timestamptz NOT NULL
            );
            CREATE UNIQUE INDEX drivers_current_trip_key ON platform.drivers (current_trip) WHERE current_trip IS NOT NULL;

            CREATE TABLE platform.driver_positions (
                driver_id uuid PRIMARY KEY REFERENCES platform.drivers (driver_id) ON DELETE CASCADE,
                position geography(Point, 4326) NOT NULL,
                latitude double precision NOT NULL,
                longitude double precision NOT NULL,
                accuracy_meters double precision,
                heading_degrees double precision,
                speed_meters_per_second double precision,
                record_time timestamptz NOT NULL,
                receive_time timestamptz NOT NULL
            );
            CREATE INDEX driver_positions_position ON platform.driver_positions USING gist (position);

            CREATE TABLE platform.jobs (
                trip_id uuid PRIMARY KEY,
                passenger_id uuid NOT NULL,
                vehicle_class text NOT NULL,
                pickup_latitude double precision NOT NULL,
                pickup_longitude double precision NOT NULL,
                dropoff_latitude double precision NOT NULL,
                dropoff_longitude double precision NOT NULL,
                zone text NOT NULL,
                state text NOT NULL CHECK (state IN ('OPEN', 'ASSIGNED', 'CANCELLED', 'NO_DRIVER_FOUND', 'COMPLETED')),
                assigned_driver uuid,
                excluded_drivers uuid[] NOT NULL DEFAULT '{}',
                offers_made integer NOT NULL DEFAULT 0,
                match_start_time timestamptz NOT NULL,
                wake_time timestamptz,
                create_time timestamptz NOT NULL,
                update_time timestamptz NOT NULL
            );
            CREATE INDEX jobs_wake_time ON platform.jobs (wake_time) WHERE state = 'OPEN';
            CREATE INDEX jobs_waiting_for_batch ON platform.jobs (create_time) WHERE state = 'OPEN' AND wake_time IS NULL;
            CREATE INDEX jobs_zone_demand ON platform.jobs (zone, vehicle_class, create_time);

            CREATE TABLE platform.offers (
                id uuid PRIMARY KEY,
                trip_id uuid NOT NULL REFERENCES platform.jobs (trip_id),
                driver_id uuid NOT NULL REFERENCES platform.drivers (driver_id),
                state text NOT NULL CHECK (state IN ('OPEN', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'WITHDRAWN')),
                pickup_eta_seconds integer NOT NULL,
                create_time timestamptz NOT NULL,
                expire_time timestamptz NOT NULL,
                close_time timestamptz
            );
            CREATE UNIQUE INDEX offers_one_open_per_driver ON platform.offers (driver_id) WHERE state = 'OPEN';
            CREATE UNIQUE INDEX offers_trip_driver_key ON platform.offers (trip_id, driver_id);
            CREATE INDEX offers_expire_time ON platform.offers (expire_time) WHERE state = 'OPEN';
            CREATE INDEX offers_driver ON platform.offers (driver_id, create_time);

            CREATE TABLE platform.trail_points (
                trip_id uuid NOT NULL,
                driver_id uuid NOT NULL,
                record_time timestamptz NOT NULL,
                latitude double precision NOT NULL,
                longitude double precision NOT NULL,
                PRIMARY KEY (trip_id, record_time)
            );

            CREATE TABLE platform.zone_surge (
                zone text NOT NULL,
                vehicle_class text NOT NULL,
                multiplier_hundredths integer NOT NULL,
                update_time timestamptz NOT NULL,
                PRIMARY KEY (zone, vehicle_class)
            );
            """ + "\n" + OutboxSchema.createOutbox + "\n" + IdempotencyKeys.migrationSQL
        ),
        Migration(2, "event_delivery", OutboxSchema.addDelivery),
        Migration(
            3, "matching_limits_on_jobs",
            """
            ALTER TABLE platform.jobs ADD COLUMN max_offers integer;
            ALTER TABLE platform.jobs ADD COLUMN give_up_time timestamptz;
            """),
        // Nearby search and matching read only available drivers' positions: a partial GiST index
        // holds just those, so neither joins `drivers` per point in the circle (that join was most
        // of a nearby search's time with 100,000 drivers). Triggers keep the copy exact in the
        // transaction that changes availability, a trip or the vehicle class.
        Migration(
            4, "available_driver_positions",
            """
            ALTER TABLE platform.driver_positions ADD COLUMN available boolean NOT NULL DEFAULT false;
            ALTER TABLE platform.driver_positions ADD COLUMN vehicle_class text;
            UPDATE platform.driver_positions p
            SET available = (d.availability = 'ONLINE' AND d.current_trip IS NULL), vehicle_class = d.vehicle_class
            FROM platform.drivers d WHERE d.driver_id = p.driver_id;
            CREATE INDEX driver_positions_available ON platform.driver_positions USING gist (position) WHERE available;

            CREATE FUNCTION platform.copy_driver_availability_to_position() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE platform.driver_positions
                SET available = (NEW.availability = 'ONLINE' AND NEW.current_trip IS NULL), vehicle_class = NEW.vehicle_class
                WHERE driver_id = NEW.driver_id
                    AND (available IS DISTINCT FROM (NEW.availability = 'ONLINE' AND NEW.current_trip IS NULL)
                        OR vehicle_class IS DISTINCT FROM NEW.vehicle_class);
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER drivers_copy_availability AFTER INSERT OR UPDATE OF availability, current_trip, vehicle_class
                ON platform.drivers FOR EACH ROW EXECUTE FUNCTION platform.copy_driver_availability_to_position();

            CREATE FUNCTION platform.take_driver_availability_for_position() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                SELECT d.availability = 'ONLINE' AND d.current_trip IS NULL, d.vehicle_class INTO NEW.available, NEW.vehicle_class
                FROM platform.drivers d WHERE d.driver_id = NEW.driver_id;
                NEW.available := coalesce(NEW.available, false);
                RETURN NEW;
            END
            $$;
            CREATE TRIGGER driver_positions_take_availability BEFORE INSERT ON platform.driver_positions
                FOR EACH ROW EXECUTE FUNCTION platform.take_driver_availability_for_position();
            """),
        Migration(5, "event_retention", OutboxSchema.addRetention),
        // When an on-trip driver's position was last shared with the passenger (the throttle of
        // `dispatch.v1.DriverPositionShared`), on the row every report updates anyway.
        Migration(6, "position_share_time", "ALTER TABLE platform.driver_positions ADD COLUMN share_time timestamptz;"),
        // The ops console's snapshot, every second per open console: recent requests by time (its
        // counters), and the active trips by pickup (a small partial index: only OPEN and ASSIGNED
        // jobs), so that neither scans the whole history of jobs.
        Migration(
            7, "ops_snapshot_indexes",
            """
            CREATE INDEX jobs_create_time ON platform.jobs (create_time);
            CREATE INDEX jobs_active_pickup ON platform.jobs (pickup_latitude, pickup_longitude)
                WHERE state IN ('OPEN', 'ASSIGNED');
            """),
    ]
}
