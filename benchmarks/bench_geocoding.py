"""Benchmark: gazetteer build time and place-resolution latency.

Run from the repository root (``make bench`` does this)::

    .venv/bin/python benchmarks/bench_geocoding.py

Targets: building the gazetteer < 1 s, resolving a place < 1 ms, in every form
the offline geocoder reads (ZIP, ZIP among words, "City, ST", coordinates, a
state alone, a nickname or borough, a bare city with its alternatives). "Cold"
builds run ``load_gazetteer()`` in a fresh interpreter each time (so they
include ``zipcodes`` unpacking its bundled data); "warm" rebuilds run again in
one process, where ``zipcodes`` already holds its records. Imports are not
timed. Prints a table; the exit status is 0 even when a target is missed,
because timings depend on the machine.
"""

from __future__ import annotations

import functools
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from directory.gazetteer import load_gazetteer  # noqa: E402
from directory.geocoding import resolve_place  # noqa: E402

COLD_BUILDS = 5
WARM_BUILDS = 5
RESOLUTIONS = 2_000
LOAD_TARGET_NS = 1_000_000_000
RESOLVE_TARGET_NS = 1_000_000

_COLD_BUILD_SCRIPT = """
import time
from directory.gazetteer import load_gazetteer
start = time.perf_counter_ns()
load_gazetteer()
print(time.perf_counter_ns() - start)
"""


def time_cold_build_ns() -> int:
    """Time one ``load_gazetteer()`` in a fresh interpreter, imports excluded."""
    completed = subprocess.run(
        [sys.executable, "-c", _COLD_BUILD_SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(completed.stdout.strip().splitlines()[-1])


def time_call_ns(call: Callable[[], object]) -> int:
    """Time one call."""
    start = time.perf_counter_ns()
    call()
    return time.perf_counter_ns() - start


def median_ns(call: Callable[[], object], repetitions: int) -> int:
    """Median wall time of ``call`` over ``repetitions`` runs, after a few warm-up runs."""
    for _ in range(10):
        call()
    return int(statistics.median(time_call_ns(call) for _ in range(repetitions)))


def format_ns(nanoseconds: int) -> str:
    """Human units: ms from 1 ms up, else µs."""
    if nanoseconds >= 1_000_000:
        return f"{nanoseconds / 1_000_000:,.1f} ms"
    return f"{nanoseconds / 1_000:,.1f} µs"


def main() -> int:
    """Measure and print the table."""
    cold = int(statistics.median(time_cold_build_ns() for _ in range(COLD_BUILDS)))
    warm = median_ns(load_gazetteer, WARM_BUILDS)
    rows = [
        (f"load_gazetteer(), cold (median of {COLD_BUILDS})", cold, LOAD_TARGET_NS),
        (f"load_gazetteer(), warm (median of {WARM_BUILDS})", warm, LOAD_TARGET_NS),
    ]
    resolve_place("80202")  # builds the shared gazetteer once, outside the timings
    for label, text in [
        ("ZIP", "80202"),
        ("City, ST", "Denver, CO"),
        ("coordinates", "39.7392, -104.9903"),
        ("ZIP in text", "Denver, CO 80202"),
        ("ZIP in text", "80202-1234 Denver"),
        ("state alone", "Colorado"),
        ("state alone", "co"),
        ("state + cities", "Washington"),
        ("nickname", "Philly"),
        ("borough", "Queens"),
        ("bare city", "denver"),
        ("bare city", "Springfield"),
    ]:
        elapsed = median_ns(functools.partial(resolve_place, text), RESOLUTIONS)
        rows.append((f"resolve_place({text!r}) [{label}]", elapsed, RESOLVE_TARGET_NS))

    width = max(len(name) for name, _, _ in rows)
    print(f"{'measurement':<{width}}  {'median':>10}  {'target':>8}  result")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 8}  ------")
    for name, elapsed, target in rows:
        verdict = "ok" if elapsed < target else "MISSED"
        print(f"{name:<{width}}  {format_ns(elapsed):>10}  {format_ns(target):>8}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
