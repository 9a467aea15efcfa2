#!/usr/bin/env bash
# Fuzzes every service's HTTP API with schemathesis (PyPI), signed in as each role, and validates
# every OpenAPI document with openapi-spec-validator (PyPI).
#
# Starts `curbside serve` (every service) on PORT against the database the environment names
# (`make test` runs it on its throwaway cluster after the suite), creates an admin, signs up a
# passenger and a driver, then for each service and role runs schemathesis with a fixed seed:
# no 5xx, and every response conforms to the document (status code, content type, body schema).
# Then scripts/api-abuse.py sends hostile values into every field of every operation.
# Fails if anything fails; each run's report lands in .build/test-artifacts/schemathesis/.
#
# Usage: scripts/api-fuzz.sh CURBSIDE_BINARY [PORT]
# CURBSIDE_FUZZ_EXAMPLES (default 12) examples per operation and role; CURBSIDE_FUZZ_SEED fixes the
# generated data (default: the same every run, so CI is reproducible; set another to explore).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=$1
port=${2:-54398}
examples=${CURBSIDE_FUZZ_EXAMPLES:-12}
seed=${CURBSIDE_FUZZ_SEED:-20261122}
base="http://127.0.0.1:$port"
artifacts=.build/test-artifacts/schemathesis
venv=.local/fuzz-venv
log() { printf 'api-fuzz: %s\n' "$*" >&2; }

# The Python tools, pinned, in a virtual environment of our own (never the system's site-packages).
if [[ ! -x $venv/bin/schemathesis ]]; then
    log "installing schemathesis and openapi-spec-validator into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check schemathesis==4.32.5 openapi-spec-validator==0.9.0
fi

mkdir -p "$artifacts"
CURBSIDE_HTTP_PORT=$port CURBSIDE_LOG_LEVEL=warning "$binary" serve >"$artifacts/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do
    curl -sf -o /dev/null "$base/readyz" && break
    kill -0 "$server" 2>/dev/null || { log "the server exited; see $artifacts/serve.log"; exit 1; }
    sleep 0.2
done

json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }
sign_in() { # EMAIL PASSWORD
    curl -sf -X POST "$base/v1/sessions" -H 'content-type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"$2\"}" | json_field accessToken
}
sign_up() { # ROLE -> access token
    local email password
    email="fuzz-$1-$RANDOM$RANDOM@example.com"
    password="fuzz-password-$RANDOM-1"
    curl -sf -o /dev/null -X POST "$base/v1/users?requestId=$(python3 -c 'import uuid; print(uuid.uuid4())')" \
        -H 'content-type: application/json' \
        -d "{\"role\":\"$1\",\"email\":\"$email\",\"displayName\":\"Fuzz $1\",\"password\":\"$password\"}"
    sign_in "$email" "$password"
}

admin_email="fuzz-admin-$RANDOM$RANDOM@example.com"
admin_password="fuzz-admin-password-$RANDOM-1"
CURBSIDE_ADMIN_PASSWORD=$admin_password "$binary" admin create --email "$admin_email" >/dev/null
declare -A tokens=(
    [admin]=$(sign_in "$admin_email" "$admin_password")
    [passenger]=$(sign_up PASSENGER)
    [driver]=$(sign_up DRIVER)
)
for role in "${!tokens[@]}"; do
    [[ -n ${tokens[$role]} ]] || { log "could not sign in as $role"; exit 1; }
done

# schemathesis keeps its example database in the working directory: keep it with the reports.
cd_artifacts() { (cd "$artifacts" && "$@"); }
failed=()
for service in users trips dispatch payments notifications; do
    curl -sf "$base/$service/openapi.json" >"$artifacts/$service.json"
    if ! "$venv/bin/openapi-spec-validator" "$artifacts/$service.json" >"$artifacts/$service-validator.txt" 2>&1; then
        failed+=("$service document")
        cat "$artifacts/$service-validator.txt" >&2
    fi
    for role in admin passenger driver; do
        report="$artifacts/$service-$role.txt"
        start=$SECONDS
        if cd_artifacts "$PWD/$venv/bin/schemathesis" run "$base/$service/openapi.json" --url "$base" \
            -H "Authorization: Bearer ${tokens[$role]}" --max-examples "$examples" --seed "$seed" \
            --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
            --request-timeout 10 --no-color >"$PWD/$report" 2>&1; then
            log "$service as $role: $(grep -E '[0-9]+ generated' "$report" | xargs) ($((SECONDS - start)) s)"
        else
            failed+=("$service as $role")
            log "$service as $role FAILED ($((SECONDS - start)) s); the report:"
            sed -n '/FAILURES/,$p' "$report" | head -80 >&2
        fi
    done
done

# Hostile values (SQL metacharacters, 100,000 characters, control characters, broken Unicode) in
# every field, absurd page sizes, JSON nested 100,000 deep: answered below 500, as AIP errors.
if ! CURBSIDE_ABUSE_TOKEN_ADMIN=${tokens[admin]} CURBSIDE_ABUSE_TOKEN_PASSENGER=${tokens[passenger]} \
    CURBSIDE_ABUSE_TOKEN_DRIVER=${tokens[driver]} scripts/api-abuse.py "$base" "$artifacts"/{users,trips,dispatch,payments,notifications}.json \
    2> >(tee "$artifacts/abuse.txt" >&2); then
    failed+=("hostile values")
fi

if ((${#failed[@]} > 0)); then
    log "failed: ${failed[*]} (reports in $artifacts)"
    exit 1
fi
log "every document valid; every operation fuzzed as admin, passenger and driver without a server error or a response outside its document"
