"""What the Spanish pages cost against the English ones, measured in the same run.

Run: ``python benchmarks/bench_i18n.py`` (``make bench`` runs it too).

* **In process:** the median time to word a page of results (the ten cards of a ZIP
  search, the summary sentence and the chips) in English and in Spanish, and of one
  ``gettext`` lookup; English is the baseline (it skips the catalog).
* **Served:** one replica as ``make serve`` starts it (``benchmarks/bench_load.py``'s
  ``tuned`` mode, on 127.0.0.1, stopped at the end), then new visitors one at a time,
  alternating ``?near=<ZIP>`` and ``?lang=es&near=<ZIP>`` over the same ZIPs: the median
  view time and the server's CPU per view for each language, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench_load import DATA, cpu_s, query_for, started, visit, zips_of  # noqa: E402
from benchmarks.bench_page import median_ms  # noqa: E402
from directory import i18n, listing  # noqa: E402
from directory.dataset import load_clinics  # noqa: E402
from directory.filters import filter_named  # noqa: E402
from directory.geocoding import resolve_place  # noqa: E402
from directory.params import form_from_params  # noqa: E402
from directory.search import index_clinics, search  # noqa: E402

LANGUAGES = ("en", "es")


def in_process(repeat: int) -> None:
    index = index_clinics(load_clinics(DATA).usable())
    form = form_from_params({"near": ["80202"], "modality": ["iv"], "va": ["1"]})
    result = search(index, form.to_query(resolve_place("80202")))
    rows = [{str(k): v for k, v in r.items()} for r in result.in_person.head(10).to_dict("records")]
    today = date.today()

    def word_page() -> None:
        for row in rows:
            listing.clinic_markdown(row, today)
        listing.summary_sentence(result, unfiltered=20)
        for name, value in form.filters.items():
            filter_named(name).chips(value)

    i18n.preload()
    print("in process (median of", repeat, "runs)")
    figures = {}
    for code in LANGUAGES:
        with i18n.using(code):
            page_ms = median_ms(word_page, repeat)
            lookup_us = median_ms(lambda: [i18n.gettext("Find a clinic") for _ in range(1000)], 50)
        figures[code] = page_ms
        print(f"  {code}: wording a page of 10 cards {page_ms:.2f} ms; gettext {lookup_us:.2f} µs")
    print(f"  es/en: {figures['es'] / figures['en']:.2f}x")


def served(views: int) -> None:
    zips = zips_of(DATA, views)
    with (
        tempfile.TemporaryDirectory(prefix="bench-i18n-") as tmp,
        started("tuned", DATA, Path(tmp), 1) as server,
    ):
        asyncio.run(visit(server.base, query_for(zips[0])))  # the first visit
        seconds: dict[str, list[float]] = {code: [] for code in LANGUAGES}
        cpu: dict[str, float] = dict.fromkeys(LANGUAGES, 0.0)
        failed = 0
        for n in range(views):
            for code in LANGUAGES:
                query = query_for(zips[n % len(zips)])
                if code != "en":
                    query = f"lang={code}&{query}"
                before = cpu_s(server.replica_pids)
                view = asyncio.run(visit(server.base, query))
                cpu[code] += cpu_s(server.replica_pids) - before
                seconds[code].append(view.seconds * 1000)
                failed += not view.ok
    print(f"served: one replica, {views} new visitors per language, one at a time")
    for code in LANGUAGES:
        print(
            f"  {code}: view p50 {statistics.median(seconds[code]):.0f} ms, "
            f"server CPU {cpu[code] * 1000 / views:.0f} ms per view"
        )
    ratio = statistics.median(seconds["es"]) / statistics.median(seconds["en"])
    print(f"  es/en view p50: {ratio:.2f}x; failed views: {failed}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--views", type=int, default=40)
    parser.add_argument("--no-server", action="store_true")
    args = parser.parse_args(argv)
    in_process(args.repeat)
    if not args.no_server:
        served(args.views)
    return 0


if __name__ == "__main__":
    sys.exit(main())
