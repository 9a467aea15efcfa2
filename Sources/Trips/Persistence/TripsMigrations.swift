import CurbsideCore

/// The trips service's schema, in order. Never edit an applied migration; add a new one.
///
/// Trips, cities, pricing rules and rating summaries are read by both audiences and live in
/// `platform`; the ratings a passenger gives live in `passenger`, those a driver gives in `driver`.
enum TripsMigrations {
    static let all: [Migration] = [
        Migration(
            1, "trips",
            """
            CREATE TABLE platform.cities (
                id text PRIMARY KEY,
                display_name text NOT NULL,
                center_latitude double precision NOT NULL,
                center_longitude double precision NOT NULL,
                radius_meters integer NOT NULL,
                currency_code text NOT NULL,
                time_zone text NOT NULL,
                create_time timestamptz NOT NULL,
                update_time timestamptz NOT NULL,
                version integer NOT NULL
            );

            CREATE TABLE platform.pricing_rules (
                city_id text NOT NULL REFERENCES platform.cities (id),
                vehicle_class text NOT NULL CHECK (vehicle_class IN ('ECONOMY', 'COMFORT', 'XL', 'PREMIUM')),
                revision integer NOT NULL,
                currency_code text NOT NULL,
                base_fare bigint NOT NULL,
                per_kilometer bigint NOT NULL,
                per_minute bigint NOT NULL,
                booking_fee bigint NOT NULL,
                minimum_fare bigint NOT NULL,
                cancellation_fee bigint NOT NULL,
                surge_cap_hundredths integer NOT NULL,
                create_time timestamptz NOT NULL,
                PRIMARY KEY (city_id, vehicle_class, revision)
            );

            CREATE TABLE platform.trips (
                id uuid PRIMARY KEY,
                passenger_id uuid NOT NULL,
                quote_id uuid NOT NULL,
                quote jsonb NOT NULL,
                city_id text NOT NULL,
                vehicle_class text NOT NULL,
                payment_method text,
                state text NOT NULL CHECK (state IN ('REQUESTED', 'DISPATCHING', 'DRIVER_ASSIGNED', 'DRIVER_ARRIVED',
                    'IN_PROGRESS', 'COMPLETED', 'CANCELLED', 'NO_DRIVER_FOUND')),
                driver_id uuid,
                vehicle jsonb,
                pickup_eta_seconds integer,
                excluded_drivers uuid[] NOT NULL DEFAULT '{}',
                pin_attempts integer NOT NULL DEFAULT 0,
                cancellation jsonb,
                receipt jsonb,
                create_time timestamptz NOT NULL,
                update_time timestamptz NOT NULL,
                assign_time timestamptz,
                arrive_time timestamptz,
                start_time timestamptz,
                end_time timestamptz,
                passenger_rate_time timestamptz,
                driver_rate_time timestamptz,
                version integer NOT NULL
            );
            -- A quote buys one trip.
            CREATE UNIQUE INDEX trips_quote_id_key ON platform.trips (quote_id);
            -- One active trip per passenger and per driver, enforced by the database under any concurrency.
            CREATE UNIQUE INDEX trips_one_active_per_passenger ON platform.trips (passenger_id)
                WHERE state IN ('REQUESTED', 'DISPATCHING', 'DRIVER_ASSIGNED', 'DRIVER_ARRIVED', 'IN_PROGRESS');
            CREATE UNIQUE INDEX trips_one_active_per_driver ON platform.trips (driver_id)
                WHERE state IN ('DRIVER_ASSIGNED', 'DRIVER_ARRIVED', 'IN_PROGRESS');
            CREATE INDEX trips_create_time ON platform.trips (create_time, id);
            CREATE INDEX trips_passenger_create_time ON platform.trips (passenger_id, create_time, id);
            CREATE INDEX trips_driver_create_time ON platform.trips (driver_id, create_time, id) WHERE driver_id IS NOT NULL;

            CREATE TABLE platform.rating_summaries (
                subject text PRIMARY KEY,
                rating_count bigint NOT NULL,
                star_total bigint NOT NULL
            );

            CREATE TABLE passenger.ratings (
                trip_id uuid PRIMARY KEY REFERENCES platform.trips (id),
                passenger_id uuid NOT NULL,
                driver_id uuid NOT NULL,
                stars integer NOT NULL CHECK (stars BETWEEN 1 AND 5),
                comment text,
                create_time timestamptz NOT NULL
            );

            CREATE TABLE driver.ratings (
                trip_id uuid PRIMARY KEY REFERENCES platform.trips (id),
                driver_id uuid NOT NULL,
                passenger_id uuid NOT NULL,
                stars integer NOT NULL CHECK (stars BETWEEN 1 AND 5),
                comment text,
                create_time timestamptz NOT NULL
            );
            """ + "\n" + OutboxSchema.createOutbox + "\n" + IdempotencyKeys.migrationSQL
        ),
        Migration(2, "event_delivery", OutboxSchema.addDelivery),
        Migration(3, "event_retention", OutboxSchema.addRetention),
    ]
}
