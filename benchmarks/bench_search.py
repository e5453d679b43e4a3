"""Search speed: the vectorised engine against a naive per-row baseline, in one run.

Run: ``python benchmarks/bench_search.py`` (or ``make bench``). Prints, for 1k, 10k
and 100k synthetic clinics, the median time of one search with this engine and
with the naive way (``DataFrame.apply`` with ``geopy.distance.geodesic`` per
row), and their ratio. Targets on a 2-core machine: 100k clinics under 20 ms,
at least 100x faster than the baseline.
"""

from __future__ import annotations

import functools
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd
from geopy.distance import geodesic

from directory import schema
from directory.csvfile import write_csv_text
from directory.dataset import parse_clinics
from directory.geocoding import resolve_place
from directory.search import SearchQuery, index_clinics, search
from directory.synth import generate_clinics

TODAY = date(2026, 11, 20)
SIZES = (1_000, 10_000, 100_000)


def median_ms(action: Callable[[], object], repeats: int) -> float:
    action()  # warm caches and lazy imports
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def naive_search(table: pd.DataFrame, query: SearchQuery) -> pd.DataFrame:
    """What a first version would do: a geodesic per row, then filters row by row."""
    origin = (query.origin.lat, query.origin.lon)
    clinics = table[table["kind"] == "clinic"]
    miles = clinics.apply(
        lambda row: geodesic(origin, (row[schema.LAT], row[schema.LON])).miles, axis=1
    )
    near = clinics.assign(distance_miles=miles)
    near = near[near["distance_miles"] <= query.radius_miles]
    modalities = set(query.filters.get("modality", ()))  # type: ignore[arg-type]
    conditions = set(query.filters.get("condition", ()))  # type: ignore[arg-type]
    keep = near.apply(
        lambda row: (
            bool(set(row["modalities"].split(";")) & modalities)
            and conditions <= set(row["conditions"].split(";"))
        ),
        axis=1,
    )
    return near[keep].sort_values(["distance_miles", "name"])


def _check_agreement(fast: pd.DataFrame, slow: pd.DataFrame, query: SearchQuery) -> None:
    # Great-circle and geodesic miles differ by up to ~0.5%, so only rows that close to
    # the radius may differ between the two.
    differing = set(fast["id"]) ^ set(slow["id"])
    both = pd.concat([fast, slow]).drop_duplicates("id").set_index("id")
    edge = (both.loc[list(differing), "distance_miles"] - query.radius_miles).abs()
    if (edge > query.radius_miles * 0.01).any():
        raise SystemExit(f"engine and baseline disagree on {sorted(differing)}")


def main() -> None:
    origin = resolve_place("Denver, CO")
    query = SearchQuery(
        origin, radius_miles=50, filters={"modality": ("iv", "nasal"), "condition": ("ptsd",)}
    )
    print(f"query: {origin.label}, 50 miles, iv or nasal, ptsd")
    print(f"{'clinics':>8} {'engine ms':>10} {'naive ms':>10} {'ratio':>8} {'index ms':>9}")
    for size in SIZES:
        table = parse_clinics(write_csv_text(generate_clinics(size, seed=1)), today=TODAY).table
        index_ms = median_ms(functools.partial(index_clinics, table), 3)
        index = index_clinics(table)
        engine = median_ms(functools.partial(search, index, query), 50)
        naive_repeats = 3 if size < 100_000 else 1
        naive = median_ms(functools.partial(naive_search, table, query), naive_repeats)
        _check_agreement(search(index, query).in_person, naive_search(table, query), query)
        print(f"{size:>8} {engine:>10.2f} {naive:>10.1f} {naive / engine:>7.0f}x {index_ms:>9.1f}")
    print("targets: 100k clinics < 20 ms median, >= 100x the naive baseline")


if __name__ == "__main__":
    main()
