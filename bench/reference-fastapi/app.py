"""A straightforward FastAPI + asyncpg + PostGIS implementation of the calls Curbside benchmarks.

It is the baseline of the issue's goal ("at least 5x the throughput of a straightforward FastAPI +
asyncpg + PostGIS implementation of the same calls on the same machine and database"): the idiomatic
code a team following the seed documents would write, with Pydantic validation, bearer-token checks
(the same ES256 access tokens Curbside issues, verified with PyJWT) and a connection pool, and no
tricks either way. Run by `bench/compare.sh`, not part of Curbside.

Same routes, roles and rules as Curbside for the benchmarked calls: a driver reports only their own
location (kept only when newer), nearby search is for passengers and admins (rounded positions for
passengers), a passenger has one active trip and sees only their own. Trip requests take the route
directly: there is no quote, payment hook or dispatch behind them (Curbside does all three).
"""

import glob
import os
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import asyncpg
import jwt
from cryptography.hazmat.primitives import serialization
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from pydantic import BaseModel, Field

ISSUER = os.environ.get("REFERENCE_ISSUER", "curbside")
STALE_AFTER = timedelta(seconds=int(os.environ.get("REFERENCE_STALE_AFTER_SECONDS", "30")))


def load_public_keys() -> dict:
    """Curbside's signing keys (`<kid>.pem`, ES256 private keys); verification needs the public halves."""
    keys = {}
    for path in glob.glob(os.path.join(os.environ["REFERENCE_KEYS_DIR"], "*.pem")):
        with open(path, "rb") as file:
            private = serialization.load_pem_private_key(file.read(), password=None)
        keys[os.path.basename(path)[:-4]] = private.public_key()
    return keys


PUBLIC_KEYS = load_public_keys()


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool(
        dsn=os.environ["REFERENCE_DSN"], min_size=5, max_size=int(os.environ.get("REFERENCE_POOL", "10"))
    )
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


class Principal(BaseModel):
    user_id: uuid.UUID
    role: str


def principal(authorization: str = Header()) -> Principal:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(status_code=401, detail="bearer token required")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        claims = jwt.decode(token, PUBLIC_KEYS[kid], algorithms=["ES256"], issuer=ISSUER)
        return Principal(user_id=uuid.UUID(claims["sub"]), role=claims["role"])
    except (jwt.PyJWTError, KeyError, ValueError):
        raise HTTPException(status_code=401, detail="invalid token")


def require(*roles: str):
    def check(caller: Principal = Depends(principal)) -> Principal:
        if caller.role not in roles:
            raise HTTPException(status_code=403, detail="role not allowed")
        return caller

    return check


class LatLng(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class LocationReport(BaseModel):
    location: LatLng
    headingDegrees: float | None = Field(default=None, ge=0, le=360)
    speedMetersPerSecond: float | None = Field(default=None, ge=0, le=100)
    accuracyMeters: float | None = Field(default=None, ge=0, le=1000)
    recordTime: datetime


class TripRequest(BaseModel):
    pickup: LatLng
    dropoff: LatLng
    vehicleClass: str


@app.post("/v1/drivers/{driver}/location:report")
async def report_location(
    driver: uuid.UUID, report: LocationReport, request: Request, caller: Principal = Depends(require("driver"))
) -> dict:
    if caller.user_id != driver:
        raise HTTPException(status_code=403, detail="not your location")
    now = datetime.now(timezone.utc)
    if report.recordTime > now + timedelta(seconds=5) or report.recordTime < now - timedelta(minutes=2):
        raise HTTPException(status_code=400, detail="recordTime out of range")
    async with request.app.state.pool.acquire() as connection:
        status = await connection.execute(
            """
            UPDATE ref_driver_positions SET position = ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography,
                heading = $4, speed = $5, accuracy = $6, record_time = $7
            WHERE driver_id = $1 AND record_time < $7
            """,
            driver, report.location.longitude, report.location.latitude, report.headingDegrees,
            report.speedMetersPerSecond, report.accuracyMeters, report.recordTime,
        )
    return {"accepted": status != "UPDATE 0"}


@app.get("/v1/nearbyDrivers")
async def nearby_drivers(
    request: Request,
    latitude: float = Query(ge=-90, le=90),
    longitude: float = Query(ge=-180, le=180),
    radiusMeters: int = Query(default=2000, ge=1, le=10000),
    caller: Principal = Depends(require("passenger", "admin")),
) -> dict:
    async with request.app.state.pool.acquire() as connection:
        rows = await connection.fetch(
            """
            WITH center AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS g)
            SELECT driver_id, ST_Y(position::geometry) AS lat, ST_X(position::geometry) AS lng, count(*) OVER () AS total
            FROM ref_driver_positions, center
            WHERE online AND record_time > $4 AND ST_DWithin(position, center.g, $3)
            ORDER BY position <-> center.g
            LIMIT 50
            """,
            longitude, latitude, radiusMeters, datetime.now(timezone.utc) - STALE_AFTER,
        )
    admin = caller.role == "admin"
    drivers = [
        {"driver": f"drivers/{row['driver_id']}", "location": {"latitude": row["lat"], "longitude": row["lng"]}}
        if admin
        else {"location": {"latitude": round(row["lat"], 3), "longitude": round(row["lng"], 3)}}
        for row in rows
    ]
    return {"count": rows[0]["total"] if rows else 0, "drivers": drivers}


@app.post("/v1/trips")
async def create_trip(trip: TripRequest, request: Request, caller: Principal = Depends(require("passenger"))) -> dict:
    trip_id = uuid.uuid4()
    try:
        async with request.app.state.pool.acquire() as connection:
            row = await connection.fetchrow(
                """
                INSERT INTO ref_trips (id, passenger_id, state, pickup_lat, pickup_lng, dropoff_lat, dropoff_lng, vehicle_class)
                VALUES ($1, $2, 'REQUESTED', $3, $4, $5, $6, $7)
                RETURNING create_time
                """,
                trip_id, caller.user_id, trip.pickup.latitude, trip.pickup.longitude,
                trip.dropoff.latitude, trip.dropoff.longitude, trip.vehicleClass,
            )
    except asyncpg.UniqueViolationError:
        raise HTTPException(status_code=409, detail="the passenger already has an active trip")
    return {"name": f"trips/{trip_id}", "state": "REQUESTED", "createTime": row["create_time"].isoformat()}


@app.get("/v1/trips/{trip}")
async def get_trip(
    trip: uuid.UUID, request: Request, caller: Principal = Depends(require("passenger", "driver", "admin"))
) -> dict:
    async with request.app.state.pool.acquire() as connection:
        row = await connection.fetchrow("SELECT * FROM ref_trips WHERE id = $1", trip)
    if row is None:
        raise HTTPException(status_code=404, detail="not found")
    if caller.role != "admin" and caller.user_id != row["passenger_id"]:
        raise HTTPException(status_code=403, detail="not your trip")
    return {
        "name": f"trips/{row['id']}", "state": row["state"], "vehicleClass": row["vehicle_class"],
        "passenger": f"users/{row['passenger_id']}",
        "pickup": {"latitude": row["pickup_lat"], "longitude": row["pickup_lng"]},
        "dropoff": {"latitude": row["dropoff_lat"], "longitude": row["dropoff_lng"]},
        "createTime": row["create_time"].isoformat(),
    }
