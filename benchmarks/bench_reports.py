"""Problem reports: write rate with concurrent writers, and the admin queue with 10k reports.

Run: ``python benchmarks/bench_reports.py`` (or ``make bench``). Prints medians of
:data:`REPEATS` runs and ratios against baselines measured in the same run:

* **writes per second**: one writer process submitting :data:`WRITES` reports (the
  baseline), then two writer processes at once (:data:`WRITES` each, as two app
  replicas would), through :meth:`ReportStore.submit` (rate limits checked in the
  write transaction, ``synchronous=FULL``: one fsync per report). Target: at least
  50 reports/s together, far above any real rate (the hourly cap defaults to 120).
* **the admin queue with 10k open reports** over 2,000 clinics: :meth:`ReportStore.queue`
  (one query, grouped in Python) against a naive baseline (one query per clinic), and
  the page's per-run costs: ``signature()`` (what the cached flags are keyed on) and a
  ``flags()`` query when the database changed. Target: the queue under 0.5 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlite3

from directory.reports import KIND_CODES, ReportStore

REPEATS = 3
WRITES = 500
QUEUE_REPORTS = 10_000
QUEUE_CLINICS = 2_000
CLINIC = "bench-clinic"
TARGET_WRITES_PER_S = 50.0
TARGET_QUEUE_S = 0.5


def median_seconds(action: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --- writers ------------------------------------------------------------------------------


def write_reports(db: Path, count: int, prefix: str, go: Path) -> None:
    """The writer process: wait for ``go``, then submit ``count`` reports."""
    while not go.exists():
        time.sleep(0.0005)
    store = ReportStore(db, hourly_cap=10**9, busy_timeout_seconds=60.0)
    for n in range(count):
        store.submit(CLINIC, "wrong_phone", "bench", session=f"{prefix}-{n}", known_ids={CLINIC})


def timed_writers(folder: Path, writers: int) -> float:
    """Seconds for ``writers`` processes to write :data:`WRITES` reports each, at once."""
    db = folder / f"writes-{writers}-{time.monotonic_ns()}.sqlite3"
    ReportStore(db).create()  # the schema exists before the clock starts
    go = folder / f"go-{db.stem}"
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--writer", str(db), str(WRITES), f"w{n}", str(go)]
        )
        for n in range(writers)
    ]
    time.sleep(1.0)  # let them import and wait at the start line
    start = time.perf_counter()
    go.touch()
    for process in processes:
        if process.wait(timeout=600) != 0:
            raise RuntimeError("a writer failed")
    elapsed = time.perf_counter() - start
    with sqlite3.connect(db) as connection:
        stored = connection.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    if stored != writers * WRITES:
        raise RuntimeError(f"{stored} rows, expected {writers * WRITES}")
    return elapsed


# --- the queue ----------------------------------------------------------------------------


def fill_queue(db: Path) -> ReportStore:
    """10k open reports over 2,000 clinics, inserted in one transaction (not timed)."""
    store = ReportStore(db)
    store.create()
    now_ms = int(time.time() * 1000)
    rows = [
        (
            f"clinic-{n % QUEUE_CLINICS}",
            KIND_CODES[n % len(KIND_CODES)],
            "a note of some length, as patients write them " * 2,
            f"session-{n}",
            now_ms - n * 1000,
        )
        for n in range(QUEUE_REPORTS)
    ]
    with sqlite3.connect(db) as connection:
        connection.executemany(
            "INSERT INTO reports (clinic_id, kind, note, session, created_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    return store


def naive_queue(db: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    """A first version's queue: the clinics, then one query per clinic."""
    with sqlite3.connect(db) as connection:
        clinics = [
            row[0]
            for row in connection.execute(
                "SELECT clinic_id, MAX(created_ms) AS newest FROM reports "
                "WHERE status = 'open' GROUP BY clinic_id ORDER BY newest DESC"
            )
        ]
        return [
            (
                clinic,
                connection.execute(
                    "SELECT * FROM reports WHERE status = 'open' AND clinic_id = ? "
                    "ORDER BY created_ms DESC",
                    (clinic,),
                ).fetchall(),
            )
            for clinic in clinics
        ]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as name:
        folder = Path(name)
        single = statistics.median(timed_writers(folder, 1) for _ in range(REPEATS))
        double = statistics.median(timed_writers(folder, 2) for _ in range(REPEATS))
        single_rate = WRITES / single
        double_rate = 2 * WRITES / double
        print(f"writes ({WRITES} per writer, median of {REPEATS}, fsync per report):")
        print(f"  1 writer : {single:6.2f} s  {single_rate:7.0f} reports/s (baseline)")
        print(
            f"  2 writers: {double:6.2f} s  {double_rate:7.0f} reports/s together "
            f"({double_rate / single_rate:.2f}x the single writer), all {2 * WRITES} rows kept"
        )

        store = fill_queue(folder / "queue.sqlite3")
        queue_s = median_seconds(store.queue, repeats=5)
        naive_s = median_seconds(lambda: naive_queue(store.path), repeats=1)
        groups = store.queue()
        assert len(groups) == QUEUE_CLINICS
        assert sum(len(g.reports) for g in groups) == QUEUE_REPORTS
        flags_s = median_seconds(store.flags, repeats=5)
        signature_s = median_seconds(lambda: [store.signature() for _ in range(1000)], 5) / 1000
        print(f"admin queue, {QUEUE_REPORTS:,} open reports about {QUEUE_CLINICS:,} clinics:")
        print(f"  queue() one query : {queue_s * 1000:7.1f} ms")
        print(
            f"  naive, per clinic : {naive_s * 1000:7.1f} ms "
            f"(the one query is {naive_s / queue_s:.1f}x faster)"
        )
        print(f"  open_count()      : {median_seconds(store.open_count, 5) * 1000:7.1f} ms")
        print(f"  page: flags() when the database changed: {flags_s * 1000:.1f} ms")
        print(f"  page: signature() per card (cached flags): {signature_s * 1e6:.1f} µs")
    ok = double_rate >= TARGET_WRITES_PER_S and queue_s < TARGET_QUEUE_S
    print(
        f"\n{'OK' if ok else 'OVER TARGET'}: {double_rate:.0f} reports/s with 2 writers "
        f"(target ≥ {TARGET_WRITES_PER_S:.0f}), queue {queue_s:.3f} s (target < {TARGET_QUEUE_S} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--writer"]:
        db, count, prefix, go = sys.argv[2:6]
        write_reports(Path(db), int(count), prefix, Path(go))
        sys.exit(0)
    sys.exit(main())
