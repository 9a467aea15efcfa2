#!/usr/bin/env bash
# The FastAPI baseline of issue 4 ("at least 5× the throughput of a straightforward FastAPI +
# asyncpg + PostGIS implementation of the same calls on the same machine and database"), run by
# bench/run.sh after Curbside's rows (or alone, after it, with the same CURBSIDE_BENCH_* and
# CURBSIDE_DB_* variables): a venv with bench/reference-fastapi/requirements.txt, its schema in a
# scratch database `reference` on the bench cluster with the very drivers Curbside was measured
# with (copied from dispatch's tables), uvicorn with 2 workers, the same wrk workloads and
# generators, then Curbside vs FastAPI side by side with the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

REF_PORT=${CURBSIDE_BENCH_REFERENCE_PORT:-8091}
REF_URL=http://127.0.0.1:$REF_PORT
VENV=${CURBSIDE_BENCH_VENV:-.local/bench-venv}
KEYS_DIR=${CURBSIDE_AUTH_KEYS_DIR:-${CURBSIDE_SECRETS_DIR:-.local/secrets}/jwt}
: "${CURBSIDE_DB_HOST:?export the bench cluster (scripts/postgres.sh start prints the variables)}"
export PGHOST=$CURBSIDE_DB_HOST PGPORT=$CURBSIDE_DB_PORT PGUSER=${CURBSIDE_DB_SUPERUSER:-postgres}
export PGPASSWORD=${CURBSIDE_DB_SUPERUSER_PASSWORD:-} PGOPTIONS="-c client_min_messages=warning"
[[ -s $CURBSIDE_BENCH_WORK/drivers.tokens ]] || { log "run bench/run.sh first (it seeds the drivers and tokens)"; exit 1; }

if [[ ! -x $VENV/bin/uvicorn ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q -r bench/reference-fastapi/requirements.txt >&2

psql -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS reference" -c "CREATE DATABASE reference" >&2
# The same per-database settings `curbside db bootstrap` gives Curbside's databases.
psql -q -v ON_ERROR_STOP=1 -d postgres -c "ALTER DATABASE reference SET jit = off" \
    -c "ALTER DATABASE reference SET max_parallel_workers_per_gather = 0" >&2
psql -q -v ON_ERROR_STOP=1 -d reference -f bench/reference-fastapi/schema.sql >&2
# The same drivers, where Curbside's benchmark left them; record times pushed back so that every
# ping of the workloads is newer (as for Curbside, whose seeded positions are 90 s old).
psql -q -v ON_ERROR_STOP=1 -d dispatch -c "COPY (
    SELECT p.driver_id, p.position, p.heading_degrees, p.speed_meters_per_second, p.accuracy_meters,
        least(p.record_time, now() - interval '90 seconds'), d.availability = 'ONLINE' AND d.current_trip IS NULL
    FROM platform.driver_positions p JOIN platform.drivers d USING (driver_id)) TO STDOUT" |
    psql -q -v ON_ERROR_STOP=1 -d reference \
        -c "COPY ref_driver_positions (driver_id, position, heading, speed, accuracy, record_time, online) FROM STDIN" >&2
psql -q -v ON_ERROR_STOP=1 -d reference -c "ANALYZE" >&2

REFERENCE_DSN="postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/reference" REFERENCE_KEYS_DIR=$KEYS_DIR \
    REFERENCE_STALE_AFTER_SECONDS=86400 \
    "$VENV/bin/uvicorn" app:app --app-dir bench/reference-fastapi --host 127.0.0.1 --port "$REF_PORT" --workers 2 \
    --no-access-log --log-level warning >"$CURBSIDE_BENCH_WORK/reference.log" 2>&1 &
REFERENCE=$!
trap 'kill "$REFERENCE" 2>/dev/null || true; wait "$REFERENCE" 2>/dev/null || true' EXIT
wait_ready "$REF_URL/openapi.json" "$REFERENCE"

wrk_row "FastAPI location pings ($(wc -l <"$CURBSIDE_BENCH_WORK/drivers.tokens") drivers)" ping "$REF_URL" reference_ping
half=$(($(result reference_ping_rps) / 2))
BENCH_RATE=$((half > 0 ? half : 1)) wrk_row "FastAPI location pings at half of peak" ping "$REF_URL" reference_ping_half
wrk_row "FastAPI nearby search (passenger, 2 km)" nearby "$REF_URL" reference_nearby
trips=$(CURBSIDE_BENCH_URL=$REF_URL "$BIN/curbside-bench" trips --reference)
echo "$trips"
printf 'reference_create_rps=%s\n' "$(rate_of 'trip create' "$trips")" >>"$RESULTS"
wrk_row "FastAPI trip get (passenger)" get "$REF_URL" reference_get

ratio() { # CURBSIDE REFERENCE
    if [[ -n $1 && -n $2 && $2 != 0 ]]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f×", a / b }'; else echo "n/a"; fi
}
for pair in "location pings:ping" "nearby search:nearby" "trip create:create" "trip get:get"; do
    name=${pair%%:*} key=${pair#*:}
    curbside=$(result "curbside_${key}_rps") reference=$(result "reference_${key}_rps")
    printf '| %s per second, Curbside vs FastAPI (goal ≥ 5×) | %s/s vs %s/s | %s | |\n' \
        "$name" "${curbside:-?}" "${reference:-?}" "$(ratio "$curbside" "$reference")"
done
