"""Map size and speed: directory.maps against a naive one-folium-Marker-per-clinic map.

Run: ``python benchmarks/bench_map.py``. For 1k and 10k synthetic clinics, prints the
median time to build the map and render its HTML (``build_map(...).get_root().render()``),
the HTML size (what streamlit-folium sends to the browser; Streamlit does not compress
it by default), bytes per clinic and, for reference, the gzip size, for:

- ``search``: a search result (origin, radius circle, every clinic with a distance);
- ``country``: the whole-country view before a place is typed (no origin, no distances);
- ``naive``: a ``folium.Marker`` with a ``folium.Popup`` per clinic in a ``MarkerCluster``.

Then the ratios, the size of the clinic data in ``search`` as compact JSON and as
packed into the page (gzip + base64, :func:`directory.maps.pack`), and what each of its
columns costs packed on its own (the display-ready phone, ``tel:`` link, website,
directions link and distance text are what the page shows, so they cost more than digits
would), and the time :func:`directory.maps.marker_data` takes. Target: under 1 MB of
HTML at 10k clinics.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import folium
import pandas as pd
from folium.plugins import MarkerCluster

from directory import schema
from directory.csvfile import write_csv_text
from directory.dataset import parse_clinics
from directory.distance import great_circle_miles
from directory.geocoding import Origin
from directory.maps import build_map, clinic_for_click, marker_data, pack
from directory.synth import generate_clinics

TODAY = date(2026, 11, 20)
SIZES = (1_000, 10_000)
MB = 1_000_000
DENVER = Origin("80202", "Denver, CO 80202", 39.7530, -104.9990, "CO", "zip")


def results_table(rows: int) -> pd.DataFrame:
    """Synthetic clinics as a search result: located rows only, with distance_miles."""
    table = parse_clinics(write_csv_text(generate_clinics(rows, seed=1)), today=TODAY).table
    table = table[table[schema.LAT].notna()].reset_index(drop=True)
    miles = great_circle_miles(
        DENVER.lat, DENVER.lon, table[schema.LAT].to_numpy(), table[schema.LON].to_numpy()
    )
    return table.assign(distance_miles=miles)


def naive_map(table: pd.DataFrame) -> folium.Map:
    """What a first version would do: one Python Marker + Popup object per clinic."""
    m = folium.Map(location=[DENVER.lat, DENVER.lon], zoom_start=4)
    cluster = MarkerCluster().add_to(m)
    for row in table.to_dict("records"):
        point = f"{row[schema.LAT]}%2C{row[schema.LON]}"
        route = f"https://www.openstreetmap.org/directions?route=%3B{point}"
        popup = (
            f"<b>{row['name']}</b><br>{row['city']}, {row['state']}<br>"
            f"{row['distance_miles']:.1f} mi away<br>{row['phone']}<br>"
            f'<a href="{row["website"]}" target="_blank" rel="noopener noreferrer">Website</a>'
            f'<br><a href="{route}" target="_blank" rel="noopener noreferrer">Directions</a>'
        )
        folium.Marker(
            [float(row[schema.LAT]), float(row[schema.LON])],
            popup=folium.Popup(popup, max_width=280),
            tooltip=str(row["name"]),
        ).add_to(cluster)
    return m


def render_search(table: pd.DataFrame) -> str:
    return build_map(table, origin=DENVER, radius_miles=3000).get_root().render()


def render_country(table: pd.DataFrame) -> str:
    return build_map(table.drop(columns="distance_miles")).get_root().render()


def render_naive(table: pd.DataFrame) -> str:
    return naive_map(table).get_root().render()


def columns_of(table: pd.DataFrame) -> str:
    return str(len(marker_data(table)["id"]))


def click(table: pd.DataFrame) -> str:
    return str(clinic_for_click({"lat": 39.75, "lng": -104.99}, table))


def measure(action: Callable[[], str], repeats: int) -> tuple[float, str]:
    """Median seconds over ``repeats`` runs, and the HTML of the last one."""
    samples, page = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        page = action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), page


def main() -> None:
    print(
        f"{'clinics':>8} {'map':>8} {'median s':>9} {'HTML MB':>8} {'bytes/clinic':>12} "
        f"{'gzip MB':>8}"
    )
    for rows in SIZES:
        table = results_table(rows)
        pages = {
            "search": measure(partial(render_search, table), repeats=5),
            "country": measure(partial(render_country, table), repeats=5),
            "naive": measure(partial(render_naive, table), repeats=3 if rows > 1_000 else 5),
        }
        for label, (seconds, page) in pages.items():
            size = len(page.encode("utf-8"))
            packed = len(gzip.compress(page.encode("utf-8")))
            print(
                f"{len(table):>8} {label:>8} {seconds:>9.3f} {size / MB:>8.2f} "
                f"{size / len(table):>12.0f} {packed / MB:>8.2f}"
            )
        (ours_s, ours), (naive_s, naive) = pages["search"], pages["naive"]
        ours_size, naive_size = len(ours.encode()), len(naive.encode())
        print(
            f"{'':>8} {'ratio':>8} {naive_s / ours_s:>8.1f}x {naive_size / ours_size:>7.1f}x"
            f"   (naive / search)   HTML under 1 MB: "
            f"{'yes' if max(ours_size, len(pages['country'][1].encode())) < MB else 'NO'}"
        )
        data = marker_data(table)
        raw = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
        print(
            f"{'':>8} clinic data: {raw / len(table):.0f} bytes/clinic as JSON, "
            f"{len(pack(data)) / len(table):.0f} packed"
        )
        columns = ", ".join(
            f"{key} {len(pack(value)) / len(table):.1f}" for key, value in data.items()
        )
        print(f"{'':>8} packed bytes/clinic by column, each alone: {columns}")
        data_s, _ = measure(partial(columns_of, table), repeats=5)
        print(f"{'':>8} marker_data over {len(table)} rows: {data_s * 1000:.0f} ms")
        clicks_s, _ = measure(partial(click, table), repeats=20)
        print(f"{'':>8} clinic_for_click over {len(table)} rows: {clicks_s * 1000:.2f} ms")


if __name__ == "__main__":
    main()
