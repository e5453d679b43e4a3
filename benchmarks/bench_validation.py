"""Validation speed: ``parse_clinics`` against a naive row-by-row validator, in one run.

Run: ``python benchmarks/bench_validation.py`` (or ``make bench``). Builds synthetic
CSV files of 1k, 10k and 100k clinics with ``generate_clinics``, then prints the
median of 5 runs (``time.perf_counter``) of ``parse_clinics`` on each, in rows per
second, against the target: 100k rows in under 3 s.

For comparison the same run times a naive validator: the ``csv`` module, then one
Python loop per row calling ``phonenumbers``, ``us``, ``urllib.parse`` and
``datetime`` for each cell (what a first version would do). It runs 3 times on the
10k file and once on the 100k file (about a minute each time otherwise); pass
``--baseline-runs N`` to change that.
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import math
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import phonenumbers
import us

from directory import schema
from directory.csvfile import write_csv_text
from directory.dataset import parse_clinics
from directory.gazetteer import get_gazetteer
from directory.synth import generate_clinics

TODAY = date(2026, 11, 20)
SIZES = (1_000, 10_000, 100_000)
TARGET_ROWS, TARGET_SECONDS = 100_000, 3.0

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def median_seconds(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock seconds (``perf_counter``) and median CPU seconds of ``runs`` runs.

    CPU time is printed too because on a busy machine wall time includes waiting.
    """
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 3958.8 * math.asin(math.sqrt(a))


def naive_validate(data: bytes) -> tuple[int, int]:
    """Row by row, cell by cell: the straightforward validator. Returns (errors, warnings)."""
    gazetteer = get_gazetteer()
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    errors = warnings = 0
    seen_ids: set[str] = set()
    for row in reader:
        cells = {name: (row.get(name) or "").strip() for name in schema.COLUMN_NAMES}
        for column in schema.COLUMNS:
            value = cells[column.name]
            if column.need is schema.Need.ALWAYS and not value:
                errors += 1
            if column.vocabulary is not None and value:
                tokens = schema.LIST_SEPARATORS.split(value)
                errors += sum(
                    1 for t in tokens if t.strip() and column.vocabulary.code_for(t) is None
                )
        if not _ID.match(cells["id"]) or cells["id"] in seen_ids:
            errors += 1
        seen_ids.add(cells["id"])
        is_clinic = cells["kind"] == "clinic"
        if is_clinic:
            errors += sum(1 for name in ("address", "city", "state", "zip") if not cells[name])
            if cells["state"] != "DC" and us.states.lookup(cells["state"]) is None:
                errors += 1
            if not _ZIP.match(cells["zip"]):
                errors += 1
        elif not cells["service_states"]:
            errors += 1
        else:
            for state in cells["service_states"].split(";"):
                if state not in ("ALL", "DC") and us.states.lookup(state) is None:
                    errors += 1
        if cells["phone"]:
            try:
                number = phonenumbers.parse(cells["phone"], "US")
                errors += not phonenumbers.is_valid_number(number)
            except phonenumbers.NumberParseException:
                errors += 1
        for name in ("website", "source_url"):
            if cells[name]:
                parts = urlsplit(cells[name])
                errors += parts.scheme not in ("http", "https") or not parts.netloc
        if cells["email"] and not _EMAIL.match(cells["email"]):
            errors += 1
        if cells["price_per_session_usd"]:
            try:
                errors += float(cells["price_per_session_usd"].replace("$", "")) < 0
            except ValueError:
                errors += 1
        if cells["last_verified"]:
            try:
                verified = datetime.strptime(cells["last_verified"], "%Y-%m-%d").date()
                errors += verified > TODAY
                warnings += (TODAY - verified).days > 365
            except ValueError:
                errors += 1
        else:
            warnings += 1
        if is_clinic and cells["latitude"] and cells["longitude"]:
            try:
                lat, lon = float(cells["latitude"]), float(cells["longitude"])
            except ValueError:
                errors += 1
                continue
            point = gazetteer.zip_point(cells["zip"][:5])
            if point is not None and miles_between(lat, lon, point[0], point[1]) > 50:
                warnings += 1
    return errors, warnings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per size (median)")
    parser.add_argument(
        "--baseline-runs",
        type=int,
        nargs=2,
        default=(3, 1),
        metavar=("AT_10K", "AT_100K"),
        help="naive-baseline runs at 10k and 100k rows (0 skips)",
    )
    args = parser.parse_args()

    files: dict[int, bytes] = {}
    for size in SIZES:
        files[size] = write_csv_text(generate_clinics(size, seed=size, today=TODAY)).encode()
    # Warm lazy loads (ZIP gazetteer, phone metadata) so every run measures validation.
    parse_clinics(files[SIZES[0]], today=TODAY)
    naive_validate(files[SIZES[0]])

    print(f"parse_clinics, median of {args.runs} runs (target: 100k rows in < 3 s)")
    print(f"{'rows':>8}  {'MB':>6}  {'median s':>9}  {'cpu s':>7}  {'rows/s':>10}  target")
    medians: dict[int, float] = {}
    for size in SIZES:
        data = files[size]
        report = parse_clinics(data, today=TODAY).report
        assert report.valid, report.summary()
        assert report.rows == size, report.summary()
        medians[size], cpu = median_seconds(
            functools.partial(parse_clinics, data, today=TODAY), args.runs
        )
        target = ""
        if size == TARGET_ROWS:
            verdict = "ok" if medians[size] < TARGET_SECONDS else "MISSED"
            target = f"< {TARGET_SECONDS:g} s: {verdict}"
        print(
            f"{size:>8}  {len(data) / 1e6:>6.1f}  {medians[size]:>9.3f}  {cpu:>7.3f}  "
            f"{size / medians[size]:>10,.0f}  {target}"
        )

    print("\nnaive row-by-row validator (csv module; phonenumbers, us, urllib per row)")
    print(f"{'rows':>8}  {'runs':>4}  {'median s':>9}  {'cpu s':>7}  {'rows/s':>10}  slower by")
    for size, runs in zip((10_000, 100_000), args.baseline_runs, strict=True):
        if runs <= 0:
            print(f"{size:>8}  skipped (--baseline-runs)")
            continue
        data = files[size]
        errors, _ = naive_validate(data)
        assert errors == 0, f"naive validator disagrees: {errors} errors"
        seconds, cpu = median_seconds(functools.partial(naive_validate, data), runs)
        print(
            f"{size:>8}  {runs:>4}  {seconds:>9.3f}  {cpu:>7.3f}  {size / seconds:>10,.0f}  "
            f"{seconds / medians[size]:.1f}x"
        )
    missed = medians[TARGET_ROWS] >= TARGET_SECONDS
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
