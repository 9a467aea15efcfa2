-- The reference implementation's tables: the same shape and indexes as Curbside's dispatch and
-- trips tables for the benchmarked calls (latest position per driver as PostGIS geography with a
-- GiST index; trips keyed by UUID).
CREATE EXTENSION IF NOT EXISTS postgis;
DROP TABLE IF EXISTS ref_driver_positions, ref_trips;
CREATE TABLE ref_driver_positions (
    driver_id uuid PRIMARY KEY,
    position geography(Point, 4326) NOT NULL,
    heading double precision,
    speed double precision,
    accuracy double precision,
    record_time timestamptz NOT NULL,
    online boolean NOT NULL DEFAULT true
);
CREATE INDEX ref_driver_positions_position ON ref_driver_positions USING gist (position) WHERE online;
CREATE TABLE ref_trips (
    id uuid PRIMARY KEY,
    passenger_id uuid NOT NULL,
    state text NOT NULL,
    pickup_lat double precision NOT NULL,
    pickup_lng double precision NOT NULL,
    dropoff_lat double precision NOT NULL,
    dropoff_lng double precision NOT NULL,
    vehicle_class text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now()
);
-- One active trip per passenger, as in Curbside.
CREATE UNIQUE INDEX ref_trips_one_active_per_passenger ON ref_trips (passenger_id)
    WHERE state NOT IN ('COMPLETED', 'CANCELLED', 'NO_DRIVER_FOUND');
