#!/usr/bin/env python3
"""Runs the Swift test suites with a watchdog, so that a hung test fails the run at once, by name.

`swift test` relays a test process's output in 4 KiB blocks when it is not writing to a terminal, so
when a test hangs the last lines printed can be several tests before it, and the run just goes quiet
until an outer timeout (CI's 90 minutes) kills everything without saying where it stopped. This runs
the test bundle that `swift build --build-tests` made directly, its output unbuffered, and reads the
testing library's event stream as it is written: a test still running after TEST_HANG_SECONDS (300 by
default; the slowest test takes about 30 s on a 2-core machine) is named with every test in flight,
the process is asked for a backtrace of all threads (SIGQUIT, Swift's backtracer), then killed, and
the run fails.

Usage: scripts/run-tests.py [ARGUMENTS FOR THE TESTING LIBRARY...]   e.g. --filter RideFlowTests
Runs XCTest first (the bundle holds no XCTest case today; any added would run, unfiltered), then Swift
Testing without parallelism (suites share each service's database: see the Makefile).
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

HANG_SECONDS = float(os.environ.get("TEST_HANG_SECONDS", "300"))
BACKTRACE_SECONDS = 120


def log(message: str) -> None:
    print(f"run-tests: {message}", file=sys.stderr, flush=True)


def bundle() -> str:
    bin_path = subprocess.run(["swift", "build", "--show-bin-path"], check=True, capture_output=True, text=True).stdout.strip()
    candidates = [name for name in os.listdir(bin_path) if name.endswith("PackageTests.xctest")]
    if len(candidates) != 1:
        sys.exit(f"run-tests: expected one test bundle in {bin_path}, found {candidates}; run `swift build --build-tests`")
    return os.path.join(bin_path, candidates[0])


class Watch:
    """What the event stream says is running: each test function in flight and when it started."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.running: dict[str, float] = {}
        self.lock = threading.Lock()

    def follow(self, path: str, process: subprocess.Popen) -> None:
        pending = b""
        with open(path, "rb") as stream:
            while True:
                chunk = stream.read()
                if not chunk:
                    if process.poll() is not None:
                        return
                    time.sleep(0.2)
                    continue
                # A record still being written stays in `pending` until its newline arrives.
                *records, pending = (pending + chunk).split(b"\n")
                for record in records:
                    self.record(json.loads(record))

    def record(self, record: dict) -> None:
        payload = record.get("payload", {})
        with self.lock:
            if record.get("kind") == "test" and payload.get("kind") == "function":
                self.names[payload["id"]] = payload["id"].split("/")[0] + "/" + payload.get("name", "?")
                return
            if record.get("kind") != "event":
                return
            kind, test = payload.get("kind"), payload.get("testID")
            if kind == "testStarted" and test in self.names:
                self.running[test] = time.monotonic()
            elif kind in ("testEnded", "testSkipped"):
                self.running.pop(test, None)

    def in_flight(self) -> list[tuple[str, float]]:
        """The tests running now with their seconds so far, longest first."""
        now = time.monotonic()
        with self.lock:
            return sorted(((self.names[test], now - start) for test, start in self.running.items()), key=lambda item: -item[1])


def run_swift_testing(test_bundle: str, arguments: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="curbside-tests-") as scratch:
        events = os.path.join(scratch, "events.jsonl")
        open(events, "w").close()
        environment = dict(os.environ, SWIFT_BACKTRACE="enable=yes,threads=all,interactive=no")
        command = [test_bundle, "--testing-library", "swift-testing", "--no-parallel",
                   "--event-stream-output-path", events, "--event-stream-version", "0", *arguments]
        process = subprocess.Popen(command, env=environment)
        watch = Watch()
        follower = threading.Thread(target=watch.follow, args=(events, process), daemon=True)
        follower.start()
        while process.poll() is None:
            time.sleep(1)
            in_flight = watch.in_flight()
            if not in_flight or in_flight[0][1] < HANG_SECONDS:
                continue
            log(f"HUNG: {in_flight[0][0]} has been running for {in_flight[0][1]:.0f} s "
                f"(TEST_HANG_SECONDS={HANG_SECONDS:.0f}); tests in flight:")
            for name, seconds in in_flight:
                log(f"  {name} ({seconds:.0f} s)")
            log("asking the test process for a backtrace of every thread (SIGQUIT), then stopping the run")
            process.send_signal(signal.SIGQUIT)
            try:
                process.wait(timeout=BACKTRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            return 1
        follower.join(timeout=5)
        return process.returncode


def main() -> int:
    arguments = sys.argv[1:]
    test_bundle = bundle()
    # Every XCTest case (there are none today; Swift Testing's options mean nothing to XCTest).
    status = subprocess.run([test_bundle, "--testing-library", "xctest"]).returncode
    if status != 0:
        log(f"XCTest failed ({status})")
        return status
    return run_swift_testing(test_bundle, arguments)


if __name__ == "__main__":
    sys.exit(main())
