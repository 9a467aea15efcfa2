#!/usr/bin/env python3
"""Rows of the benchmark table from an ordo-one/benchmark suite run directly (its "debug" output:
HDR histograms per benchmark and metric, times in nanoseconds): wall-clock p50 and p99 and the
allocations per call. Reads the suite's output on stdin.

Run directly rather than through `swift package benchmark`: the plugin builds with its own flags,
and every switch between it and `swift build -c release` rebuilt the whole release tree (~8 min).
"""
import re
import sys


def duration(nanoseconds):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if nanoseconds >= scale:
            return f"{nanoseconds / scale:.3g} {unit}"
    return f"{nanoseconds:.0f} ns"


def percentile(rows, wanted):
    """The value at the first listed percentile at or above `wanted`."""
    for value, at in rows:
        if at >= wanted:
            return value
    return rows[-1][0] if rows else float("nan")


benchmarks = {}
name = metric = None
for line in sys.stdin:
    line = line.rstrip("\n")
    if match := re.match(r"Debug results for (.*):$", line):
        name, metric = match.group(1), None
        benchmarks[name] = {}
    elif name and re.match(r"^[A-Z][^:]*:$", line):
        metric = line[:-1]
        benchmarks[name][metric] = []
    elif name and metric and (match := re.match(r"^\s*([0-9.]+)\s+([0-9.]+)\s+\d+", line)):
        benchmarks[name][metric].append((float(match.group(1)), float(match.group(2))))

if not benchmarks:
    sys.exit("ordo-rows: no benchmark results on stdin")
for name, metrics in benchmarks.items():
    times = metrics.get("Time (wall clock)", [])
    mallocs = metrics.get("Malloc (total)", [])
    allocations = f"{percentile(mallocs, 0.5):,.0f} allocations per call" if mallocs else ""
    print(f"| in process: {name} | {allocations} | {duration(percentile(times, 0.5))} | {duration(percentile(times, 0.99))} |")
