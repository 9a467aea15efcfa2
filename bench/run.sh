#!/usr/bin/env bash
# The performance table of issues 4 and 7 (called by `make bench`, which builds in release and
# exports the throwaway cluster's CURBSIDE_DB_* variables; `bootstrap` has run).
#
# 1. migrate; seed CURBSIDE_BENCH_DRIVERS (100,000) online drivers in a 30 km square, tokens for
#    CURBSIDE_BENCH_DRIVER_TOKENS (5,000) of them, passengers and an admin (curbside-bench seed);
# 2. `curbside serve` (release) on CURBSIDE_BENCH_PORT; wrk at peak for pings and nearby search;
#    pings at half of that peak, paced by wrk (BENCH_RATE: the load generator must not take the
#    server's cores: curbside-bench's own generator used two thirds of one); request → offer at
#    50/s; trip create and get; live-channel fan-out to CURBSIDE_BENCH_FANOUT_CLIENTS (5,000) WebSockets;
# 3. in process: PostGIS vs in-memory nearby search, Hungarian vs greedy matching, event delivery,
#    and the ordo-one/benchmark suite (Benchmarks/CurbsideBenchmarks);
# 4. unless CURBSIDE_BENCH_COMPARE=0, bench/compare.sh: the FastAPI reference on the same
#    drivers and workloads, and the ratios.
#
# Sizes for a quick (debug) try: CURBSIDE_BENCH_BIN=.build/debug CURBSIDE_BENCH_DRIVERS=2000
# CURBSIDE_BENCH_SECONDS=3 CURBSIDE_BENCH_TRIPS=200 CURBSIDE_BENCH_OFFER_SECONDS=3
# CURBSIDE_BENCH_MATCHING_SIZE=150 CURBSIDE_BENCH_INDEX_QUERIES=100 CURBSIDE_BENCH_BACKLOG=500
# CURBSIDE_BENCH_FANOUT_CLIENTS=200 CURBSIDE_BENCH_FANOUT_SECONDS=3.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

PORT=${CURBSIDE_BENCH_PORT:-8090}
export CURBSIDE_BENCH_URL=http://127.0.0.1:$PORT
# Tokens minted at seeding must outlive the run (default lifetime 15 min).
export CURBSIDE_AUTH_ACCESS_TOKEN_SECONDS=${CURBSIDE_AUTH_ACCESS_TOKEN_SECONDS:-14400}

ensure_wrk
mkdir -p "$CURBSIDE_BENCH_WORK"
: >"$RESULTS"
"$BIN/curbside" migrate >/dev/null
"$BIN/curbside-bench" seed

# Seeded drivers send no pings between phases: they must not turn stale (30 s by default) while
# the table is measured. Quotes for the trip phases are fetched before the measured part.
# Request logs at info would be the largest cost per request; both servers log warnings only.
# No bench driver ever answers an offer: with the default of ten offers per request, every trip
# created would keep dispatch re-matching for two minutes (ten times a city where drivers answer)
# under the phases that follow, so the bench server makes one offer per request.
CURBSIDE_HTTP_PORT=$PORT CURBSIDE_LOG_LEVEL=warning CURBSIDE_DISPATCH_STALE_AFTER_SECONDS=86400 \
    CURBSIDE_DISPATCH_MAX_OFFERS=1 CURBSIDE_TRIPS_QUOTE_TTL_SECONDS=3600 "$BIN/curbside" serve >"$CURBSIDE_BENCH_WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
wait_ready "$CURBSIDE_BENCH_URL/readyz" "$SERVER"

echo "| measurement | throughput / result | p50 | p99 |"
echo "| --- | --- | --- | --- |"
wrk_row "Curbside location pings ($(wc -l <"$CURBSIDE_BENCH_WORK/drivers.tokens") drivers)" ping "$CURBSIDE_BENCH_URL" curbside_ping
half=$(($(result curbside_ping_rps) / 2))
BENCH_RATE=$((half > 0 ? half : 1)) wrk_row "Curbside location pings at half of peak" ping "$CURBSIDE_BENCH_URL" curbside_ping_half
wrk_row "Curbside nearby search (passenger, 2 km)" nearby "$CURBSIDE_BENCH_URL" curbside_nearby
trips=$("$BIN/curbside-bench" trips)
echo "$trips"
printf 'curbside_create_rps=%s\n' "$(rate_of 'trip create' "$trips")" >>"$RESULTS"
# Every trip just created has an offer that expires 15 s later (bench drivers never answer), and
# each expiry ends its trip (NO_DRIVER_FOUND, the hold voided, notifications): a create's worth of
# work each, which took a third of trip get's rate when the two overlapped. Trip get is measured
# once that has settled, on a server otherwise as idle as the reference's.
sleep "${CURBSIDE_BENCH_SETTLE_SECONDS:-20}"
wrk_row "Curbside trip get (passenger)" get "$CURBSIDE_BENCH_URL" curbside_get
"$BIN/curbside-bench" fanout
kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
trap - EXIT

"$BIN/curbside-bench" nearby-index
"$BIN/curbside-bench" matching
# The event rows have one cell less (no throughput column).
"$BIN/curbside-bench" events | sed 's/^| \([^|]*\) |/| \1 | |/'
# In-process hot paths (matching, fares, event coding, timestamps) with ordo-one/benchmark, run
# directly (bench/ordo-rows.py says why not through its plugin).
"$BIN/CurbsideBenchmarks" --time-units nanoseconds --quiet true | bench/ordo-rows.py

if [[ ${CURBSIDE_BENCH_COMPARE:-1} != 0 ]]; then
    bench/compare.sh
fi
