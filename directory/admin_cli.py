"""The admin commands of ``python -m directory``: import, diff, geocode, backups, restore,
hash-password.

Every change goes through :mod:`directory.admin` (review, then save against
the hash that was shown) and so :mod:`directory.storage`: the command line
gets the same validation, conflict check, lock, backup, atomic write and
audit line as the admin page. Exit codes follow the rest of the CLI: 0 done,
1 refused (invalid data, a declined confirmation, a conflicting save), 2 bad
usage or a file that cannot be used.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from directory import admin, storage
from directory.admin import CurrentData, Review
from directory.changes import diff_tables
from directory.dataset import load_clinics, parse_clinics, read_data_file
from directory.errors import DataConflictError
from directory.geocoding import ONLINE_GEOCODING_ENV, USER_AGENT_ENV, online_geocoder_from_env

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
DIFF_LINES_SHOWN = 200
MIN_PASSWORD_CHARS = 10
_YES = frozenset({"y", "yes"})


def add_admin_commands(commands: Any, default_data: Path) -> None:
    """Register the admin subcommands on the CLI's subparsers."""
    data_help = f"the clinic CSV (default {default_data})"

    imp = commands.add_parser(
        "import", help="replace the data with a new CSV, after validating it and showing the diff"
    )
    imp.add_argument("new", type=Path, metavar="NEW.csv", help="the file to import")
    imp.add_argument("--data", type=Path, default=default_data, help=data_help)
    imp.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    imp.set_defaults(handler=_import)

    diff = commands.add_parser("diff", help="show which clinics differ between two CSV files")
    diff.add_argument("old", type=Path, metavar="A.csv")
    diff.add_argument("new", type=Path, metavar="B.csv")
    diff.set_defaults(handler=_diff)

    geo = commands.add_parser(
        "geocode", help="fill blank clinic coordinates from the ZIP code (or online, by address)"
    )
    geo.add_argument("path", nargs="?", type=Path, default=default_data, help=data_help)
    geo.add_argument(
        "--online",
        action="store_true",
        help=f"geocode street addresses with Nominatim (needs {ONLINE_GEOCODING_ENV}=1 and "
        f"{USER_AGENT_ENV}); 1 request per second",
    )
    geo.add_argument(
        "--dry-run", action="store_true", help="show what would be filled; save nothing"
    )
    geo.set_defaults(handler=_geocode)

    backups = commands.add_parser("backups", help="list the backups of the data file")
    backups.add_argument("--data", type=Path, default=default_data, help=data_help)
    backups.set_defaults(handler=_backups)

    restore = commands.add_parser("restore", help="make a backup the current data again")
    restore.add_argument("backup", type=Path, metavar="BACKUP", help="a backup's path or name")
    restore.add_argument("--data", type=Path, default=default_data, help=data_help)
    restore.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(handler=_restore)

    hasher = commands.add_parser(
        "hash-password", help="make the password hash for the admin page's configuration"
    )
    # For scripts and tests: read the password and its confirmation as two lines of stdin.
    hasher.add_argument("--stdin", action="store_true", help=argparse.SUPPRESS)
    hasher.set_defaults(handler=_hash_password)


def current_user() -> str:
    """The OS user, for the audit log of command-line saves."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        # No USER/LOGNAME and no passwd entry (e.g. a container running as a bare uid).
        uid = getattr(os, "getuid", None)
        return f"uid {uid()}" if uid is not None else "unknown user"


# --- import -------------------------------------------------------------------------------


def _import(args: argparse.Namespace) -> int:
    data = read_data_file(args.new)
    new = parse_clinics(data)
    if not new.report.valid:
        print(args.new)
        print(new.report.to_text())
        print(f"nothing was imported; {args.data} is unchanged")
        return EXIT_INVALID
    if new.report.warning_count:
        print(f"{args.new}: {new.report.to_text()}\n")
    current = admin.read_current(args.data).require(allow_missing=True)
    where = f"{args.data} (a new file)" if current.missing else f"{args.data}"
    review = admin.review_loaded(new, current.table, payload=data)
    _show_changes(review, f"Changes to {where}:")
    return _save_confirmed(
        args.data,
        review,
        current,
        ask=not args.yes,
        action="import",
        question=f"Import these changes into {args.data}?",
    )


def _show_changes(review: Review, heading: str) -> None:
    """Print what saving the review would change."""
    print(heading)
    print(review.changes.to_text(limit=DIFF_LINES_SHOWN))


def _save_confirmed(
    path: Path,
    review: Review,
    current: CurrentData,
    *,
    ask: bool,
    action: str,
    question: str = "",
    based_on_current: bool | None = None,
) -> int:
    """Ask (unless told not to), then save; the shared end of import, restore and geocode.

    The save is based on the hash of the file the diff was made against
    (``based_on_current``, by default whenever a person was asked), so a save
    by someone else in between is refused, not silently overwritten. With
    --yes the caller accepted whatever the diff is, so the save goes ahead
    against the file as it is when the lock is taken (and the summary printed
    after it is of what was really changed).
    """
    if ask and not _confirm(f"{question} [y/N] "):
        print(f"declined; nothing was changed in {path}")
        return EXIT_INVALID
    based_on = ask if based_on_current is None else based_on_current
    try:
        result = admin.save_review(
            path,
            review,
            who=current_user(),
            action=action,
            based_on=current.sha256 if based_on else None,
            current=current,
        )
    except DataConflictError as error:
        print(f"error: {error}", file=sys.stderr)
        print(error.changes, file=sys.stderr)
        return EXIT_INVALID
    if not admin.is_written(result):
        print(f"nothing to do: {path} already holds exactly this data")
        return EXIT_OK
    print(f"saved {path}: {result.changes.summary()}")
    if result.backup is not None:
        print(f"the previous version is kept as {result.backup}")
    return EXIT_OK


def _confirm(prompt: str) -> bool:
    """Ask on stdout, read one line from stdin; end of input or anything but y/yes is no."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    answer = sys.stdin.readline()
    if not answer.endswith("\n"):
        sys.stdout.write("\n")  # end of input: keep the next message on its own line
    return answer.strip().lower() in _YES


# --- diff ---------------------------------------------------------------------------------


def _diff(args: argparse.Namespace) -> int:
    old = load_clinics(args.old)
    new = load_clinics(args.new)
    for path, loaded in ((args.old, old), (args.new, new)):
        if not loaded.report.valid:
            print(
                f"note: {path} has {loaded.report.error_count} errors; it is compared as read "
                f"(see: python -m directory validate {path})",
                file=sys.stderr,
            )
    print(f"--- {args.old}\n+++ {args.new}")
    print(diff_tables(old.table, new.table).to_text())
    return EXIT_OK


# --- geocode ------------------------------------------------------------------------------


def _geocode(args: argparse.Namespace) -> int:
    online = None
    if args.online:
        online = online_geocoder_from_env()
        if online is None:
            print(
                "error: online geocoding is not enabled. Set "
                f"{ONLINE_GEOCODING_ENV}=1 and {USER_AGENT_ENV}='<app name> (<contact email>)' "
                "(Nominatim's usage policy requires an identifying user agent), or leave out "
                "--online to use ZIP code centres offline.",
                file=sys.stderr,
            )
            return EXIT_USAGE
    current = admin.read_current(args.path).require()
    filling = admin.fill_coordinates(current, online=online, progress=_show_fill)
    fills = filling.fills
    if not fills:
        print(f"{args.path}: every clinic already has coordinates; nothing to fill")
        return EXIT_OK
    counts = pd.Series([fill.precision for fill in fills]).value_counts()
    print(
        f"{len(fills)} clinics without coordinates: {counts.get('address', 0)} from the street "
        f"address, {counts.get('zip', 0)} from the ZIP code's centre (approximate), "
        f"{counts.get('none', 0)} could not be placed (unknown ZIP)"
    )
    if args.dry_run or not filling.placed:
        print("dry run: nothing was saved" if args.dry_run else "nothing was saved")
        return EXIT_OK
    if not filling.review.report.valid:
        print(filling.review.report.to_text())
        print(f"nothing was saved; fix the errors in {args.path} first")
        return EXIT_INVALID
    # Online geocoding takes a second per clinic: if someone saved meanwhile, refuse.
    return _save_confirmed(
        args.path, filling.review, current, ask=False, action="geocode", based_on_current=True
    )


def _show_fill(fill: storage.CoordinateFill) -> None:
    where = f"{fill.lat:.5f}, {fill.lon:.5f}" if fill.lat is not None else "not placed"
    print(f"line {fill.line:>6}  {fill.precision:<7}  {where:<22}  {fill.id}", flush=True)


# --- backups and restore ------------------------------------------------------------------


def _backups(args: argparse.Namespace) -> int:
    found = storage.list_backups(args.data)
    if not found:
        print(f"no backups of {args.data} yet (one is made before every save)")
        return EXIT_OK
    print(f"backups of {args.data}, newest first:")
    for backup in found:
        rows = f"{backup.rows} rows" if backup.rows is not None else "? rows"
        stamp = backup.created_utc.strftime("%Y-%m-%d %H:%M:%S UTC")
        print(f"  {stamp}  {rows:>12}  {backup.path.name}")
    print(f"restore one with: python -m directory restore <name> --data {args.data}")
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    backup = admin.resolve_backup(args.data, args.backup)
    data = read_data_file(backup)
    new = parse_clinics(data)
    if not new.report.valid:
        print(new.report.to_text())
        print(f"{backup.name} has errors, so it cannot be restored; nothing was changed")
        return EXIT_INVALID
    current = admin.read_current(args.data).require(allow_missing=True)
    review = admin.review_loaded(new, current.table, payload=data, restores=backup)
    _show_changes(review, f"Restoring {backup.name} would make these changes to {args.data}:")
    return _save_confirmed(
        args.data,
        review,
        current,
        ask=not args.yes,
        action="restore",
        question=f"Restore {backup.name} as {args.data}?",
    )


# --- hash-password ------------------------------------------------------------------------


def _hash_password(args: argparse.Namespace) -> int:
    from directory.auth import ENV_PASSWORD_HASH, SECRETS_KEY, SECRETS_SECTION, hash_password

    if args.stdin:
        lines = sys.stdin.read().splitlines()
        password, again = [*lines, ""][:2] if lines else (None, None)
    else:
        try:
            password = getpass.getpass("New admin password: ")
            again = getpass.getpass("Type it again: ")
        except EOFError:
            password = again = None
    if password is None:
        print("error: no password given", file=sys.stderr)
        return EXIT_INVALID
    if len(password) < MIN_PASSWORD_CHARS:
        print(
            f"error: the password must be at least {MIN_PASSWORD_CHARS} characters",
            file=sys.stderr,
        )
        return EXIT_INVALID
    if password != again:
        print("error: the two passwords do not match; nothing was made", file=sys.stderr)
        return EXIT_INVALID
    try:
        encoded = hash_password(password)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(encoded)
    print(
        f"Put this line in .streamlit/secrets.toml under [{SECRETS_SECTION}] as "
        f'{SECRETS_KEY} = "...", or in the environment variable {ENV_PASSWORD_HASH}.',
        file=sys.stderr,
    )
    return EXIT_OK
