#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed: `make test` runs the ops console in it, headless
# (Tests/RideFlowTests/ConsoleTests.swift). Like scripts/postgres.sh does for PostgreSQL: as root
# it installs the `chromium` package; anyone else gets the command to run and a failure.
#
#   scripts/ensure-chromium.sh      exit 0 once `chromium` (or `chromium-browser`) is on PATH
set -euo pipefail

readonly INSTALL_CMD="apt-get update && apt-get install -y chromium"

log() { printf 'ensure-chromium.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

found() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }

if found; then
    exit 0
fi
if ((EUID != 0)); then
    die "Chromium is not installed; the ops console test needs it. As root, run:
    $INSTALL_CMD"
fi
log "installing Chromium for the ops console test (this can take a few minutes)"
# No stdin (CI): apt and debconf must never wait for an answer.
DEBIAN_FRONTEND=noninteractive apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
found || die "installation finished but chromium is still not on PATH"
