# Shared by bench/run.sh and bench/compare.sh (sourced, not run).

BIN=${CURBSIDE_BENCH_BIN:-.build/release}
export CURBSIDE_BENCH_WORK=${CURBSIDE_BENCH_WORK:-.local/bench-work}
BENCH_SECONDS=${CURBSIDE_BENCH_SECONDS:-30}
export CURBSIDE_BENCH_SECONDS=$BENCH_SECONDS
WRK_THREADS=${CURBSIDE_BENCH_WRK_THREADS:-2}
WRK_CONNECTIONS=${CURBSIDE_BENCH_WRK_CONNECTIONS:-64}
RESULTS=$CURBSIDE_BENCH_WORK/results.txt

log() { printf 'bench: %s\n' "$*" >&2; }

# wrk from Debian's packages: installed when we are root (as scripts/postgres.sh installs
# PostgreSQL), otherwise the command to run is printed.
ensure_wrk() {
    command -v wrk >/dev/null && return
    if ((EUID != 0)); then
        log "wrk is not installed. As root, run: apt-get update && apt-get install -y wrk"
        exit 1
    fi
    log "installing wrk"
    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2 ||
        { DEBIAN_FRONTEND=noninteractive apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2; }
}

wait_ready() { # URL PID
    for _ in $(seq 1 300); do
        if curl -sf -o /dev/null "$1"; then return; fi
        kill -0 "$2" 2>/dev/null || { log "the server exited before it was ready"; return 1; }
        sleep 0.2
    done
    log "$1 not ready after 60 s"
    return 1
}

# Runs one wrk workload against BASE_URL; prints a table row and records KEY_rps/KEY_p99 in RESULTS.
wrk_row() { # LABEL WORKLOAD BASE_URL KEY
    local label=$1 workload=$2 url=$3 key=$4 output line
    # A short warm-up first: connections, caches and the JIT-less first requests are not the steady state.
    BENCH_WORKLOAD=$workload BENCH_THREADS=$WRK_THREADS wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d5s \
        -s bench/wrk/workload.lua "$url" >/dev/null
    output=$(BENCH_WORKLOAD=$workload BENCH_THREADS=$WRK_THREADS wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" \
        -d"${BENCH_SECONDS}s" -s bench/wrk/workload.lua "$url")
    line=$(grep '^WRK_RESULT' <<<"$output") || { log "wrk printed no result: $output"; return 1; }
    local rps p50 p99 requests errors non2xx
    rps=$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' <<<"$line")
    p50=$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$line")
    p99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")
    requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
    errors=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"$line")
    non2xx=$(sed -n 's/.*non2xx=\([0-9]*\).*/\1/p' <<<"$line")
    local load="peak"
    [[ -n ${BENCH_RATE:-} ]] && load="paced at $BENCH_RATE/s"
    printf '| %s, wrk %s threads × %s connections, %s s (%s) | %s/s (%s requests, %s non-2xx, %s socket errors) | p50 %s ms | p99 %s ms |\n' \
        "$label" "$WRK_THREADS" "$WRK_CONNECTIONS" "$BENCH_SECONDS" "$load" "$rps" "$requests" "$non2xx" "$errors" "$p50" "$p99"
    printf '%s_rps=%s\n' "$key" "$rps" >>"$RESULTS"
    if ((non2xx * 100 > requests)); then log "warning: $label: $non2xx of $requests answers were not 2xx"; fi
}

# The N in the first "| title | N/s" cell of the row whose title contains PATTERN.
rate_of() { # PATTERN ROWS
    grep -F -- "$1" <<<"$2" | head -n 1 | sed -n 's/^| [^|]* | \([0-9]*\)\/s.*/\1/p'
}

result() { # KEY
    sed -n "s/^$1=//p" "$RESULTS" | tail -n 1
}
