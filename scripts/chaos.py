#!/usr/bin/env python3
"""Curbside's fault-injection suite: `make chaos`, and its short form (`--short`) in `make test`.

Runs the platform as an operator would scale it out, five `curbside serve --service X`
processes (then two of each) behind HAProxy, fills a city with `curbside simulate`, and
while the city lives injects faults:

  * kill -9 of each service in turn, restarted after a moment;
  * a restart of the PostgreSQL primary (every connection cut);
  * the streaming replica stopped, then started again;
  * a service paused with SIGSTOP past every timeout (offers, HAProxy), then resumed;
  * with two instances of everything: one instance of each service killed for good.

After each phase the city winds down and the platform is given time to settle; then the
invariants are checked against the databases: no trip lost between the simulator, trips,
dispatch and payments; every trip ended; no open offer or matching job left; no driver on
two trips at once; every completed card trip settled; the card gateway took
exactly what payments recorded (no double charge); the ledger balanced; every outbox
drained, nothing parked. The full form adds a soak (default 10 minutes of load without
faults): memory and file descriptors of every process flat, no error creep. Every log line
of the run is scanned for passwords, tokens and card numbers.

The report (faults injected, requests served, invariants checked, anything lost) is
printed and written to .build/test-artifacts/chaos/report.json; exit status 1 if any
invariant failed.

Usage: scripts/chaos.py CURBSIDE_BINARY [--short] [--soak-seconds N]
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SERVICES = ["users", "trips", "dispatch", "payments", "notifications"]
ACTIVE_TRIP_STATES = ("REQUESTED", "DISPATCHING", "DRIVER_ASSIGNED", "DRIVER_ARRIVED", "IN_PROGRESS")
ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".local" / "chaos"
ARTIFACTS = ROOT / ".build" / "test-artifacts" / "chaos"
PG_DIR = ROOT / ".local" / "chaos-postgres"
PSQL = "/usr/lib/postgresql/15/bin/psql"
ADMIN_EMAIL = "chaos-admin@example.com"
ADMIN_PASSWORD = "chaos-admin-password-1"


def log(message):
    print(f"chaos {time.strftime('%H:%M:%S')}: {message}", file=sys.stderr, flush=True)


def free_port_block(count, start):
    """The first `count` consecutive ports from `start` on which nothing listens."""
    port = start
    while True:
        if all(port_is_free(p) for p in range(port, port + count)):
            return port
        port += count


def port_is_free(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def http_ok(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return 200 <= reply.status < 300
    except Exception:
        return False


class Database:
    """Queries the throwaway cluster as its superuser."""

    def __init__(self, env):
        self.env = env

    def query(self, database, sql):
        result = subprocess.run(
            [PSQL, "-X", "-At", "-F", "\t", "-h", self.env["CURBSIDE_DB_HOST"], "-p", self.env["CURBSIDE_DB_PORT"],
             "-U", self.env["CURBSIDE_DB_SUPERUSER"], "-d", database, "-c", sql],
            env={**os.environ, "PGPASSWORD": self.env["CURBSIDE_DB_SUPERUSER_PASSWORD"]},
            capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"psql {database}: {result.stderr.strip()}")
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def scalar(self, database, sql):
        rows = self.query(database, sql)
        return rows[0][0] if rows else None


class Platform:
    """The five services, each as `instances` processes, behind one HAProxy."""

    def __init__(self, binary, env, ports):
        self.binary = binary
        self.env = env
        self.gateway_port = ports
        self.service_ports = {service: ports + 1 + i for i, service in enumerate(SERVICES)}
        self.stats_port = ports + 6
        self.instance_base = ports + 10
        self.instances = {}
        self.processes = {}
        self.log_paths = {}
        self.haproxy = None
        self.launches = 0
        # Called when a process has not stopped 8 s after SIGTERM (what the database was doing then).
        self.on_slow_stop = None

    @property
    def gateway(self):
        return f"http://127.0.0.1:{self.gateway_port}"

    def service_env(self):
        env = dict(self.env)
        internal = {service: f"http://127.0.0.1:{port}" for service, port in self.service_ports.items()}
        env["CURBSIDE_EVENTS_SUBSCRIBER_URLS"] = ",".join(f"{s}={internal[s]}" for s in SERVICES if s != "users")
        for service in SERVICES:
            env[f"CURBSIDE_SERVICES_{service.upper()}_URL"] = internal[service]
        return env

    def instance_port(self, service, index):
        return self.instance_base + SERVICES.index(service) * 4 + index

    def start(self, instances):
        for service in SERVICES:
            self.instances[service] = instances
            for index in range(instances):
                self.launch(service, index)
        self.write_haproxy_config()
        self.start_haproxy()
        for service in SERVICES:
            for index in range(instances):
                self.wait_ready(service, index)
        deadline = time.time() + 30
        while not http_ok(self.gateway + "/readyz"):
            if time.time() > deadline:
                raise RuntimeError("HAProxy does not answer")
            time.sleep(0.2)

    def launch(self, service, index):
        self.launches += 1
        log_path = WORK / "logs" / f"{service}-{index}.{self.launches}.log"
        with open(log_path, "w") as output:
            process = subprocess.Popen(
                [self.binary, "serve", "--service", service, "--port", str(self.instance_port(service, index))],
                env=self.service_env(), stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)
        self.processes[(service, index)] = process
        self.log_paths[(service, index)] = log_path
        return process

    def wait_ready(self, service, index, seconds=60):
        url = f"http://127.0.0.1:{self.instance_port(service, index)}/readyz"
        deadline = time.time() + seconds
        while time.time() < deadline:
            if http_ok(url):
                return
            if self.processes[(service, index)].poll() is not None:
                raise RuntimeError(f"{service}#{index} exited with {self.processes[(service, index)].returncode}")
            time.sleep(0.2)
        raise RuntimeError(f"{service}#{index} is not ready after {seconds} s")

    def signal(self, service, index, sig):
        self.processes[(service, index)].send_signal(sig)

    def kill9(self, service, index):
        process = self.processes[(service, index)]
        process.kill()
        process.wait()

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    process.send_signal(signal.SIGCONT)
                    process.terminate()
                except ProcessLookupError:
                    pass
        unclean = []
        deadline = time.time() + 8
        while time.time() < deadline and any(p.poll() is None for p in self.processes.values()):
            time.sleep(0.2)
        if self.on_slow_stop and any(p.poll() is None for p in self.processes.values()):
            self.on_slow_stop()
        for (service, index), process in self.processes.items():
            try:
                code = process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                code = "killed after 40 s"
            if code not in (0, -9):
                unclean.append(f"{service}#{index}: {code}{self.held_up_by(service, index)}")
        self.processes = {}
        if self.haproxy:
            self.haproxy.terminate()
            self.haproxy.wait()
            self.haproxy = None
        return unclean

    def held_up_by(self, service, index):
        """What the process's shutdown roster said it was waiting for (curbside serve logs it)."""
        said = []
        for line in self.log_paths[(service, index)].read_text(errors="replace").splitlines():
            if "shutdown.stopping" in line:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                said.append(f"{entry.get('message')}: stopping [{entry.get('shutdown.stopping')}]")
        return f" ({'; '.join(said[-2:])})" if said else ""

    def routes(self):
        """Each service's public paths as anchored regular expressions, from its OpenAPI document.

        A path that several documents share (the per-service event inbox and outbox admin) is
        internal: reached at the service's own address, never through the gateway.
        """
        owners = {}
        for service in SERVICES:
            document = json.loads(subprocess.run(
                [self.binary, "openapi", service, "--json"], capture_output=True, text=True, check=True, cwd=ROOT).stdout)
            for path in document["paths"]:
                owners.setdefault(path, set()).add(service)
        routes = {service: [] for service in SERVICES}
        for path, services in sorted(owners.items()):
            if len(services) == 1:
                pattern = re.sub(r"\\\{[^}]+\\\}", "[^/:]+", re.escape(path))
                routes[next(iter(services))].append(f"^{pattern}$")
        # The WebSockets are not in the documents (OpenAPI 3.0 cannot describe them).
        routes["notifications"].append("^/v1/stream$")
        routes["dispatch"].append("^/v1/ops/stream$")
        return routes

    def write_haproxy_config(self):
        lines = [
            "global", "    maxconn 4000", "",
            "defaults", "    mode http", "    timeout connect 2s", "    timeout client 60s", "    timeout server 15s",
            "    timeout tunnel 1h", "    timeout http-request 15s", "    option redispatch",
            # Only requests that never reached a server are retried here; the apps retry the rest.
            "    retries 3", "    retry-on conn-failure", "    default-server inter 1s fall 2 rise 1", "",
            "frontend gateway", f"    bind 127.0.0.1:{self.gateway_port}",
        ]
        for service, patterns in self.routes().items():
            route_file = WORK / f"routes-{service}.txt"
            route_file.write_text("\n".join(patterns) + "\n")
            lines.append(f"    use_backend {service} if {{ path_reg -f {route_file} }}")
        lines += ["    default_backend users", ""]
        for service, port in self.service_ports.items():
            lines += [f"frontend {service}_internal", f"    bind 127.0.0.1:{port}", f"    default_backend {service}", ""]
        for service in SERVICES:
            lines += [f"backend {service}", "    option httpchk GET /readyz"]
            for index in range(self.instances[service]):
                lines.append(f"    server {service}{index} 127.0.0.1:{self.instance_port(service, index)} check")
            lines.append("")
        lines += ["frontend stats", f"    bind 127.0.0.1:{self.stats_port}", "    stats enable", "    stats uri /stats", ""]
        (WORK / "haproxy.cfg").write_text("\n".join(lines))

    def start_haproxy(self):
        output = open(WORK / "logs" / "haproxy.log", "a")
        self.haproxy = subprocess.Popen(["haproxy", "-db", "-f", str(WORK / "haproxy.cfg")], stdout=output, stderr=subprocess.STDOUT)

    def haproxy_counts(self):
        """Requests and 5xx answers per backend, from HAProxy's CSV statistics."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/stats;csv", timeout=5) as reply:
            rows = reply.read().decode().splitlines()
        header = rows[0].lstrip("# ").split(",")
        counts = {}
        for row in rows[1:]:
            fields = dict(zip(header, row.split(",")))
            if fields.get("svname") == "BACKEND":
                counts[fields["pxname"]] = (int(fields["req_tot"] or 0), int(fields["hrsp_5xx"] or 0))
        return counts

    def resources(self):
        """Resident memory (kB) and open file descriptors of every live service process."""
        sample = {}
        for (service, index), process in self.processes.items():
            if process.poll() is not None:
                continue
            status = Path(f"/proc/{process.pid}/status").read_text()
            rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            fds = len(os.listdir(f"/proc/{process.pid}/fd"))
            sample[f"{service}#{index}"] = (rss, fds)
        return sample


class Chaos:
    def __init__(self, options):
        self.options = options
        self.binary = str(Path(options.binary).resolve())
        self.faults = []
        self.checks = []
        self.simulations = []

    # -- set-up -------------------------------------------------------------------------------

    def start_database(self, port):
        log(f"starting PostgreSQL (primary + replicas) on {port}")
        exports = subprocess.run(
            ["scripts/postgres.sh", "start", str(PG_DIR), str(port), "--replicas"], cwd=ROOT, check=True,
            capture_output=True, text=True, env={**os.environ, "CURBSIDE_PG_FAST": "1"}).stdout
        env = dict(os.environ)
        for line in exports.splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            env[key] = subprocess.run(["bash", "-c", f"printf %s {value}"], capture_output=True, text=True).stdout
        env.update({
            "CURBSIDE_AUTH_BCRYPT_COST": "4",  # many sign-ups; the cost itself is tested elsewhere
            "CURBSIDE_LOG_LEVEL": os.environ.get("CHAOS_LOG_LEVEL", "info"),
            "CURBSIDE_PAYMENTS_DAILY_PAYOUTS": "false",
            "CURBSIDE_EVENTS_EXPORT_DIR": str(WORK / "analytics"),
            "CURBSIDE_EVENTS_EXPORT_MAX_AGE_SECONDS": "5",
            "CURBSIDE_HTTP_SHUTDOWN_GRACE_SECONDS": "10",
        })
        self.env = env
        self.db = Database(env)
        for command in (["db", "bootstrap"], ["migrate"]):
            subprocess.run([self.binary, *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([self.binary, "admin", "create", "--email", ADMIN_EMAIL], cwd=ROOT, check=True,
                       env={**env, "CURBSIDE_ADMIN_PASSWORD": ADMIN_PASSWORD}, stdout=subprocess.DEVNULL)

    def pg(self, name, action):
        self.record_fault(f"PostgreSQL {name}: {action}")
        subprocess.run(["scripts/postgres.sh", "ctl", str(PG_DIR), name, action], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def record_fault(self, description):
        log(f"FAULT {description}")
        self.faults.append({"time": time.strftime("%H:%M:%S"), "fault": description})

    # -- the simulated city -------------------------------------------------------------------

    def simulate(self, platform, name, seconds, seed, drivers, passengers, demand):
        output = WORK / f"simulate-{name}.json"
        errors = open(WORK / "logs" / f"simulate-{name}.log", "w")
        process = subprocess.Popen(
            [self.binary, "simulate", "--base-url", platform.gateway, "--admin-email", ADMIN_EMAIL, "--drivers", str(drivers),
             "--passengers", str(passengers), "--demand-per-hour", str(demand), "--duration", str(seconds), "--seed", str(seed),
             "--speed-factor", "8", "--size-km", "4", "--json"],
            cwd=ROOT, env={**self.env, "CURBSIDE_ADMIN_PASSWORD": ADMIN_PASSWORD}, stdout=open(output, "w"), stderr=errors)
        return process, output

    def wait_for_first_trip(self, process, seconds=180):
        before = int(self.db.scalar("trips", "SELECT count(*) FROM platform.trips"))
        deadline = time.time() + seconds
        while time.time() < deadline:
            if int(self.db.scalar("trips", "SELECT count(*) FROM platform.trips")) > before:
                return
            if process.poll() is not None:
                raise RuntimeError("the simulator ended before its first ride request")
            time.sleep(1)
        raise RuntimeError(f"no ride requested within {seconds} s")

    def finish_simulation(self, name, process, output):
        code = process.wait(timeout=1800)
        if code != 0:
            raise RuntimeError(f"simulate ({name}) exited with {code}; see {WORK}/logs/simulate-{name}.log")
        summary = json.loads(output.read_text())
        self.simulations.append({"phase": name, **{key: summary[key] for key in (
            "requests", "completed", "cancelledByPassenger", "cancelledOtherwise", "cancelledAtEnd", "noDriverFound",
            "apiCalls", "serverErrors", "transportErrors", "retries", "errorsByStatus", "serverErrorSamples",
            "transportErrorSamples")}})
        # During an outage the answer is 503 (retry), from HAProxy or from a service whose database is
        # away; a 500 is a bug whatever the fault.
        internal = summary["errorsByStatus"].get("500", 0)
        self.check(f"{name}: no 500 answer, faults or not", internal == 0,
                   f"{internal} of {summary['apiCalls']} calls; 5xx by status: "
                   f"{ {k: v for k, v in summary['errorsByStatus'].items() if k.startswith('5')} }")
        log(f"{name}: {summary['apiCalls']} API calls, {summary['requests']} rides requested, {summary['completed']} completed, "
            f"{summary['serverErrors']} 5xx, {summary['transportErrors']} unanswered, {summary['retries']} retried")
        return summary

    # -- faults -------------------------------------------------------------------------------

    def kill_and_restart_each(self, platform, pause):
        for service in SERVICES:
            self.record_fault(f"kill -9 {service}#0, restarted after 2 s")
            platform.kill9(service, 0)
            time.sleep(2)
            platform.launch(service, 0)
            platform.wait_ready(service, 0)
            time.sleep(pause)

    def pause_service(self, platform, service, seconds):
        self.record_fault(f"SIGSTOP {service}#0 for {seconds} s (past the 15 s offer and HAProxy timeouts)")
        platform.signal(service, 0, signal.SIGSTOP)
        time.sleep(seconds)
        platform.signal(service, 0, signal.SIGCONT)

    # -- invariants ---------------------------------------------------------------------------

    def settle(self, seconds):
        """Waits until nothing is in flight (or `seconds` pass): trips ended, offers and matching
        jobs closed, gateway calls answered, outboxes drained."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            if not self.in_flight():
                return
            time.sleep(2)

    def in_flight(self):
        states = ",".join(f"'{s}'" for s in ACTIVE_TRIP_STATES)
        counts = [
            int(self.db.scalar("trips", f"SELECT count(*) FROM platform.trips WHERE state IN ({states})")),
            int(self.db.scalar("dispatch", "SELECT count(*) FROM platform.offers WHERE state = 'OPEN'")),
            int(self.db.scalar("dispatch", "SELECT count(*) FROM platform.jobs WHERE state = 'OPEN'")),
            int(self.db.scalar("payments", "SELECT count(*) FROM platform.gateway_operations WHERE state IN ('PENDING', 'UNKNOWN')")),
        ]
        for service in SERVICES:
            counts.append(int(self.db.scalar(service, "SELECT count(*) FROM platform.outbox_deliveries WHERE state = 'PENDING'")))
        return sum(counts)

    def check(self, name, ok, detail):
        self.checks.append({"invariant": name, "ok": bool(ok), "detail": detail})
        log(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")

    def check_invariants(self, phase, requested):
        log(f"checking invariants after {phase}")
        db = self.db
        trips = {row[0]: row[1] for row in db.query("trips", "SELECT id, state FROM platform.trips")}
        self.check(f"{phase}: no ride request lost", len(trips) >= requested,
                   f"{len(trips)} trips stored, {requested} requests accepted by the API so far")
        active = [trip for trip, state in trips.items() if state in ACTIVE_TRIP_STATES]
        self.check(f"{phase}: every trip ended", not active, f"{len(active)} still active: {active[:5]}")
        jobs = {row[0]: row[1] for row in db.query("dispatch", "SELECT trip_id, state FROM platform.jobs")}
        # A trip that got a driver, or that dispatch gave up on, went through dispatch (a trip
        # cancelled before that, say for a declined card, never reaches it).
        dispatched = [row[0] for row in db.query(
            "trips", "SELECT id FROM platform.trips WHERE assign_time IS NOT NULL OR state IN ('COMPLETED', 'NO_DRIVER_FOUND')")]
        missing = [trip for trip in dispatched if trip not in jobs]
        self.check(f"{phase}: every dispatched trip reached dispatch", not missing, f"{len(missing)} missing: {missing[:5]}")
        orphans = [trip for trip in jobs if trip not in trips]
        self.check(f"{phase}: dispatch knows no trip that trips does not", not orphans, f"{len(orphans)}: {orphans[:5]}")
        open_jobs = [trip for trip, state in jobs.items() if state == "OPEN"]
        self.check(f"{phase}: no matching job left open", not open_jobs, f"{len(open_jobs)}: {open_jobs[:5]}")
        open_offers = db.scalar("dispatch", "SELECT count(*) FROM platform.offers WHERE state = 'OPEN'")
        self.check(f"{phase}: no stuck offer", open_offers == "0", f"{open_offers} open offers")
        busy = db.query("dispatch", "SELECT driver_id, current_trip FROM platform.drivers WHERE current_trip IS NOT NULL")
        stuck = [(driver, trip) for driver, trip in busy if trips.get(trip) not in ACTIVE_TRIP_STATES]
        self.check(f"{phase}: no driver held by a trip that ended", not stuck, f"{len(stuck)}: {stuck[:5]}")
        # From assignment to the end, one trip at a time (an active trip's end is now): this also
        # covers two active trips at once.
        overlapping = db.query("trips", "SELECT a.id, b.id FROM platform.trips a JOIN platform.trips b "
                                        "ON a.driver_id = b.driver_id AND a.id < b.id "
                                        "AND a.assign_time < coalesce(b.end_time, now()) AND b.assign_time < coalesce(a.end_time, now()) "
                                        "LIMIT 5")
        self.check(f"{phase}: no driver on two trips at once (over the whole history)", not overlapping, f"{overlapping}")
        payments = {row[0]: row[1:] for row in db.query(
            "payments", "SELECT id, state, method_kind, collected, tip, refunded FROM platform.payments")}
        completed = [trip for trip, state in trips.items() if state == "COMPLETED"]
        unsettled = [trip for trip in completed if trip not in payments or payments[trip][0] not in ("SETTLED",)]
        self.check(f"{phase}: every completed trip's payment settled", not unsettled,
                   f"{len(completed)} completed; not settled: {[(t, payments.get(t, ['none'])[0]) for t in unsettled[:5]]}")
        unknown_payments = [p for p in payments if p not in trips]
        self.check(f"{phase}: no payment without a trip", not unknown_payments, f"{unknown_payments[:5]}")
        recorded = sum(int(c) + int(t) - int(r) for (_, kind, c, t, r) in payments.values() if kind == "CARD")
        taken = int(db.scalar("payments", "SELECT coalesce(sum(captured - refunded), 0) FROM platform.sandbox_intents"))
        self.check(f"{phase}: no double charge (the card gateway took what payments recorded)", recorded == taken,
                   f"gateway took {taken}, payments recorded {recorded} (minor units)")
        audit = subprocess.run([self.binary, "ledger", "audit"], cwd=ROOT, env=self.env, capture_output=True, text=True)
        self.check(f"{phase}: the ledger balances", audit.returncode == 0, (audit.stdout + audit.stderr).strip()[-300:])
        for service in SERVICES:
            rows = db.query(service, "SELECT subscriber, state, count(*) FROM platform.outbox_deliveries "
                                     "WHERE state <> 'DELIVERED' GROUP BY subscriber, state")
            self.check(f"{phase}: {service} outbox drained, nothing parked", not rows, f"{rows}")

    def dump_database_activity(self):
        """What every database session is doing (a process that does not stop may be waiting on one)."""
        rows = self.db.query("postgres", "SELECT datname, usename, pid, state, wait_event_type, wait_event, "
                                         "now() - xact_start, now() - query_start, left(query, 300) FROM pg_stat_activity "
                                         "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() ORDER BY datname, state")
        path = WORK / "logs" / f"pg-activity-{time.strftime('%H%M%S')}.txt"
        path.write_text("\n".join("\t".join(row) for row in rows) + "\n")
        log(f"a process has not stopped 8 s after SIGTERM; database sessions written to {path}")

    # -- logs ---------------------------------------------------------------------------------

    def scan_logs(self):
        """Every service log of the run, searched for anything secret."""
        patterns = {
            "a password": re.compile(rf"{re.escape(ADMIN_PASSWORD)}|sim-[A-Za-z0-9]{{12}}-1|\"password\"\s*:"),
            "a bearer or refresh token": re.compile(r"Bearer\s+ey|eyJ[A-Za-z0-9_-]{10,}\.eyJ|refreshToken\"\s*:\s*\""),
        }
        # A card number: 13 to 19 digits on their own (not part of a decimal, an id or a hex string)
        # that pass the Luhn check.
        card_candidate = re.compile(r"(?<![0-9A-Za-z.-])[0-9]{13,19}(?![0-9A-Za-z.-])")
        lines = 0
        leaks = []
        for path in sorted((WORK / "logs").glob("*.log")):
            if path.name.startswith("simulate-"):
                continue  # the simulator is the apps' side: its own debug output may name its accounts
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                lines += 1
                for what, pattern in patterns.items():
                    if pattern.search(line):
                        leaks.append(f"{path.name}:{number}: {what}")
                if any(luhn_valid(match) for match in card_candidate.findall(line)):
                    leaks.append(f"{path.name}:{number}: a card number")
        self.check("no password, token or card number in any of the run's log lines", not leaks, f"{lines} lines scanned; {leaks[:5]}")

    # -- soak ---------------------------------------------------------------------------------

    def soak(self, platform, seconds):
        log(f"soak: {seconds} s of load without faults")
        process, output = self.simulate(platform, "soak", seconds, seed=31, drivers=40, passengers=120, demand=2400)
        self.wait_for_first_trip(process)
        samples = []
        start = time.time()
        while process.poll() is None:
            samples.append({"t": round(time.time() - start), "processes": platform.resources(), "haproxy": platform.haproxy_counts()})
            time.sleep(15)
        summary = self.finish_simulation("soak", process, output)
        (ARTIFACTS / "soak-samples.json").write_text(json.dumps(samples, indent=1))
        self.judge_soak(samples, seconds)
        halves = [samples[len(samples) // 2]["haproxy"], samples[-1]["haproxy"]] if len(samples) >= 4 else []
        if halves:
            first_5xx = sum(v[1] for v in samples[0]["haproxy"].values())
            middle_5xx = sum(v[1] for v in halves[0].values())
            last_5xx = sum(v[1] for v in halves[1].values())
            self.check("soak: no error creep (5xx in the second half ≤ first half)",
                       last_5xx - middle_5xx <= middle_5xx - first_5xx, f"5xx: first half {middle_5xx - first_5xx}, second half {last_5xx - middle_5xx}")
        self.check("soak: no server error and no unanswered call", summary["serverErrors"] == 0 and summary["transportErrors"] == 0,
                   f"{summary['serverErrors']} 5xx, {summary['transportErrors']} unanswered of {summary['apiCalls']} calls")

    def judge_soak(self, samples, seconds):
        """Memory and descriptors flat: the median of the first three samples after warm-up (the
        first two minutes fill caches and pools) against the median of the last three taken while
        the city was still live (the wind-down's burst of calls is not the steady state)."""
        live = [s for s in samples if min(120, seconds / 4) <= s["t"] < seconds]
        if len(live) < 6:
            return

        def median(values):
            return sorted(values)[len(values) // 2]

        for name in sorted(live[0]["processes"]):
            if not all(name in s["processes"] for s in live):
                continue
            early = [s["processes"][name] for s in live[:3]]
            late = [s["processes"][name] for s in live[-3:]]
            rss_before, rss_after = median([r for r, _ in early]), median([r for r, _ in late])
            fds_before, fds_after = median([f for _, f in early]), median([f for _, f in late])
            self.check(f"soak: {name} memory flat", rss_after - rss_before <= max(32_768, rss_before * 0.25),
                       f"RSS {rss_before // 1024} MB → {rss_after // 1024} MB")
            self.check(f"soak: {name} file descriptors flat", fds_after - fds_before <= 20, f"{fds_before} → {fds_after}")

    # -- the run ------------------------------------------------------------------------------

    def run(self):
        short = self.options.short
        shutil.rmtree(WORK, ignore_errors=True)
        (WORK / "logs").mkdir(parents=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["scripts/postgres.sh", "destroy", str(PG_DIR)], cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
        pg_port = free_port_block(3, 54420)
        self.start_database(pg_port)
        platform = Platform(self.binary, self.env, free_port_block(30, 18300))
        platform.on_slow_stop = self.dump_database_activity
        requested = 0
        started = time.time()
        try:
            # Phase 1: one instance of each service; every kind of fault in turn.
            platform.start(instances=1)
            log(f"phase 1: one instance per service behind HAProxy at {platform.gateway}")
            process, output = self.simulate(platform, "faults", 170 if short else 300, seed=7, drivers=20, passengers=40, demand=1800)
            self.wait_for_first_trip(process)
            time.sleep(5)
            self.kill_and_restart_each(platform, pause=4 if short else 10)
            self.pg("primary", "restart")
            time.sleep(5)
            self.pg("replica", "stop")
            time.sleep(10)
            self.pg("replica", "start")
            self.pause_service(platform, "dispatch", 20)
            if not short:
                self.pause_service(platform, "payments", 20)
                self.kill_and_restart_each(platform, pause=5)
            requested += self.finish_simulation("faults", process, output)["requests"]
            self.settle(150)
            self.check_invariants("one instance each, faults", requested)
            unclean = platform.stop()
            self.check("phase 1: every process stopped cleanly on SIGTERM", not unclean, f"{unclean}")

            # Phase 2: two instances of each service; one of each killed for good mid-run.
            platform.start(instances=2)
            log("phase 2: two instances per service behind HAProxy")
            process, output = self.simulate(platform, "scale-out", 90 if short else 240, seed=11, drivers=20, passengers=40, demand=1800)
            self.wait_for_first_trip(process)
            time.sleep(10)
            for service in SERVICES:
                self.record_fault(f"kill -9 {service}#1 (its twin carries on)")
                platform.kill9(service, 1)
                time.sleep(2)
            requested += self.finish_simulation("scale-out", process, output)["requests"]
            self.settle(150)
            self.check_invariants("two instances each, one killed", requested)

            if not short and self.options.soak_seconds > 0:
                for service in SERVICES:
                    platform.launch(service, 1)
                    platform.wait_ready(service, 1)
                self.soak(platform, self.options.soak_seconds)
                requested += self.simulations[-1]["requests"]
                self.settle(150)
                self.check_invariants("soak", requested)
            unclean = platform.stop()
            self.check("every process stopped cleanly on SIGTERM", not unclean, f"{unclean}")
        finally:
            platform.stop()
            subprocess.run(["scripts/postgres.sh", "destroy", str(PG_DIR)], cwd=ROOT, stderr=subprocess.DEVNULL)
        self.scan_logs()
        return self.report(time.time() - started)

    def report(self, seconds):
        failed = [check for check in self.checks if not check["ok"]]
        report = {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "form": "short" if self.options.short else "full",
            "minutes": round(seconds / 60, 1),
            "requestsServed": sum(s["apiCalls"] for s in self.simulations),
            "rideRequests": sum(s["requests"] for s in self.simulations),
            "faultsInjected": len(self.faults),
            "invariantsChecked": len(self.checks),
            "invariantsFailed": len(failed),
            "faults": self.faults,
            "simulations": self.simulations,
            "checks": self.checks,
        }
        (ARTIFACTS / "report.json").write_text(json.dumps(report, indent=1))
        print(f"\nchaos ({report['form']}, {report['minutes']} min): {report['requestsServed']} API requests served, "
              f"{report['rideRequests']} rides requested, {report['faultsInjected']} faults injected, "
              f"{report['invariantsChecked']} invariants checked, {len(failed)} failed")
        for check in failed:
            print(f"  FAILED {check['invariant']}: {check['detail']}")
        print(f"report: {ARTIFACTS / 'report.json'}; logs: {WORK / 'logs'}")
        return 1 if failed else 0


def luhn_valid(digits):
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def ensure_haproxy():
    if shutil.which("haproxy"):
        return
    if os.geteuid() != 0:
        sys.exit("chaos: HAProxy is not installed; as root, run: apt-get update && apt-get install -y haproxy")
    log("installing HAProxy")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "haproxy"], check=True, env=env, stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--short", action="store_true", help="the CI form: fewer faults, shorter phases, no soak")
    parser.add_argument("--soak-seconds", type=int, default=600)
    options = parser.parse_args()
    ensure_haproxy()
    sys.exit(Chaos(options).run())


if __name__ == "__main__":
    main()
