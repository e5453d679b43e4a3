"""Problem reports from patients ("this number is wrong"), and their resolution by admins.

Reports live in a SQLite database beside the data file (``data/reports.sqlite3``, or
``CLINIC_FINDER_REPORTS_DB``), opened through the standard library's :mod:`sqlite3` in
WAL mode with a busy timeout, so several app replicas on one host can append at once.
The schema is created and migrated here, numbered with ``PRAGMA user_version``.

A report holds the clinic id, the kind of problem, an optional note (at most
:data:`MAX_NOTE_CHARS`, control characters removed), the time, and a random token of
the browser session it came from (for the rate limits and the "two different visitors"
rule). No name, e-mail, location or IP address is asked for or stored.

The rate limits (:data:`SESSION_LIMIT` per session per :data:`SESSION_WINDOW`, and an
hourly cap for everyone) are checked inside the write transaction, so they hold across
replicas. Every failure of the database becomes a
:class:`~directory.errors.ReportStoreError` whose message tells an admin what is wrong;
nothing here imports Streamlit.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from directory import admin, history, storage
from directory.auth import address_network
from directory.csvfile import INVISIBLE_CHARACTERS
from directory.errors import (
    ConfigError,
    ReportRateLimitError,
    ReportRefusedError,
    ReportStoreError,
)
from directory.i18n import N_
from directory.i18n import gettext as _

logger = logging.getLogger(__name__)

# --- settings -----------------------------------------------------------------------------

REPORTS_DB_ENV = "CLINIC_FINDER_REPORTS_DB"
"""Where the report database is; default :data:`DEFAULT_FILE_NAME` beside the data file."""
HOURLY_CAP_ENV = "CLINIC_FINDER_REPORTS_PER_HOUR"
"""At most this many reports from everyone together in an hour (a flood guard)."""
DEFAULT_FILE_NAME = "reports.sqlite3"
DEFAULT_HOURLY_CAP = 120
BUSY_TIMEOUT_SECONDS = 2.0
"""How long a write waits for another replica's write (each takes milliseconds)."""


@dataclass(frozen=True)
class ReportSettings:
    """Where reports are kept and how many are accepted per hour."""

    db_path: Path
    hourly_cap: int = DEFAULT_HOURLY_CAP

    def store(self) -> ReportStore:
        """The store these settings describe."""
        return ReportStore(self.db_path, hourly_cap=self.hourly_cap)


def settings_from_env(data_path: Path, environ: Mapping[str, str] = os.environ) -> ReportSettings:
    """The settings from the environment; the database defaults to beside ``data_path``.

    Raises :class:`~directory.errors.ConfigError` for an hourly cap that is not a
    whole number of at least 1.
    """
    db = environ.get(REPORTS_DB_ENV, "").strip()
    path = Path(db) if db else Path(data_path).parent / DEFAULT_FILE_NAME
    raw_cap = environ.get(HOURLY_CAP_ENV, "").strip()
    if not raw_cap:
        return ReportSettings(path)
    try:
        cap = int(raw_cap)
    except ValueError:
        cap = 0
    if cap < 1:
        raise ConfigError(f"{HOURLY_CAP_ENV}={raw_cap!r} is not a whole number of at least 1")
    return ReportSettings(path, cap)


# --- the vocabulary -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemKind:
    """One kind of problem a patient can report."""

    code: str
    """Stored in the database and used by the command line."""
    label: str
    """What the patient reads on the form (and the admin in the queue), in English:
    :attr:`shown_label` is the patient's language."""
    flag_note: str | None = None
    """The note shown on the card when enough visitors report it (None: never shown), in
    English: :func:`flag_notes` gives it in the patient's language."""

    @property
    def shown_label(self) -> str:
        """:attr:`label` in the active language (the form's choices)."""
        return _(self.label)


KINDS: tuple[ProblemKind, ...] = (
    ProblemKind(
        "wrong_phone",
        N_("The phone number is wrong"),
        N_("Some visitors reported this phone number may be wrong. Call to confirm."),
    ),
    ProblemKind(
        "closed",
        N_("The clinic has closed"),
        N_("Some visitors reported this clinic may have closed. Call to confirm before you go."),
    ),
    ProblemKind("wrong_address", N_("The address is wrong")),
    ProblemKind("wrong_treatments", N_("The treatments or conditions are wrong")),
    ProblemKind("wrong_price", N_("The price or payment is wrong")),
    ProblemKind("not_accepting", N_("It doesn't take new patients")),
    ProblemKind("other", N_("Something else")),
)
"""Every kind of problem, in the order the form offers them: the one list of them."""

_KIND_BY_CODE = {kind.code: kind for kind in KINDS}
KIND_CODES: tuple[str, ...] = tuple(_KIND_BY_CODE)
FLAG_KINDS: tuple[str, ...] = tuple(kind.code for kind in KINDS if kind.flag_note)


def kind_named(code: str) -> ProblemKind:
    """The kind with this code; :class:`ReportRefusedError` for any other value."""
    try:
        return _KIND_BY_CODE[code]
    except (KeyError, TypeError):
        choices = ", ".join(KIND_CODES)
        raise ReportRefusedError(f"{code!r} is not a kind of problem (one of {choices})") from None


RESOLUTIONS: Mapping[str, str] = {
    "fixed": "Fixed: the listing was corrected",
    "verified": "Verified: checked with the clinic, the listing is right",
    "dismissed": "Dismissed: nothing to change",
}
"""How an admin closes a report (code: what it means), for the page and the command line."""
OPEN = "open"

# --- limits -------------------------------------------------------------------------------

MAX_NOTE_CHARS = 500
SESSION_LIMIT = 3
SESSION_WINDOW = timedelta(minutes=10)
HOURLY_WINDOW = timedelta(hours=1)
FLAG_WINDOW = timedelta(days=30)
FLAG_MIN_SESSIONS = 2
"""A flag needs open reports of its kind from at least this many different sessions."""
MAX_SESSION_CHARS = 64
MAX_RESOLUTION_NOTE_CHARS = 500

# The patient's messages, in English (marked for the catalog): shown with ``_()``, the
# limits' in the error they are raised with, the others by the page (directory.ui.report).
NOT_SAVED_MESSAGE = N_("We could not save your report. Please call the clinic to check.")
"""What a patient reads when the database fails (the admin page says why)."""
THANKS_MESSAGE = N_(
    "Thank you. Your report was sent. People who look after this list review every "
    "report and check the listing with the clinic."
)
SESSION_LIMIT_MESSAGE = N_(
    "Thank you: you have sent several reports in the last few minutes, which is our limit. "
    "Please wait a little before sending another. Nothing more was saved."
)
HOURLY_LIMIT_MESSAGE = N_(
    "We are receiving a lot of reports right now, so this one was not saved. "
    "Please try again later."
)

# Removed from notes: C0/C1 controls (NUL included; newlines are kept), every invisible
# format character (the data file's own rule, csvfile.INVISIBLE_CHARACTERS: zero-width
# characters and the bidirectional controls that can make a note read backwards to the
# admin), and lone surrogates (which SQLite cannot store as UTF-8).
_UNWANTED = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f" + re.escape(INVISIBLE_CHARACTERS) + "\ud800-\udfff]"
)
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_note(note: object) -> str:
    """A patient's note as it is stored: text only, at most :data:`MAX_NOTE_CHARS`.

    Line breaks are kept (at most one blank line in a row), tabs become spaces and
    every other control or invisible formatting character is removed. A note longer
    than the limit is refused (:class:`ReportRefusedError`) rather than cut, so nobody
    is told their words were saved when only half of them were.
    """
    if note is None:
        return ""
    if not isinstance(note, str):
        raise ReportRefusedError("a note must be text")
    if len(note) > 8 * MAX_NOTE_CHARS:  # a 10 MB "note" is refused without scanning it
        raise ReportRefusedError(f"the note is too long (at most {MAX_NOTE_CHARS} characters)")
    text = note.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _UNWANTED.sub("", text)
    text = "\n".join(line.strip() for line in text.split("\n")).strip()
    text = _BLANK_LINES.sub("\n\n", text)
    if len(text) > MAX_NOTE_CHARS:
        raise ReportRefusedError(
            f"the note is {len(text)} characters long; at most {MAX_NOTE_CHARS} are kept"
        )
    return text


def one_line(text: str) -> str:
    """Stored text for a terminal or a log: one line, no control characters (belt and
    braces: a database written by something else may hold escape sequences)."""
    return " ".join(_UNWANTED.sub(" ", text).split())


def flag_notes(kinds: Iterable[str]) -> list[str]:
    """The card notes for these flagged kinds, in the vocabulary's order and the active
    language."""
    wanted = set(kinds)
    return [_(kind.flag_note) for kind in KINDS if kind.code in wanted and kind.flag_note]


# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One problem report as stored."""

    id: int
    clinic_id: str
    kind: str
    note: str
    created_at: datetime
    status: str
    """``open``, or how it was resolved (a key of :data:`RESOLUTIONS`)."""
    resolved_at: datetime | None = None
    resolved_by: str = ""
    resolution_note: str = ""

    @property
    def kind_label(self) -> str:
        """The patient's words for the kind (the code itself if the vocabulary lost it)."""
        kind = _KIND_BY_CODE.get(self.kind)
        return kind.label if kind is not None else self.kind

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values (times in UTC, ISO 8601)."""
        return {
            "id": self.id,
            "clinic_id": self.clinic_id,
            "kind": self.kind,
            "note": self.note,
            "created_at": _iso(self.created_at),
            "status": self.status,
            "resolved_at": _iso(self.resolved_at) if self.resolved_at else None,
            "resolved_by": self.resolved_by or None,
            "resolution_note": self.resolution_note or None,
        }


@dataclass(frozen=True)
class ClinicReports:
    """The open reports about one clinic, newest first: one entry of the admin's queue."""

    clinic_id: str
    reports: tuple[Report, ...]

    @property
    def ids(self) -> tuple[int, ...]:
        """The report ids, newest first."""
        return tuple(report.id for report in self.reports)

    @property
    def newest(self) -> datetime:
        """When the newest of these reports came in."""
        return self.reports[0].created_at

    def counts(self) -> dict[str, int]:
        """How many reports of each kind, in the vocabulary's order (kinds with none left out)."""
        found: dict[str, int] = {}
        for report in self.reports:
            found[report.kind] = found.get(report.kind, 0) + 1
        ordered = {code: found.pop(code) for code in KIND_CODES if code in found}
        return {**ordered, **found}

    def counts_text(self) -> str:
        """``"The phone number is wrong: 2 · Something else: 1"``."""
        return " · ".join(f"{_label(code)}: {n}" for code, n in self.counts().items())


def _label(code: str) -> str:
    kind = _KIND_BY_CODE.get(code)
    return kind.label if kind is not None else code


def _iso(when: datetime | None) -> str:
    assert when is not None  # noqa: S101 (callers check)
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- the schema -----------------------------------------------------------------------------

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: reports, with the indexes the queue, the flags and the limits read.
    """
    CREATE TABLE reports (
        id              INTEGER PRIMARY KEY,
        clinic_id       TEXT    NOT NULL,
        kind            TEXT    NOT NULL,
        note            TEXT    NOT NULL DEFAULT '',
        session         TEXT    NOT NULL,
        created_ms      INTEGER NOT NULL,
        status          TEXT    NOT NULL DEFAULT 'open',
        resolved_ms     INTEGER,
        resolved_by     TEXT    NOT NULL DEFAULT '',
        resolution_note TEXT    NOT NULL DEFAULT ''
    );
    CREATE INDEX reports_open ON reports (status, created_ms);
    CREATE INDEX reports_session ON reports (session, created_ms);
    CREATE INDEX reports_created ON reports (created_ms);
    """,
)
"""``MIGRATIONS[n]`` takes the database from version ``n`` to ``n + 1``."""
SCHEMA_VERSION = len(MIGRATIONS)

_COLUMNS = (
    "id, clinic_id, kind, note, created_ms, status, resolved_ms, resolved_by, resolution_note"
)
# Only "?" placeholders are ever put in {marks}: values always go as parameters.
_FLAGS_SQL = (
    "SELECT clinic_id, kind FROM reports "
    "WHERE status = 'open' AND created_ms >= ? AND kind IN ({marks}) "
    "GROUP BY clinic_id, kind HAVING COUNT(DISTINCT session) >= ?"
)
_RESOLVE_SQL = (
    "UPDATE reports SET status = ?, resolved_ms = ?, resolved_by = ?, resolution_note = ? "
    "WHERE id IN ({marks})"
)

# What SQLite's error names mean for an admin, with what to do about them.
_ADVICE = {
    "SQLITE_BUSY": "it is locked by another process (a long write, or a stuck program); "
    "try again in a moment",
    "SQLITE_LOCKED": "it is locked by another process; try again in a moment",
    "SQLITE_READONLY": "the app cannot write to it: check that the file, its folder and "
    "its -wal and -shm files are writable by the app's user",
    "SQLITE_CANTOPEN": "the app cannot open or create it: check that its folder exists and "
    "is writable by the app's user",
    "SQLITE_PERM": "the app has no permission to use it: check the file's permissions",
    "SQLITE_CORRUPT": "it is damaged: stop the app, move the file (and its -wal and -shm "
    "files) aside, and restore it from the server's backups; the app makes a new, empty "
    "one if none is there",
    "SQLITE_NOTADB": "it is not a SQLite database (damaged or overwritten): move it aside "
    "and restore it from the server's backups; the app makes a new, empty one if none is "
    "there",
    "SQLITE_FULL": "the disk is full: free some space",
    "SQLITE_IOERR": "the disk refused a read or write (full or failing): check free space "
    "and the system log",
}


def _store_error(error: BaseException, path: Path) -> ReportStoreError:
    """A sqlite3 or OS error in words for an admin (the patient sees one calm sentence)."""
    name = str(getattr(error, "sqlite_errorname", "") or "")
    base = name.split("_", 2)
    family = "_".join(base[:2]) if len(base) >= 2 else name
    advice = _ADVICE.get(name) or _ADVICE.get(family)
    if advice is None and isinstance(error, OSError):
        advice = f"{error.strerror or error}"
    if advice is None:
        advice = f"SQLite said: {error}"
    return ReportStoreError(f"the problem-report database {path} cannot be used: {advice}")


# --- the store ------------------------------------------------------------------------------


def reporter_token(session: str, address: str | None, *, key: bytes, day: date) -> str:
    """What a report is stored with to tell its sender apart, and no more.

    With the visitor's ``address``: a keyed hash (HMAC-SHA256, ``key``) of the address
    (an IPv6 address by its /64) and the ``day``. Reloading the page, which makes a new
    session, is still the same sender, so one person cannot make a listing look reported
    by "two visitors", or get round the per-visitor limit, by reloading. ``key`` lives
    only in the server's memory (never stored): the token cannot be turned back into the
    address, and tokens of different days cannot be linked. Without an address: the
    session's own random ``session`` token.
    """
    if not address:
        return session
    message = f"{address_network(address)} {day.isoformat()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


class ReportStore:
    """The report database at ``path``: one short connection per call, so it is safe to
    share between threads and sessions, and any number of processes may use the file.

    ``clock`` gives the time as seconds since the epoch (tests pass their own).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        hourly_cap: int = DEFAULT_HOURLY_CAP,
        busy_timeout_seconds: float = BUSY_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.hourly_cap = hourly_cap
        self.busy_timeout_seconds = busy_timeout_seconds
        self.clock = clock

    # -- connections --

    @contextlib.contextmanager
    def _connect(self, *, create: bool = True) -> Iterator[sqlite3.Connection]:
        """An open connection with the schema in place; every failure as ReportStoreError."""
        connection: sqlite3.Connection | None = None
        try:
            if not create and not self.path.exists():
                raise FileNotFoundError(self.path)
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE below).
            connection = sqlite3.connect(
                self.path, timeout=self.busy_timeout_seconds, isolation_level=None
            )
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_seconds * 1000)}")
            # FULL: a report the patient was thanked for survives a power cut, not only a
            # killed process (reports are rare, so the extra fsync costs nothing noticeable).
            connection.execute("PRAGMA synchronous = FULL")
            self._migrate(connection)
            yield connection
        except (FileNotFoundError, ReportStoreError):
            raise
        except (sqlite3.Error, OSError) as error:
            raise _store_error(error, self.path) from None
        finally:
            if connection is not None:
                connection.close()

    def _migrate(self, connection: sqlite3.Connection) -> None:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise ReportStoreError(
                f"the problem-report database {self.path} was made by a newer version of the "
                f"app (schema {version}; this version knows {SCHEMA_VERSION}); upgrade the app"
            )
        # WAL lets readers and one writer work at once; it is a property of the file.
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            connection.execute("PRAGMA journal_mode = WAL")
        with _transaction(connection):
            # Read again under the write lock: another replica may have migrated meanwhile.
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            for step in range(version, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[step]):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {step + 1}")

    def create(self) -> None:
        """Create the database, or migrate it to this version's schema, now."""
        with self._connect():
            pass

    def signature(self) -> tuple[int, int, int, int] | None:
        """What changes whenever a report is written or resolved: the modification times
        and sizes of the database and its write-ahead log. None when there is no database.

        Cheap (two ``stat`` calls): the page keys its cached flags on it.
        """
        try:
            main = os.stat(self.path)
        except OSError:
            return None
        try:
            wal = os.stat(f"{self.path}-wal")
            wal_part = (wal.st_mtime_ns, wal.st_size)
        except OSError:
            wal_part = (0, -1)
        return (main.st_mtime_ns, main.st_size, *wal_part)

    # -- writing reports --

    def submit(
        self,
        clinic_id: str,
        kind: str,
        note: object = "",
        *,
        session: str,
        known_ids: Container[str],
    ) -> Report:
        """Save one report, after checking it and the rate limits; returns what was stored.

        Refused with :class:`ReportRefusedError` (nothing written) for a clinic id not
        in ``known_ids``, an unknown kind, a bad note or session token;
        :class:`ReportRateLimitError` past either limit. The limits are counted inside
        the write transaction, so they hold across every process using the file.
        """
        if not isinstance(clinic_id, str) or clinic_id not in known_ids:
            raise ReportRefusedError(f"there is no clinic with id {clinic_id!r}")
        kind_named(kind)
        text = clean_note(note)
        if not isinstance(session, str) or not 0 < len(session) <= MAX_SESSION_CHARS:
            raise ReportRefusedError("a report needs its session's token")
        now_ms = self._now_ms()
        with self._connect() as connection, _transaction(connection):
            recent = _count(
                connection,
                "SELECT COUNT(*) FROM reports WHERE session = ? AND created_ms > ?",
                (session, now_ms - _ms(SESSION_WINDOW)),
            )
            if recent >= SESSION_LIMIT:
                raise ReportRateLimitError(_(SESSION_LIMIT_MESSAGE))  # the patient reads it
            hourly = _count(
                connection,
                "SELECT COUNT(*) FROM reports WHERE created_ms > ?",
                (now_ms - _ms(HOURLY_WINDOW),),
            )
            if hourly >= self.hourly_cap:
                logger.warning("problem reports: the hourly cap (%d) is reached", hourly)
                raise ReportRateLimitError(_(HOURLY_LIMIT_MESSAGE))
            cursor = connection.execute(
                "INSERT INTO reports (clinic_id, kind, note, session, created_ms) "
                "VALUES (?, ?, ?, ?, ?)",
                (clinic_id, kind, text, session, now_ms),
            )
        report_id = cursor.lastrowid
        assert report_id is not None  # noqa: S101 (an INSERT always has one)
        return Report(report_id, clinic_id, kind, text, _time(now_ms), OPEN)

    # -- reading --

    def flags(self) -> dict[str, tuple[str, ...]]:
        """``{clinic_id: kinds}`` for every clinic whose card shows a note: open reports of
        a flagged kind (:data:`FLAG_KINDS`) from :data:`FLAG_MIN_SESSIONS` or more
        sessions in the last :data:`FLAG_WINDOW`. One query; no database, no flags."""
        since = self._now_ms() - _ms(FLAG_WINDOW)
        marks = ", ".join("?" for _ in FLAG_KINDS)
        try:
            with self._connect(create=False) as connection:
                rows = connection.execute(
                    _FLAGS_SQL.format(marks=marks), (since, *FLAG_KINDS, FLAG_MIN_SESSIONS)
                ).fetchall()
        except FileNotFoundError:
            return {}
        found: dict[str, list[str]] = {}
        for clinic_id, kind in rows:
            found.setdefault(str(clinic_id), []).append(str(kind))
        return {
            clinic: tuple(code for code in FLAG_KINDS if code in kinds)
            for clinic, kinds in found.items()
        }

    def open_count(self) -> int:
        """How many reports are open (0 when there is no database yet)."""
        try:
            with self._connect(create=False) as connection:
                return _count(connection, "SELECT COUNT(*) FROM reports WHERE status = 'open'")
        except FileNotFoundError:
            return 0

    def reports(self, *, include_resolved: bool = False, limit: int | None = None) -> list[Report]:
        """Reports, newest first: the open ones, or all with ``include_resolved``."""
        where = "" if include_resolved else "WHERE status = 'open'"
        tail = "" if limit is None else f" LIMIT {int(limit)}"
        sql = f"SELECT {_COLUMNS} FROM reports {where} ORDER BY created_ms DESC, id DESC{tail}"  # noqa: S608 (no input in it)
        try:
            with self._connect(create=False) as connection:
                return [_report(row) for row in connection.execute(sql)]
        except FileNotFoundError:
            return []

    def queue(self) -> list[ClinicReports]:
        """The open reports grouped by clinic; the clinic with the newest report first."""
        groups: dict[str, list[Report]] = {}
        for report in self.reports():
            groups.setdefault(report.clinic_id, []).append(report)
        return [ClinicReports(clinic, tuple(found)) for clinic, found in groups.items()]

    def get(self, ids: Iterable[int]) -> list[Report]:
        """The reports with these ids, in the order asked (unknown ids left out)."""
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            return []
        marks = ", ".join("?" for _ in wanted)
        try:
            with self._connect(create=False) as connection:
                rows = connection.execute(
                    f"SELECT {_COLUMNS} FROM reports WHERE id IN ({marks})",  # noqa: S608 (placeholders only)
                    wanted,
                ).fetchall()
        except FileNotFoundError:
            return []
        by_id = {report.id: report for report in map(_report, rows)}
        return [by_id[i] for i in wanted if i in by_id]

    # -- resolving --

    def resolve(self, ids: Sequence[int], *, action: str, who: str, note: str = "") -> list[Report]:
        """Close these open reports as ``action`` (a key of :data:`RESOLUTIONS`).

        All or nothing: an id that does not exist or is no longer open refuses the
        whole call (:class:`ReportRefusedError`), naming it. Returns the reports as
        they were before (open), in the order given.
        """
        if action not in RESOLUTIONS:
            raise ReportRefusedError(
                f"{action!r} is not a resolution (one of {', '.join(RESOLUTIONS)})"
            )
        who_clean = history.clean_who(who)
        if not who_clean:
            raise ReportRefusedError("a resolution must name the admin making it")
        note_clean = clean_resolution_note(note)
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            raise ReportRefusedError("no report ids given")
        marks = ", ".join("?" for _ in wanted)
        now_ms = self._now_ms()
        try:
            with self._connect(create=False) as connection, _transaction(connection):
                rows = connection.execute(
                    f"SELECT {_COLUMNS} FROM reports WHERE id IN ({marks})",  # noqa: S608 (placeholders only)
                    wanted,
                ).fetchall()
                found = {report.id: report for report in map(_report, rows)}
                _refuse_unresolvable(wanted, found)
                connection.execute(
                    _RESOLVE_SQL.format(marks=marks),
                    (action, now_ms, who_clean, note_clean, *wanted),
                )
        except FileNotFoundError:
            raise ReportRefusedError(
                f"there are no problem reports yet ({self.path} does not exist)"
            ) from None
        return [found[i] for i in wanted]

    def _now_ms(self) -> int:
        return round(self.clock() * 1000)


def clean_resolution_note(note: object) -> str:
    """An admin's note on a resolution: one line of text, bounded."""
    if note is None:
        return ""
    if not isinstance(note, str):
        raise ReportRefusedError("a note must be text")
    text = " ".join(_UNWANTED.sub(" ", note[: 4 * MAX_RESOLUTION_NOTE_CHARS]).split())
    return text[:MAX_RESOLUTION_NOTE_CHARS]


def _refuse_unresolvable(wanted: list[int], found: Mapping[int, Report]) -> None:
    missing = [i for i in wanted if i not in found]
    closed = [i for i in wanted if i in found and found[i].status != OPEN]
    problems = []
    if missing:
        problems.append("no report with id " + ", ".join(map(str, missing[:10])))
    if closed:
        problems.append("already resolved: " + ", ".join(map(str, closed[:10])))
    if problems:
        raise ReportRefusedError("; ".join(problems) + "; nothing was changed")


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """A write transaction that takes the write lock at once (so counts read in it hold)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        # A failed ROLLBACK (the disk is gone) must not hide the error that caused it;
        # SQLite rolls back an unfinished transaction itself when the connection closes.
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def _count(connection: sqlite3.Connection, sql: str, params: Sequence[object] = ()) -> int:
    return int(connection.execute(sql, params).fetchone()[0])


def _ms(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _report(row: Sequence[Any]) -> Report:
    ident, clinic, kind, note, created, status, resolved, by, resolution = row
    return Report(
        int(ident),
        str(clinic),
        str(kind),
        str(note),
        _time(int(created)),
        str(status),
        _time(int(resolved)) if resolved is not None else None,
        str(by or ""),
        str(resolution or ""),
    )


# --- resolving as a workflow: the listing, the reports, the audit log ------------------------

AUDIT_ACTION = "resolve-reports"


@dataclass(frozen=True)
class Resolution:
    """What resolving some reports did."""

    reports: list[Report]
    """The reports that were closed (as they were while open)."""
    action: str
    verify: storage.SaveResult | None = None
    """The save that marked the listings verified (``action == "verified"`` only)."""

    @property
    def clinic_ids(self) -> list[str]:
        """The clinics these reports were about, in first-seen order."""
        return list(dict.fromkeys(report.clinic_id for report in self.reports))


def resolve_reports(
    data_path: Path,
    store: ReportStore,
    ids: Sequence[int],
    *,
    action: str,
    who: str,
    note: str = "",
    today: date,
    based_on: str | None = None,
) -> Resolution:
    """Resolve reports the way the admin page and ``python -m directory reports resolve`` do.

    ``verified`` first marks the clinics verified today in the data file (the
    validated, backed-up, audited save of :func:`directory.admin.mark_verified`,
    ``based_on`` the hash the admin saw); if that save is refused, no report is
    closed. Then the reports are closed, and one line goes to the data file's audit
    log naming the admin, the resolution and the report and clinic ids (never a
    patient's note).
    """
    if action not in RESOLUTIONS:
        raise ReportRefusedError(
            f"{action!r} is not a resolution (one of {', '.join(RESOLUTIONS)})"
        )
    pending = store.get(ids)
    _refuse_unresolvable(list(dict.fromkeys(int(i) for i in ids)), {r.id: r for r in pending})
    saved = None
    if action == "verified":
        clinics = list(dict.fromkeys(report.clinic_id for report in pending))
        saved = admin.mark_verified(data_path, clinics, who=who, based_on=based_on, today=today)
    try:
        closed = store.resolve([report.id for report in pending], action=action, who=who, note=note)
    except (ReportStoreError, ReportRefusedError) as error:
        if saved is None:
            raise
        # The save above stands: say so, or the admin would think nothing changed.
        raise type(error)(
            f"The listings were marked verified and saved, but the reports could not be "
            f"closed: {error}"
        ) from error
    resolution = Resolution(closed, action, saved)
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "who": history.clean_who(who),
        "action": AUDIT_ACTION,
        "file": Path(os.path.realpath(data_path)).name,
        "resolution": action,
        "reports": [report.id for report in closed][: history.MAX_IDS_LOGGED],
        "clinics": resolution.clinic_ids[: history.MAX_IDS_LOGGED],
        "report_count": len(closed),
        "with_note": bool(clean_resolution_note(note)),
    }
    try:
        storage.append_audit_entry(data_path, entry)
    except OSError as error:  # SaveError is an OSError
        # The reports are closed; failing now would be a lie. The log says what went missing.
        logger.error("resolved reports %s but could not write the audit log: %s", ids, error)
    return resolution
