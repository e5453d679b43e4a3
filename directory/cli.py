"""``python -m directory``: validate data, search it, make synthetic data, and admin it
(import, diff, geocode, backups, restore, hash-password: see :mod:`directory.admin_cli`;
problem reports: :mod:`directory.reports_cli`).

Exit codes follow one rule everywhere: 0 the command did its job, 1 the data
is invalid (or a change was refused), 2 bad usage or a file/place that cannot
be used. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from directory import listing
from directory.admin_cli import add_admin_commands
from directory.csvfile import write_csv_text
from directory.dataset import load_clinics
from directory.errors import DirectoryError, QueryError
from directory.export import to_records, to_safe_csv
from directory.filters import (
    DEFAULT_RADIUS_MILES,
    MAX_RADIUS_MILES,
    Filter,
    FilterKind,
    FilterValue,
    all_filters,
    check_radius,
)
from directory.geocoding import online_geocoder_from_env, resolve_place
from directory.reports_cli import add_report_commands
from directory.search import (
    DISTANCE_COLUMN,
    SearchQuery,
    SearchResult,
    index_clinics,
    search,
)

DEFAULT_DATA = Path("data/clinics.csv")
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line and exits 2, like the rest of the CLI."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    # Data holds accents and typographic dashes; a terminal that cannot show them must
    # get an escape, not a UnicodeEncodeError traceback.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except DirectoryError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    return code


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m directory", description="Ketamine clinic directory tools.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=_Parser)

    validate = commands.add_parser("validate", help="check a clinic CSV and list its problems")
    validate.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=DEFAULT_DATA,
        help=f"the CSV to check (default {DEFAULT_DATA})",
    )
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.set_defaults(handler=_validate)

    find = commands.add_parser("search", help="find clinics near a place")
    find.add_argument(
        "--near",
        required=True,
        metavar="TEXT",
        help="a ZIP (80202), a city and state (Denver, CO) or 'lat, lon'",
    )
    find.add_argument(
        "--radius",
        type=_radius,
        default=float(DEFAULT_RADIUS_MILES),
        metavar="MILES",
        help=f"search radius in miles, at most {MAX_RADIUS_MILES} (default {DEFAULT_RADIUS_MILES})",
    )
    for entry in all_filters():
        _add_filter_option(find, entry)
    find.add_argument(
        "--limit",
        type=_non_negative_int,
        default=50,
        help="rows per section (default 50; 0 = no limit)",
    )
    find.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the clinic CSV")
    find.add_argument("--format", choices=("table", "json", "csv"), default="table")
    find.set_defaults(handler=_search)

    synth = commands.add_parser("synth", help="write a synthetic data set for tests and benchmarks")
    synth.add_argument("--rows", type=_non_negative_int, required=True)
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--out", type=Path, required=True, help="where to write the CSV")
    synth.set_defaults(handler=_synth)

    add_admin_commands(commands, DEFAULT_DATA)
    add_report_commands(commands, DEFAULT_DATA)
    return parser


def _add_filter_option(parser: argparse.ArgumentParser, entry: Filter) -> None:
    """One ``search`` option per filter, from the filter table (names, help, value rules)."""

    def value(text: str) -> FilterValue:
        try:
            return entry.check(text if entry.kind is not FilterKind.AT_MOST else _float(text))
        except QueryError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    common: dict[str, Any] = {"dest": entry.name, "help": entry.help}
    if entry.kind is FilterKind.FLAG:
        parser.add_argument(*entry.cli_flags, action="store_true", **common)
    elif entry.kind in (FilterKind.ANY_OF, FilterKind.ALL_OF):
        assert entry.vocabulary is not None  # noqa: S101
        parser.add_argument(
            *entry.cli_flags,
            action="append",
            type=value,
            default=[],
            metavar=entry.metavar,
            dest=entry.name,
            help=f"{entry.help} Repeatable; one of {', '.join(entry.vocabulary.codes)}.",
        )
    else:
        parser.add_argument(
            *entry.cli_flags, type=value, default=entry.default, metavar=entry.metavar, **common
        )


def _filter_values(args: argparse.Namespace) -> dict[str, FilterValue]:
    values: dict[str, FilterValue] = {}
    for entry in all_filters():
        given = getattr(args, entry.name)
        if entry.kind in (FilterKind.ANY_OF, FilterKind.ALL_OF):
            given = tuple(code for codes in given for code in codes)
        values[entry.name] = given
    return values


def _float(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _radius(text: str) -> float:
    try:
        return check_radius(_float(text))
    except QueryError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


# --- validate -----------------------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    loaded = load_clinics(args.path)
    report = loaded.report
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(f"{args.path}")
        print(report.to_text())
    return EXIT_OK if report.valid else EXIT_INVALID


# --- search -------------------------------------------------------------------------------


def _search(args: argparse.Namespace) -> int:
    loaded = load_clinics(args.data)
    if loaded.usable().empty:
        # "0 clinics near you" would be a lie when the data itself is unusable.
        print(
            f"error: {args.data} has no usable clinic listings ({loaded.report.summary()}); "
            f"run: python -m directory validate {args.data}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not loaded.report.valid:
        print(
            f"note: {args.data} has {loaded.report.error_count} errors; rows with errors are "
            f"left out (run: python -m directory validate {args.data})",
            file=sys.stderr,
        )
    origin = resolve_place(args.near, online_fallback=online_geocoder_from_env())
    query = SearchQuery(origin=origin, radius_miles=args.radius, filters=_filter_values(args))
    result = search(index_clinics(loaded.usable()), query)
    limit = args.limit or None
    sections = {
        "in_person": result.in_person.head(limit) if limit else result.in_person,
        "at_home": result.at_home.head(limit) if limit else result.at_home,
        "nearest_outside_radius": result.nearest_outside_radius,
    }
    if args.format == "json":
        _print_json(result, sections, sys.stdout)
    elif args.format == "csv":
        frames = [frame.assign(result=name) for name, frame in sections.items() if len(frame)]
        combined = pd.concat(frames, ignore_index=True) if frames else result.in_person
        sys.stdout.write(to_safe_csv(combined))
    else:
        _print_table(result, sections, sys.stdout)
    return EXIT_OK


def _print_json(result: SearchResult, sections: dict[str, pd.DataFrame], out: TextIO) -> None:
    origin = result.origin
    document = {
        "origin": {
            "query": origin.query,
            "label": origin.label,
            "lat": origin.lat,
            "lon": origin.lon,
            "state": origin.state,
        },
        "radius_miles": result.query.radius_miles,
        **{name: [_json_row(row) for row in to_records(frame)] for name, frame in sections.items()},
        "totals": {"in_person": len(result.in_person), "at_home": len(result.at_home)},
    }
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _json_row(row: dict[str, object]) -> dict[str, object]:
    first = {key: row[key] for key in ("id", "name", DISTANCE_COLUMN) if key in row}
    return {**first, **{k: v for k, v in row.items() if k not in first}}


def _print_table(result: SearchResult, sections: dict[str, pd.DataFrame], out: TextIO) -> None:
    origin = result.origin
    total = len(result.in_person)
    shown = len(sections["in_person"])
    # The page's own sentences, with data shown as it is rather than escaped for Markdown.
    out.write(listing.summary_sentence(result, escape=str))
    out.write(f" (showing {shown})\n" if shown < total else "\n")
    whole_state = origin.precision == "state"
    if shown:
        out.write(_format_rows(sections["in_person"], with_distance=not whole_state) + "\n")
    nearest = sections["nearest_outside_radius"]
    if not total and len(nearest):
        out.write(f"{listing.no_match_sentence(result, escape=str)} ")
        out.write(f"{listing.nearest_sentence(result, escape=str)}\n")
        out.write(_format_rows(nearest, with_distance=True) + "\n")
    elif not total and not whole_state:
        out.write(listing.out_of_reach_sentence(result, escape=str) + "\n")
    at_home = sections["at_home"]
    out.write(
        f"\nAlso available at home in {origin.state}: {len(result.at_home)} "
        f"{'provider' if len(result.at_home) == 1 else 'providers'}\n"
    )
    if len(at_home):
        out.write(_format_rows(at_home, with_distance=False) + "\n")


def _format_rows(frame: pd.DataFrame, *, with_distance: bool) -> str:
    columns: list[tuple[str, list[str]]] = []
    if with_distance:
        columns.append(("miles", [f"{m:.1f}" for m in frame[DISTANCE_COLUMN]]))
    columns.append(("name", [str(v) for v in frame["name"]]))
    if with_distance:
        columns.append(
            ("city", [f"{c}, {s}" for c, s in zip(frame["city"], frame["state"], strict=True)])
        )
    columns.append(("phone", [str(v) for v in frame["phone"]]))
    columns.append(("modalities", [str(v).replace(";", ", ") for v in frame["modalities"]]))
    columns.append(
        ("price", ["" if pd.isna(v) else f"${v:,.0f}" for v in frame["price_per_session_usd"]])
    )
    widths = [min(max([len(title), *map(len, cells)]), 40) for title, cells in columns]
    lines = ["  ".join(title.ljust(w) for (title, _), w in zip(columns, widths, strict=True))]
    for i in range(len(frame)):
        lines.append(
            "  ".join(
                _clip(cells[i], w).ljust(w) for (_, cells), w in zip(columns, widths, strict=True)
            ).rstrip()
        )
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# --- synth --------------------------------------------------------------------------------


def _synth(args: argparse.Namespace) -> int:
    from directory.synth import generate_clinics

    table = generate_clinics(args.rows, seed=args.seed)
    try:
        args.out.write_text(write_csv_text(table), encoding="utf-8")
    except OSError as error:
        print(f"error: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {len(table)} rows to {args.out}")
    return EXIT_OK
