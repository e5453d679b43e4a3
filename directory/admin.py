"""The admin workflow as plain functions, shared by the admin page and ``python -m directory``.

Every change goes the same way:

1. :func:`read_current` reads the data file and its SHA-256, the version the
   admin is shown;
2. a ``review_*`` function validates the proposed data and compares it with
   that version (:class:`Review`: the report, the changes, and whether it can
   be saved);
3. :func:`save_review` saves it *based on* the hash that was shown, so a save
   by someone else in between is refused (:class:`~directory.errors.DataConflictError`)
   instead of silently overwritten.

Nothing here imports Streamlit or prints: errors are raised as
:class:`~directory.errors.DirectoryError` and become words at the edge
(:func:`directory.ui.common.user_message` on the page, ``error: ...`` lines in
the CLI).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from directory import auth, edits, history, schema, storage
from directory.changes import ClinicChanges, diff_tables
from directory.csvfile import csv_text, read_written, write_csv_text
from directory.dataset import LoadedClinics, parse_clinics, read_data_file
from directory.errors import DataConflictError, DataFileError, DirectoryError, InvalidDataError
from directory.report import Problem, ValidationReport
from directory.verification import stale_mask, verified_dates

Parser = Callable[[bytes, str], LoadedClinics]
"""Parses a data file's bytes, given with their SHA-256 (so a caller can cache on it)."""

MAX_NAME_CHARS = 100
"""An admin's name as the change log records it."""


# --- signing in ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """The outcome of one sign-in attempt: the admin's name, or why it was refused."""

    name: str | None
    """The admin's name (one line, bounded) when signed in; None when refused."""
    refusal: str = ""
    """Why not, for the person signing in (empty when signed in)."""
    locked_out: bool = False
    """True when refused for this client's wrong passwords (a warning rather than an error)."""


def sign_in(
    password: str,
    name: str,
    *,
    password_hash: str | None,
    guard: auth.LoginGuard,
    client: auth.Client | str,
) -> SignIn:
    """Check one sign-in attempt against the configured hash and the throttle.

    ``client`` is who is signing in (its session and IP address; a bare string is a
    session). The password is only compared, never kept. A client that must still
    wait after its own wrong passwords is refused without checking it, so a guesser
    learns nothing; a client with no wrong password of its own is always checked (see
    :class:`directory.auth.LoginGuard`). A missing name is refused before the password
    is checked and does not count as a wrong try.
    """
    wait = guard.begin_attempt(client)
    if wait > 0:
        return SignIn(
            None, f"Too many wrong passwords. Try again in {auth.format_wait(wait)}.", True
        )
    try:
        clean_name = " ".join(name.split())[:MAX_NAME_CHARS]
        if not clean_name:
            return SignIn(
                None, "Please enter your name: it is recorded with every change you save."
            )
        if password_hash is None or not auth.verify_password(password, password_hash):
            guard.record_failure(client)
            wait = guard.wait_seconds(client)
            message = "Wrong password."
            if wait > 0:
                message += f" Too many wrong passwords: try again in {auth.format_wait(wait)}."
            return SignIn(None, message)
        guard.record_success(client)
        return SignIn(clean_name)
    finally:
        guard.end_attempt(client)


# --- the current data ---------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentData:
    """The data file as one reading found it: the version a review is compared with."""

    path: Path
    data: bytes | None
    """The file's exact bytes; None when it cannot be read (then ``error`` says why)."""
    sha256: str | None
    """The hash a save is based on; None when there is no readable file."""
    loaded: LoadedClinics
    """The parsed file (shared read-only if the caller caches it); no rows if unreadable."""
    error: DataFileError | None = None
    missing: bool = False
    """True when the file does not exist at all (a first import creates it)."""

    @property
    def table(self) -> pd.DataFrame | None:
        """The table a review compares with; None when there is no readable file."""
        return None if self.data is None else self.loaded.table

    def require(self, *, allow_missing: bool = False) -> CurrentData:
        """This data, or raise its error (a missing file is fine with ``allow_missing``)."""
        if self.error is not None and not (allow_missing and self.missing):
            raise self.error
        return self


def empty_clinics(today: date | None = None) -> LoadedClinics:
    """A table with the schema's columns and no rows (what an absent file compares as)."""
    return parse_clinics(",".join(schema.COLUMN_NAMES) + "\n", today=today)


def read_current(
    path: Path, *, today: date | None = None, parse: Parser | None = None
) -> CurrentData:
    """Read the data file and its SHA-256; an unreadable file is reported, not raised.

    ``parse`` replaces :func:`~directory.dataset.parse_clinics` (the page passes
    a cache keyed on the hash, as the file may be 100k rows).
    """
    try:
        data = read_data_file(path)
    except DataFileError as error:
        missing = not os.path.lexists(path)
        return CurrentData(path, None, None, empty_clinics(today), error, missing)
    sha256 = hashlib.sha256(data).hexdigest()
    loaded = parse(data, sha256) if parse is not None else parse_clinics(data, today=today)
    return CurrentData(path, data, sha256, loaded)


# --- reviews ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """A proposed new data file, checked and compared with the version that was shown."""

    payload: str | bytes
    """What was proposed (an upload's exact bytes, or CSV text from the editor)."""
    proposed: LoadedClinics
    """The payload as the loader reads it; this is what a save writes."""
    changes: ClinicChanges
    restores: Path | None = None
    """The backup this review would make current again, if it is a restore."""

    @property
    def report(self) -> ValidationReport:
        """The validation report of the proposed data."""
        return self.proposed.report

    @property
    def table(self) -> pd.DataFrame:
        """The proposed data as the loader normalises it (CSV columns only)."""
        return csv_columns(self.proposed.table)

    @property
    def can_save(self) -> bool:
        """Saving is allowed when there are no errors and something changes."""
        return self.report.valid and not self.changes.is_empty


def csv_columns(table: pd.DataFrame) -> pd.DataFrame:
    """The table without the loader's derived ``_`` columns."""
    return table[schema.data_columns(table.columns)]


def review_loaded(
    proposed: LoadedClinics,
    current: pd.DataFrame | None,
    *,
    payload: str | bytes,
    restores: Path | None = None,
) -> Review:
    """Compare data the caller has already parsed (and perhaps shown) with the current table.

    ``current`` None means there is no data file yet: every clinic is added (as
    the save's own diff will say).
    """
    base = proposed.table.head(0) if current is None else current
    return Review(payload, proposed, diff_tables(base, proposed.table), restores)


def review_csv(
    data: str | bytes, current: pd.DataFrame | None, *, today: date | None = None
) -> Review:
    """Validate a proposed data file and compare it with the current (loaded) table."""
    return review_loaded(parse_clinics(data, today=today), current, payload=data)


def review_table(
    table: pd.DataFrame, current: pd.DataFrame | None, *, today: date | None = None
) -> Review:
    """Review a changed copy of a loaded table (verified dates, filled coordinates)."""
    return review_csv(write_csv_text(csv_columns(table)), current, today=today)


def editor_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The table as the editor shows it: CSV columns only, every cell a string.

    Built from the CSV text the storage would write, so what the editor shows is
    exactly what a save writes back.
    """
    frame = read_written(write_csv_text(csv_columns(table)))
    if frame is None:  # cannot happen for a table the writer wrote; never show a wrong table
        raise DataFileError("the data cannot be shown in the editor")
    return frame


def edited_csv_text(edited: pd.DataFrame) -> str:
    """CSV text of an edited table: blank cells for missing values, empty new rows dropped."""
    cells = edited.astype(object).where(edited.notna(), "").astype(str)
    cells = cells.apply(lambda column: column.str.strip() if column.dtype == object else column)
    cells = cells[cells.ne("").any(axis=1)]
    # The one CSV writer: it quotes a cell holding a lone "\r", which to_csv alone does not.
    return csv_text(cells)


def review_edits(
    edited: pd.DataFrame, original: pd.DataFrame, *, today: date | None = None
) -> Review:
    """Validate the editor's table and compare it with the table the editor started from.

    ``original`` is the editor's input (:func:`editor_frame`); both sides go
    through the same loader, so only real edits show up as changes.
    """
    base = parse_clinics(edited_csv_text(original), today=today)
    return review_csv(edited_csv_text(edited), base.table, today=today)


def resolve_backup(path: Path, backup: Path | str) -> Path:
    """A backup of the data file at ``path``, by path or by the bare name ``backups`` lists.

    Anything outside the data file's backups folder is refused
    (:class:`~directory.errors.DataFileError`): restoring writes it over the data.
    """
    chosen = Path(backup)
    if not chosen.exists() and len(chosen.parts) == 1:
        chosen = history.backups_folder(path) / chosen.name
    return history.resolve_backup(Path(os.path.realpath(path)), chosen)


def review_backup(
    path: Path,
    backup: Path | str | storage.Backup,
    current: pd.DataFrame | None,
    *,
    today: date | None = None,
) -> Review:
    """Read a backup of the data file and compare it with the current table."""
    chosen = resolve_backup(path, backup.path if isinstance(backup, storage.Backup) else backup)
    data = read_data_file(chosen)
    return review_loaded(parse_clinics(data, today=today), current, payload=data, restores=chosen)


# --- saving -------------------------------------------------------------------------------


def save_review(
    path: Path,
    review: Review,
    *,
    who: str,
    action: str,
    based_on: str | None,
    current: CurrentData | None = None,
) -> storage.SaveResult:
    """Save what ``review`` proposes, refused if the file's hash is no longer ``based_on``.

    ``based_on`` is the SHA-256 of the file as it was shown (None: save over
    whatever the file holds when the lock is taken). ``current``, the data the
    review was made against, spares storage a second parse for its diff. A
    review that changes nothing is saved as a no-op (``audit["written"]`` is
    False); one with errors raises :class:`~directory.errors.InvalidDataError`.
    Raises what :func:`directory.storage.save_loaded` raises; nothing is
    written then.
    """
    extra = {"restored_from": review.restores.name} if review.restores is not None else None
    base = None
    if current is not None and current.sha256 is not None:
        base = (current.sha256, current.loaded.table)
    return storage.save_loaded(
        path,
        review.proposed,
        who=who,
        action=action,
        based_on_sha256=based_on,
        current=base,
        audit_extra=extra,
    )


def is_written(result: storage.SaveResult) -> bool:
    """False when the save found the content identical to the file and wrote nothing."""
    return bool(result.audit.get("written", True))


def mark_verified(
    path: Path, ids: Iterable[str], *, who: str, based_on: str | None, today: date
) -> storage.SaveResult:
    """Set ``last_verified`` to ``today`` for the clinics ``ids`` and save, based on ``based_on``.

    The file is read again, so a listing someone removed meanwhile is named
    (:class:`~directory.errors.QueryError`) rather than silently re-added.
    """
    current = read_current(path, today=today).require()
    updated = edits.mark_verified(current.loaded.table, ids, today)
    review = review_table(updated, current.loaded.table, today=today)
    return save_review(path, review, who=who, action="verify", based_on=based_on, current=current)


@dataclass(frozen=True)
class CoordinateFilling:
    """Blank coordinates filled in: what was done per clinic, and the review of the result."""

    fills: list[storage.CoordinateFill]
    review: Review

    @property
    def placed(self) -> list[storage.CoordinateFill]:
        """The clinics that got coordinates (the others' ZIP code is unknown)."""
        return [fill for fill in self.fills if fill.lat is not None and fill.lon is not None]

    def rows(self) -> list[dict[str, Any]]:
        """One row per clinic with blank coordinates: id, line, precision, latitude, longitude."""
        return [
            {
                "id": fill.id,
                "line": fill.line,
                "precision": fill.precision,
                "latitude": fill.lat,
                "longitude": fill.lon,
            }
            for fill in self.fills
        ]


def fill_coordinates(
    current: CurrentData,
    *,
    online: Any | None = None,
    progress: Callable[[storage.CoordinateFill], None] | None = None,
    today: date | None = None,
) -> CoordinateFilling:
    """Fill the current table's blank coordinates (see :func:`directory.edits.fill_coordinates`).

    ``online=None`` is offline only, from the bundled ZIP gazetteer: no address
    leaves the machine.
    """
    table = current.require().loaded.table
    filled, fills = edits.fill_coordinates(table, online=online, progress=progress)
    return CoordinateFilling(fills, review_table(filled, table, today=today))


def error_details(error: DirectoryError) -> str | None:
    """The longer text behind an error, shown under its message: a conflict's changes,
    an invalid save's full report. None when there is nothing more to say."""
    if isinstance(error, DataConflictError):
        return error.changes or None
    if isinstance(error, InvalidDataError) and error.report is not None:
        return error.report.to_text()
    return None


# --- the data at a glance -----------------------------------------------------------------


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table (line, column, value, message) for display."""
    return pd.DataFrame(
        {
            "line": pd.array([p.line for p in problems], dtype="Int64"),
            "column": [p.column or "" for p in problems],
            "value": [p.value or "" for p in problems],
            "message": [p.message for p in problems],
        }
    )


@dataclass(frozen=True)
class Health:
    """The data file at a glance."""

    counts: pd.DataFrame
    """Rows per state (rows) and kind (columns), with totals."""
    stale: pd.DataFrame
    """Listings not verified in the last 12 months, or never (id, name, last_verified)."""
    approximate: pd.DataFrame
    """Clinics placed at their ZIP code's centre, as their coordinates are blank."""


def health_summary(loaded: LoadedClinics, today: date) -> Health:
    """Counts by state and kind, stale listings (oldest first) and approximate map positions."""
    table = loaded.table
    if table.empty:
        empty = pd.DataFrame(columns=["id", "name"])
        return Health(pd.DataFrame(), empty, empty)
    state = table["state"].fillna("").astype(str).replace("", "(none)")
    kind = table["kind"].fillna("").astype(str).replace("", "(blank)")
    counts = pd.crosstab(
        state.rename("state"), kind.rename("kind"), margins=True, margins_name="all"
    )
    stale = table.loc[
        stale_mask(table["last_verified"], today), ["id", "name", "last_verified"]
    ].copy()
    stale["last_verified"] = stale["last_verified"].fillna("").replace("", "never")
    stale = stale.sort_values("last_verified", key=lambda s: s.replace("never", ""))
    approximate = table.loc[approximate_mask(table), ["id", "name", "zip"]]
    return Health(counts, stale.reset_index(drop=True), approximate.reset_index(drop=True))


CALL_LIST_COLUMNS = ("id", "name", "phone", "city", "state", "last_verified")
"""The "due for a check" call list: who to call, where, and when they were last checked."""


def call_list(table: pd.DataFrame, today: date) -> pd.DataFrame:
    """Listings due for a check (never verified, or more than 12 months ago: the one rule in
    :mod:`directory.verification`), oldest first with the never-verified at the top, and
    the phone number to call. Export it with :func:`directory.export.to_safe_csv`."""
    columns = [name for name in CALL_LIST_COLUMNS if name in table.columns]
    if table.empty or "last_verified" not in table.columns:
        return pd.DataFrame(columns=columns)
    due = table.loc[stale_mask(table["last_verified"], today), columns].copy()
    order = verified_dates(due["last_verified"]).rename("_order").reset_index(drop=True)
    positions = order.sort_values(kind="stable", na_position="first").index.to_numpy()
    due = due.iloc[positions]
    due["last_verified"] = due["last_verified"].fillna("").astype(str).replace("", "never")
    return due.reset_index(drop=True)


def approximate_mask(table: pd.DataFrame) -> pd.Series:
    """Which rows are placed at their ZIP code's centre (no coordinates of their own)."""
    return table[schema.COORDINATES_APPROXIMATE].fillna(False).astype(bool)


def backups_frame(backups: list[storage.Backup]) -> pd.DataFrame:
    """Backups as a table: file name, creation time (UTC) and row count."""
    return pd.DataFrame(
        {
            "backup": [Path(b.path).name for b in backups],
            "created (UTC)": [str(b.created_utc) for b in backups],
            "rows": [b.rows for b in backups],
        }
    )


def audit_frame(entries: list[dict[str, Any]]) -> pd.DataFrame:
    """Audit-log entries as a table; nested values become JSON text, so any entry displays."""

    def cell(value: object) -> object:
        if value is None or isinstance(value, str | int | float | bool):
            return value
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)

    return pd.DataFrame([{key: cell(value) for key, value in e.items()} for e in entries])
