"""Page speed and map payload: the "Find a clinic" page at 1k and 10k synthetic clinics.

Run: ``python benchmarks/bench_page.py`` (or ``make bench``). For each size it writes
``generate_clinics(n, seed=1)`` to a temporary CSV, points ``CLINICS_CSV`` at it (map
tiles off) and prints:

* page: the first run of a new session ("1st ms"; for the first row of each size this
  includes reading the CSV into the shared cache) and the median warm rerun ("rerun ms")
  of ``app.py`` under Streamlit's ``AppTest``, for a search (``near=80202``,
  ``radius=100``) and for the whole-country view (no ``near``: every clinic is mapped).
  A rerun is what each click or keystroke costs on the server: the search, the map, the
  cards and the downloads (AppTest adds a little polling overhead).
* map: for the clinics each view maps, the median time of
  ``build_map(...).get_root().render()``, the HTML size, and the size of what
  streamlit-folium actually sends (its ``script`` + ``header`` + ``html`` arguments,
  JSON-encoded as Streamlit does);
* the same map figures for a naive per-marker map (``folium.Marker`` with a
  ``folium.Popup`` per clinic in a ``MarkerCluster``), and the ratios.

Targets at 10k clinics: warm rerun under 300 ms; map payload under 1 MB.
Set ``BENCH_PROFILE=1`` to print a short cProfile of the 10k whole-country rerun.
"""

from __future__ import annotations

import contextlib
import cProfile
import html
import io
import json
import logging
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import folium
import pandas as pd
from folium.plugins import MarkerCluster
from streamlit.testing.v1 import AppTest

from directory import schema
from directory.csvfile import write_csv_text
from directory.dataset import load_clinics
from directory.geocoding import Origin, resolve_place
from directory.maps import TileSettings, build_map
from directory.params import form_from_params
from directory.search import index_clinics, search
from directory.synth import generate_clinics

REPO = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000)
RERUNS = 10
TARGET_RERUN_MS = 300.0
TARGET_PAYLOAD_BYTES = 1_000_000
SEARCH_PARAMS = {"near": "80202", "radius": "100"}
NO_TILES = TileSettings(url=None)


@dataclass(frozen=True)
class PageTiming:
    cold_ms: float
    warm_median_ms: float


@dataclass(frozen=True)
class MapFigures:
    markers: int
    build_ms: float
    html_bytes: int
    payload_bytes: int | None  # what st_folium sends; None if it cannot be measured


@contextlib.contextmanager
def app_environment(csv_path: Path) -> Iterator[None]:
    """Run from the repository root with CLINICS_CSV set and map tiles off."""
    saved = {name: os.environ.get(name) for name in ("CLINICS_CSV", "CLINIC_FINDER_TILES_URL")}
    old_cwd = Path.cwd()
    os.environ["CLINICS_CSV"] = str(csv_path)
    os.environ["CLINIC_FINDER_TILES_URL"] = "none"
    os.chdir(REPO)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def time_page(params: dict[str, str], reruns: int) -> tuple[PageTiming, AppTest]:
    """Cold first run, then the median of ``reruns`` warm reruns of one session."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)
    for key, value in params.items():
        at.query_params[key] = value
    start = time.perf_counter()
    at.run()
    cold = (time.perf_counter() - start) * 1000
    if at.exception:
        raise SystemExit(f"app raised: {[e.message for e in at.exception]}")
    at.run()  # the first rerun still fills per-session state; not counted
    samples = []
    for _ in range(reruns):
        start = time.perf_counter()
        at.run()
        samples.append((time.perf_counter() - start) * 1000)
    return PageTiming(cold, statistics.median(samples)), at


def mapped_clinics(csv_path: Path) -> dict[str, tuple[pd.DataFrame, Origin | None, float | None]]:
    """The clinics each view maps, as ``directory.ui.find`` picks them."""
    index = index_clinics(load_clinics(csv_path, today=date.today()).usable())
    form = form_from_params({key: [value] for key, value in SEARCH_PARAMS.items()})
    origin = resolve_place(form.near)
    result = search(index, form.to_query(origin))
    near = result.in_person if len(result.in_person) else result.nearest_outside_radius
    return {
        "search": (near, origin, float(form.radius_miles)),
        "country": (index.table[index.is_clinic], None, None),
    }


def median_ms(action: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _no_missing_context_warning(record: logging.LogRecord) -> bool:
    return "missing ScriptRunContext" not in record.getMessage()


def st_folium_payload(folium_map: folium.Map) -> int | None:
    """Bytes of the arguments streamlit-folium sends for this map (private API; best effort)."""
    # Outside a script run Streamlit warns "missing ScriptRunContext": harmless here. A
    # filter, as Streamlit resets its loggers' levels when it loads its configuration.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        _no_missing_context_warning
    )
    try:
        import streamlit_folium as sf

        folium_map.get_root().render()
        folium_map.render()
        args = {
            "html": sf._get_html(folium_map),
            "header": sf._get_header(folium_map),
            "script": sf._get_map_string(folium_map),
        }
    except (AttributeError, ImportError, TypeError):
        return None
    return len(json.dumps(args).encode("utf-8"))


def our_map(clinics: pd.DataFrame, origin: Origin | None, radius: float | None) -> folium.Map:
    return build_map(clinics, origin=origin, radius_miles=radius, tiles=NO_TILES)


def naive_map(clinics: pd.DataFrame, origin: Origin | None, radius: float | None) -> folium.Map:
    """A first version: one folium Marker, Popup and Tooltip per clinic in a MarkerCluster."""
    m = folium.Map(tiles=None)
    cluster = MarkerCluster().add_to(m)
    for record in clinics.to_dict("records"):
        lat, lon = record[schema.LAT], record[schema.LON]
        if pd.isna(lat) or pd.isna(lon):
            continue
        parts = [f"<b>{html.escape(str(record['name']))}</b>"]
        parts.append(html.escape(f"{record['city']}, {record['state']}"))
        if pd.notna(record.get("distance_miles")):
            parts.append(f"{float(record['distance_miles']):.1f} mi away")
        parts.append(html.escape(str(record["phone"] or "")))
        website = str(record["website"] or "")
        if website.startswith(("http://", "https://")):
            parts.append(
                f'<a href="{html.escape(website)}" target="_blank" '
                'rel="noopener noreferrer">Website</a>'
            )
        folium.Marker(
            [float(lat), float(lon)],
            popup=folium.Popup("<br>".join(parts), max_width=280),
            tooltip=html.escape(str(record["name"])),
        ).add_to(cluster)
    if origin is not None:
        folium.CircleMarker([origin.lat, origin.lon], 6).add_to(m)
        if radius:
            folium.Circle([origin.lat, origin.lon], radius * 1609.344).add_to(m)
    located = clinics[clinics[schema.LAT].notna()]
    if len(located):
        m.fit_bounds(
            [
                [located[schema.LAT].min(), located[schema.LON].min()],
                [located[schema.LAT].max(), located[schema.LON].max()],
            ]
        )
    return m


def map_figures(
    make: Callable[[pd.DataFrame, Origin | None, float | None], folium.Map],
    clinics: pd.DataFrame,
    origin: Origin | None,
    radius: float | None,
    repeats: int,
) -> MapFigures:
    def build_and_render() -> str:
        return make(clinics, origin, radius).get_root().render()

    page = build_and_render()  # warm imports and templates
    build = median_ms(build_and_render, repeats)
    payload = st_folium_payload(make(clinics, origin, radius))
    return MapFigures(len(clinics), build, len(page.encode("utf-8")), payload)


def profile_rerun(at: AppTest, top: int = 25) -> str:
    """cProfile of one rerun; AppTest runs the script in a thread, so profile threads."""
    profilers: list[cProfile.Profile] = []
    original = threading.Thread.run

    def profiled_run(thread: threading.Thread) -> None:
        profiler = cProfile.Profile()
        profilers.append(profiler)
        profiler.runcall(original, thread)

    threading.Thread.run = profiled_run  # type: ignore[assignment,method-assign]
    try:
        at.run()
    finally:
        threading.Thread.run = original  # type: ignore[method-assign]
    out = io.StringIO()
    if not profilers:
        return "(no script thread was profiled)"
    stats = pstats.Stats(profilers[0], *profilers[1:], stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(12)
    return out.getvalue()


def kb(size: int | None) -> str:
    return "n/a" if size is None else f"{size / 1000:,.0f} kB"


def main() -> None:
    profile = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
    rows: list[tuple[str, ...]] = []
    verdicts: list[str] = []
    profiles: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench_page_") as tmp:
        for size in SIZES:
            csv_path = Path(tmp) / f"clinics-{size}.csv"
            csv_path.write_text(write_csv_text(generate_clinics(size, seed=1)), encoding="utf-8")
            views = mapped_clinics(csv_path)
            with app_environment(csv_path):
                search_timing, _ = time_page(SEARCH_PARAMS, RERUNS)
                country_timing, country_at = time_page({}, RERUNS)
                if profile and size == SIZES[-1]:
                    profiles.append(profile_rerun(country_at))
            repeats = 5 if size <= 1_000 else 3
            for view, timing in (("search", search_timing), ("country", country_timing)):
                clinics, origin, radius = views[view]
                ours = map_figures(our_map, clinics, origin, radius, repeats)
                naive = map_figures(naive_map, clinics, origin, radius, 1)
                rows.append(
                    (
                        f"{size:,}",
                        view,
                        f"{ours.markers:,}",
                        f"{timing.cold_ms:,.0f}",
                        f"{timing.warm_median_ms:,.0f}",
                        f"{ours.build_ms:,.0f}",
                        kb(ours.html_bytes),
                        kb(ours.payload_bytes),
                        f"{naive.build_ms:,.0f}",
                        kb(naive.html_bytes),
                        f"{naive.build_ms / ours.build_ms:,.1f}x",
                        f"{naive.html_bytes / ours.html_bytes:,.1f}x",
                    )
                )
                if size == SIZES[-1]:
                    sent = ours.payload_bytes or ours.html_bytes
                    verdicts.append(
                        f"{size:,} {view}: warm rerun {timing.warm_median_ms:,.0f} ms "
                        f"({'ok' if timing.warm_median_ms < TARGET_RERUN_MS else 'MISSES'} "
                        f"< {TARGET_RERUN_MS:.0f} ms); map payload {kb(sent)} "
                        f"({'ok' if sent < TARGET_PAYLOAD_BYTES else 'MISSES'} < 1 MB)"
                    )
    header = (
        "clinics",
        "view",
        "mapped",
        "1st ms",
        "rerun ms",
        "map ms",
        "map html",
        "st_folium",
        "naive ms",
        "naive html",
        "time x",
        "size x",
    )
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    print(f"page: median of {RERUNS} warm AppTest reruns; map: build_map + render, tiles off")
    for line in (header, *rows):
        print("  ".join(str(cell).rjust(width) for cell, width in zip(line, widths, strict=True)))
    print("time x / size x: naive per-marker map over ours (higher is better for ours)")
    for verdict in verdicts:
        print(verdict)
    for text in profiles:
        print("\ncProfile of one warm whole-country rerun at 10k clinics (cumulative):")
        print(text)


if __name__ == "__main__":
    main()
