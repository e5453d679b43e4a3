"""``python -m directory reports``: list problem reports, and resolve them.

::

    python -m directory reports [--data PATH] [--format text|json] [--all]
    python -m directory reports resolve ID... --action fixed|verified|dismissed [--note TEXT]

The database is the one the app uses (``reports.sqlite3`` beside the data file, or
``CLINIC_FINDER_REPORTS_DB``). Resolving goes through
:func:`directory.reports.resolve_reports`, as on the admin page: ``verified`` first
marks the listings verified in the data file (a validated, backed-up, audited save),
and every resolution is an audit line naming the OS user. Exit codes as for the other
commands: 0 done, 1 refused (an unknown or already resolved id, a listing that is no
longer in the data), 2 bad usage or a database that cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from directory import reports
from directory.admin_cli import current_user
from directory.errors import InvalidDataError, QueryError, ReportRefusedError

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def add_report_commands(commands: Any, default_data: Path) -> None:
    """Register ``reports`` (and ``reports resolve``) on the CLI's subparsers."""
    data_help = (
        f"the clinic CSV (default {default_data}); reports are in {reports.DEFAULT_FILE_NAME} "
        f"beside it unless {reports.REPORTS_DB_ENV} is set"
    )
    listing = commands.add_parser("reports", help="list problem reports from patients")
    listing.add_argument("--data", type=Path, default=default_data, help=data_help)
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.add_argument("--all", action="store_true", help="include resolved reports")
    listing.set_defaults(handler=_list)

    actions = listing.add_subparsers(metavar="resolve", dest="reports_command")
    resolve = actions.add_parser("resolve", help="close reports as fixed, verified or dismissed")
    resolve.add_argument("ids", nargs="+", type=_report_id, metavar="ID", help="report ids")
    resolve.add_argument(
        "--action",
        required=True,
        choices=tuple(reports.RESOLUTIONS),
        help="; ".join(reports.RESOLUTIONS.values())
        + " (verified also sets the listings' last_verified to today)",
    )
    resolve.add_argument("--note", default="", help="a note kept with the reports")
    # SUPPRESS: given before "resolve" it is kept, given after it wins.
    resolve.add_argument("--data", type=Path, default=argparse.SUPPRESS, help=data_help)
    resolve.set_defaults(handler=_resolve)


def _report_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a report id (a number)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a report id (a number from 1)")
    return value


def _store(data: Path) -> reports.ReportStore:
    return reports.settings_from_env(data).store()


def _list(args: argparse.Namespace) -> int:
    store = _store(args.data)
    found = store.reports(include_resolved=args.all)
    if args.format == "json":
        document = {
            "database": str(store.path),
            "reports": [report.to_dict() for report in found],
        }
        json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_OK
    which = "" if args.all else "open "
    if not found:
        print(f"no {which}problem reports in {store.path}")
        return EXIT_OK
    clinics = len({report.clinic_id for report in found})
    noun = "report" if len(found) == 1 else "reports"
    print(f"{len(found)} {which}{noun} about {clinics} listing(s) in {store.path}, newest first:")
    for report in found:
        when = report.created_at.strftime("%Y-%m-%d %H:%M UTC")
        clinic, kind = reports.one_line(report.clinic_id), reports.one_line(report.kind)
        line = f"  #{report.id:<6} {when}  {clinic}  {kind}"
        if args.all:
            line += f"  {report.status}"
            if report.resolved_by:
                line += f" by {reports.one_line(report.resolved_by)}"
        print(line)
        if report.note:
            # Patients' words: one line, without control characters, for a terminal.
            print(f"           note: {reports.one_line(report.note)}")
    if not args.all:
        print("resolve with: python -m directory reports resolve ID... --action ACTION")
    return EXIT_OK


def _resolve(args: argparse.Namespace) -> int:
    try:
        done = reports.resolve_reports(
            args.data,
            _store(args.data),
            args.ids,
            action=args.action,
            who=current_user(),
            note=args.note,
            today=date.today(),
        )
    except (ReportRefusedError, QueryError, InvalidDataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    if done.verify is not None:
        print(f"saved {args.data}: {done.verify.changes.summary()}")
    ids = ", ".join(str(report.id) for report in done.reports)
    print(
        f"resolved {len(done.reports)} report(s) as {done.action}: {ids} "
        f"(about {', '.join(done.clinic_ids)})"
    )
    return EXIT_OK
