#!/usr/bin/env bash
# Local PostgreSQL 15 clusters for Curbside development and tests: a primary
# and, optionally, two streaming hot-standby replicas (one of them delayed).
#
#   scripts/postgres.sh start   DIR PORT [--replicas]   idempotent; prints exports
#   scripts/postgres.sh env     DIR PORT [--replicas]   prints exports only
#   scripts/postgres.sh stop    DIR                     stops whatever runs in DIR
#   scripts/postgres.sh destroy DIR                     stop, then delete DIR
#   scripts/postgres.sh ctl     DIR NAME ACTION         pg_ctl ACTION (stop, start, restart)
#                                                       on one cluster of DIR (make chaos)
#
# Layout: DIR/primary on PORT, DIR/replica on PORT+1, DIR/delayed-replica on
# PORT+2 (applies WAL 3 s late, so tests can observe replication lag). Each
# cluster logs to DIR/<name>.log and puts its socket in DIR/run/<name>.
#
# Only `export` lines are written to stdout, so callers can do
#   env="$(scripts/postgres.sh start DIR PORT)" && eval "$env"
# Everything else goes to stderr.
#
# CURBSIDE_PG_FAST=1 (read when a cluster is first created) trades durability
# for speed: fine for throwaway test clusters, never for data you care about.
set -euo pipefail

# Keep the real stdout on fd 3 for the export lines and route everything else,
# including chatty tools (apt-get, initdb, pg_ctl), to stderr.
exec 3>&1 1>&2

# Directories we create must be traversable by the postgres OS user; private
# files (password, data directories) get explicit modes.
umask 022

readonly PG_MAJOR=15
readonly PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
readonly POSTGIS_CONTROL=/usr/share/postgresql/$PG_MAJOR/extension/postgis.control
readonly INSTALL_CMD="apt-get update && apt-get install -y postgresql-15 postgresql-15-postgis-3"
readonly HOST=127.0.0.1
readonly SUPERUSER=postgres
readonly REPLICA_DELAY=3s
# Lets `destroy` tell our directories apart from a mistyped path such as `.`.
readonly MARKER=.curbside-postgres
# sun_path is 108 bytes including the terminating NUL.
readonly SOCKET_PATH_MAX=107

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    cat >&2 <<'EOF'
usage: scripts/postgres.sh start   DIR PORT [--replicas]
       scripts/postgres.sh env     DIR PORT [--replicas]
       scripts/postgres.sh stop    DIR
       scripts/postgres.sh destroy DIR
       scripts/postgres.sh ctl     DIR primary|replica|delayed-replica stop|start|restart
EOF
    exit 2
}

# initdb and pg_ctl refuse to run as root, and the server's files must belong
# to the account running it, so as root we act as the `postgres` user that the
# Debian package creates; anyone else just runs as themselves. fd 3 is closed
# because a daemonised postmaster would otherwise inherit it and keep the
# caller's $(...) waiting forever. `cd /` because postgres may not be allowed
# into the caller's working directory.
as_pg() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@") 3>&-
    else
        (cd / && "$@") 3>&-
    fi
}

give_to_pg() {
    if ((EUID == 0)); then chown postgres:postgres "$@"; fi
}

ensure_installed() {
    if [[ -x $PG_BIN/initdb && -f $POSTGIS_CONTROL ]]; then
        return
    fi
    if ((EUID != 0)); then
        die "PostgreSQL $PG_MAJOR with PostGIS is not installed. As root, run:
    $INSTALL_CMD"
    fi
    log "installing PostgreSQL $PG_MAJOR and PostGIS (this can take a few minutes)"
    # The package may create and start a default cluster on 5432; we never use
    # or touch it.
    DEBIAN_FRONTEND=noninteractive apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-15 postgresql-15-postgis-3
    [[ -x $PG_BIN/initdb && -f $POSTGIS_CONTROL ]] ||
        die "installation finished but $PG_BIN/initdb or PostGIS is still missing"
}

# Sets DIR_ABS and FALLBACK_ROOT. As root, the cluster data has to live where
# the postgres user can reach it. Changing permissions on directories we did
# not create (say the checkout sits under a 0700 /root) would quietly weaken
# the user's setup, so instead the data then lives in FALLBACK_ROOT, a private
# per-DIR directory under /tmp. DIR keeps the password file and the marker.
set_paths() {
    DIR_ABS=$(realpath -m -- "$1")
    [[ $DIR_ABS != / ]] || die "refusing to use / as the cluster directory"
    FALLBACK_ROOT=/tmp/curbside-postgres-$(printf '%s' "$DIR_ABS" | sha256sum | cut -c1-12)
}

make_fallback_root() {
    local owner
    if ((EUID == 0)); then owner=postgres; else owner=$(id -un); fi
    # /tmp is shared: never adopt a path that someone else prepared for us.
    if [[ -L $FALLBACK_ROOT ]] ||
        { [[ -e $FALLBACK_ROOT ]] && [[ $(stat -c %U "$FALLBACK_ROOT") != "$owner" ]]; }; then
        die "$FALLBACK_ROOT exists but is not a directory owned by $owner; remove it and retry"
    fi
    mkdir -m 700 "$FALLBACK_ROOT" 2>/dev/null || true
    chmod 700 "$FALLBACK_ROOT"
    give_to_pg "$FALLBACK_ROOT"
}

# Sets DATA_ROOT (cluster data and logs) and SOCK_ROOT (unix sockets).
choose_roots() {
    DATA_ROOT=$DIR_ABS
    if ((EUID == 0)); then
        # Keep using an earlier fallback so an existing cluster isn't orphaned.
        if [[ -f $FALLBACK_ROOT/primary/PG_VERSION ]] ||
            ! runuser -u postgres -- test -x "$DIR_ABS"; then
            log "note: the postgres user cannot reach $DIR_ABS; cluster data lives in $FALLBACK_ROOT"
            make_fallback_root
            DATA_ROOT=$FALLBACK_ROOT
        fi
    fi
    SOCK_ROOT=$DATA_ROOT/run
    # Deep CI checkouts can exceed the unix socket path limit; the longest
    # socket we create is run/delayed-replica/.s.PGSQL.NNNNN.
    local longest="$SOCK_ROOT/delayed-replica/.s.PGSQL.65535"
    if ((${#longest} > SOCKET_PATH_MAX)); then
        make_fallback_root
        SOCK_ROOT=$FALLBACK_ROOT/run
        log "note: $DATA_ROOT is too deep for unix sockets; using $SOCK_ROOT"
    fi
    mkdir -p "$SOCK_ROOT"
    # Local connections are trusted, so only the server's owner (and root)
    # may reach the sockets.
    chmod 700 "$SOCK_ROOT"
    give_to_pg "$SOCK_ROOT"
}

# Creates an empty directory owned by the server's account.
make_pg_dir() {
    mkdir -p "$1"
    chmod 700 "$1"
    give_to_pg "$1"
}

generate_password() {
    if command -v openssl >/dev/null; then
        openssl rand -hex 24
    else
        od -An -tx1 -N24 /dev/urandom | tr -d ' \n'
        echo
    fi
}

read_password() {
    [[ -s $DIR_ABS/superuser-password ]] ||
        die "$DIR_ABS/superuser-password is missing; run 'scripts/postgres.sh destroy $1' and start again"
    PASSWORD=$(<"$DIR_ABS/superuser-password")
}

# The port recorded in a cluster's config (the last `port = N` we appended).
configured_port() {
    sed -n 's/^port = \([0-9]\{1,\}\)$/\1/p' "$1/postgresql.conf" | tail -n 1
}

# A cluster keeps the port it was created with (replicas also connect to the
# primary's port), so a different PORT for an existing DIR is a mistake.
check_port() {
    local name=$1 port=$2 actual
    actual=$(configured_port "$DATA_ROOT/$name")
    [[ $actual == "$port" ]] ||
        die "$name in $DIR_ABS was created for port ${actual:-?}, not $port; use that port or destroy it first"
}

pick_locale() {
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\{0,1\}8'; then
        echo C.UTF-8
    else
        echo C
    fi
}

init_primary() {
    local port=$1 data=$DATA_ROOT/primary tmp=$DATA_ROOT/primary.initdb
    local pwfile=$DIR_ABS/superuser-password
    log "creating primary cluster in $data"
    (umask 077 && generate_password >"$pwfile")
    # initdb runs as postgres, which cannot read the caller's private copy.
    local pg_pwfile=$DATA_ROOT/.initdb-password
    (umask 077 && cp "$pwfile" "$pg_pwfile")
    give_to_pg "$pg_pwfile"

    # Initialise next to the final location and rename at the end, so an
    # interrupted run never leaves a half-configured "primary" behind.
    rm -rf "$tmp"
    make_pg_dir "$tmp"
    if ! as_pg "$PG_BIN/initdb" -D "$tmp" -U "$SUPERUSER" --pwfile="$pg_pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale="$(pick_locale)" \
        --no-instructions; then
        rm -f "$pg_pwfile"
        die "initdb failed"
    fi
    rm -f "$pg_pwfile"

    # Our own socket directory keeps us clear of the system cluster's
    # /var/run/postgresql. The replica settings are here so standbys cloned
    # from this primary inherit them.
    cat >>"$tmp/postgresql.conf" <<EOF

# --- added by scripts/postgres.sh ---
listen_addresses = '$HOST'
port = $port
unix_socket_directories = '$SOCK_ROOT/primary'
max_connections = 300
wal_level = replica
max_wal_senders = 10
hot_standby = on
# Slack for a replica that was stopped for a while (we use no slots).
wal_keep_size = '256MB'
EOF
    if [[ ${CURBSIDE_PG_FAST:-} == 1 ]]; then
        cat >>"$tmp/postgresql.conf" <<'EOF'
# CURBSIDE_PG_FAST=1: throwaway cluster, durability not needed.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    fi
    cat >"$tmp/pg_hba.conf" <<EOF
# Written by scripts/postgres.sh. The unix sockets sit in a directory only the
# server's owner can enter, so local trust is safe; TCP needs the password.
# TYPE  DATABASE     USER        ADDRESS        METHOD
local   all          all                        trust
local   replication  all                        trust
host    all          all         $HOST/32   scram-sha-256
host    replication  $SUPERUSER    $HOST/32   scram-sha-256
EOF
    mv "$tmp" "$data"
}

init_replica() {
    local name=$1 port=$2 primary_port=$3 delay=${4:-}
    local data=$DATA_ROOT/$name tmp=$DATA_ROOT/$name.basebackup
    log "creating $name in $data (streaming from port $primary_port)"
    rm -rf "$tmp"
    make_pg_dir "$tmp"
    # -R records primary_conninfo (including this password) and standby.signal,
    # which is what makes the copy a streaming standby.
    if ! (export PGPASSWORD=$PASSWORD &&
        as_pg "$PG_BIN/pg_basebackup" -h "$HOST" -p "$primary_port" -U "$SUPERUSER" \
            -D "$tmp" -R -X stream -c fast); then
        rm -rf "$tmp"
        die "pg_basebackup for $name failed"
    fi
    # Later settings win, overriding the copy of the primary's port and socket.
    cat >>"$tmp/postgresql.conf" <<EOF

# --- $name settings added by scripts/postgres.sh ---
port = $port
unix_socket_directories = '$SOCK_ROOT/$name'
EOF
    if [[ -n $delay ]]; then
        printf "recovery_min_apply_delay = '%s'\n" "$delay" >>"$tmp/postgresql.conf"
    fi
    mv "$tmp" "$data"
}

is_running() {
    [[ -f $1/postmaster.pid ]] && as_pg "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

start_cluster() {
    local name=$1 port=$2
    local data=$DATA_ROOT/$name logfile=$DATA_ROOT/$name.log
    check_port "$name" "$port"
    if is_running "$data"; then
        log "$name already running on port $port"
    else
        make_pg_dir "$SOCK_ROOT/$name"
        # The server (not us) opens the log, so it has to own it.
        touch "$logfile"
        chmod 600 "$logfile"
        give_to_pg "$logfile"
        log "starting $name on port $port (log: $logfile)"
        if ! as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$logfile" -w -t 120 start; then
            log "$name failed to start; last lines of $logfile:"
            tail -n 30 "$logfile" >&2 || true
            exit 1
        fi
    fi
    if ! "$PG_BIN/pg_isready" -q -h "$HOST" -p "$port" -t 30; then
        log "$name is not accepting connections on $HOST:$port; last lines of $logfile:"
        tail -n 30 "$logfile" >&2 || true
        exit 1
    fi
}

print_exports() {
    local port=$1 replicas=$2
    {
        printf 'export CURBSIDE_DB_HOST=%s\n' "$HOST"
        printf 'export CURBSIDE_DB_PORT=%s\n' "$port"
        printf 'export CURBSIDE_DB_SUPERUSER=%s\n' "$SUPERUSER"
        printf 'export CURBSIDE_DB_SUPERUSER_PASSWORD=%q\n' "$PASSWORD"
        if ((replicas)); then
            printf 'export CURBSIDE_DB_REPLICAS=%s:%s\n' "$HOST" "$((port + 1))"
            printf 'export CURBSIDE_TEST_DELAYED_REPLICA=%s:%s\n' "$HOST" "$((port + 2))"
        fi
    } >&3
}

# Parses "DIR PORT [--replicas]" into DIR, PORT and REPLICAS.
parse_start_args() {
    (($# == 2 || $# == 3)) || usage
    DIR=$1 PORT=$2 REPLICAS=0
    if (($# == 3)); then
        [[ $3 == --replicas ]] || usage
        REPLICAS=1
    fi
    # PORT+2 must still be a valid port.
    if ! [[ $PORT =~ ^[1-9][0-9]{3,4}$ ]] || ((PORT < 1024 || PORT > 65533)); then
        die "PORT must be a number between 1024 and 65533, got '$PORT'"
    fi
}

cmd_start() {
    parse_start_args "$@"
    ensure_installed
    if ((EUID == 0)); then
        id postgres >/dev/null 2>&1 || die "the postgres OS user does not exist (it comes with the postgresql-15 package)"
    fi
    set_paths "$DIR"
    mkdir -p "$DIR_ABS"
    touch "$DIR_ABS/$MARKER"
    choose_roots

    if [[ ! -f $DATA_ROOT/primary/PG_VERSION ]]; then
        init_primary "$PORT"
    fi
    read_password "$DIR"
    start_cluster primary "$PORT"

    if ((REPLICAS)); then
        local name port delay
        for name in replica delayed-replica; do
            if [[ $name == replica ]]; then
                port=$((PORT + 1)) delay=
            else
                port=$((PORT + 2)) delay=$REPLICA_DELAY
            fi
            if [[ ! -f $DATA_ROOT/$name/PG_VERSION ]]; then
                init_replica "$name" "$port" "$PORT" "$delay"
            fi
            start_cluster "$name" "$port"
        done
    fi
    print_exports "$PORT" "$REPLICAS"
}

cmd_env() {
    parse_start_args "$@"
    set_paths "$DIR"
    read_password "$DIR"
    print_exports "$PORT" "$REPLICAS"
}

stop_all() {
    if [[ ! -x $PG_BIN/pg_ctl ]]; then
        return # nothing of ours can be running without the binaries
    fi
    local root name data
    # Replicas first, so they don't spin trying to reconnect to the primary.
    for root in "$DIR_ABS" "$FALLBACK_ROOT"; do
        for name in delayed-replica replica primary; do
            data=$root/$name
            if is_running "$data"; then
                log "stopping $name ($data)"
                as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 120 stop
            fi
        done
    done
}

cmd_stop() {
    (($# == 1)) || usage
    set_paths "$1"
    stop_all
}

cmd_destroy() {
    (($# == 1)) || usage
    set_paths "$1"
    if [[ -d $DIR_ABS && ! -e $DIR_ABS/$MARKER ]] && [[ -n $(ls -A "$DIR_ABS") ]]; then
        die "$DIR_ABS was not created by this script (no $MARKER); refusing to delete it"
    fi
    stop_all
    rm -rf -- "$DIR_ABS" "$FALLBACK_ROOT"
    log "removed $DIR_ABS"
}

# One cluster of DIR stopped (fast: sessions are cut, as in a failover), started or restarted;
# the fault-injection suite uses it. Waits until the action is complete.
cmd_ctl() {
    (($# == 3)) || usage
    local name=$2 action=$3
    [[ $name == primary || $name == replica || $name == delayed-replica ]] || usage
    [[ $action == stop || $action == start || $action == restart ]] || usage
    set_paths "$1"
    local root data=
    for root in "$DIR_ABS" "$FALLBACK_ROOT"; do
        if [[ -f $root/$name/PG_VERSION ]]; then data=$root/$name; fi
    done
    [[ -n $data ]] || die "no $name cluster in $DIR_ABS"
    log "$action $name ($data)"
    as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$(dirname "$data")/$name.log" -m fast -w -t 120 "$action" >&2
}

main() {
    (($# >= 1)) || usage
    local cmd=$1
    shift
    case $cmd in
    start) cmd_start "$@" ;;
    env) cmd_env "$@" ;;
    stop) cmd_stop "$@" ;;
    destroy) cmd_destroy "$@" ;;
    ctl) cmd_ctl "$@" ;;
    *) usage ;;
    esac
}

main "$@"
