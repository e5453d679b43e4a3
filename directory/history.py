"""The history of the data file: its backups and its audit log.

Both live beside the data file: ``backups/<stem>-<UTC time>[-<n>]<suffix>``
(e.g. ``data/backups/clinics-20261120T143000Z.csv``) and ``audit.log``, one
JSON object per line. Only :mod:`directory.storage` writes them, while holding
the data file's lock; anything here may be read at any time.

The audit log says who changed what and when, never *values*: no searched
places, no passwords, only clinic ids, column names, counts and hashes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from directory.changes import ClinicChanges
from directory.dataset import read_data_file
from directory.errors import DataFileError

BACKUPS_FOLDER = "backups"
AUDIT_LOG_NAME = "audit.log"
KEEP_BACKUPS = 30
MAX_IDS_LOGGED = 1000
"""Per list in an audit line: a 100k-row import must not write a 5 MB line."""
MAX_WHO_CHARS = 100
TEMP_SUFFIX = ".tmp"
_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_STAMP = r"\d{8}T\d{6}Z"
_MKSTEMP_PART = r"\.[a-z0-9_]{8}"  # what tempfile.mkstemp puts between prefix and suffix
_TAIL_BLOCK = 64 * 1024


@dataclass(frozen=True)
class Backup:
    """One copy of an earlier version of the data file.

    ``rows`` is how many clinics it held, from the audit line of the save that
    made it (None if that line is missing).
    """

    path: Path
    created_utc: datetime
    rows: int | None


def backups_folder(path: Path) -> Path:
    return path.parent / BACKUPS_FOLDER


def audit_log_path(path: Path) -> Path:
    return path.parent / AUDIT_LOG_NAME


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex; :class:`DataFileError` if it cannot be read."""
    return hashlib.sha256(read_data_file(path)).hexdigest()


# --- backups ------------------------------------------------------------------------------


def _backup_pattern(path: Path) -> re.Pattern[str]:
    return re.compile(
        rf"^{re.escape(path.stem)}-(?P<stamp>{_STAMP})(?:-(?P<n>[1-9]\d*))?"
        rf"{re.escape(path.suffix)}$"
    )


def new_backup_path(path: Path, now: datetime) -> Path:
    """A free name for a backup made at ``now``, with ``-2``, ``-3``... if the second is taken."""
    folder = backups_folder(path)
    stamp = now.astimezone(UTC).strftime(_STAMP_FORMAT)
    counter = 1
    while True:
        tail = "" if counter == 1 else f"-{counter}"
        candidate = folder / f"{path.stem}-{stamp}{tail}{path.suffix}"
        if not candidate.exists():
            return candidate
        counter += 1


def _backups_oldest_first(path: Path) -> list[tuple[datetime, int, Path]]:
    folder = backups_folder(path)
    pattern = _backup_pattern(path)
    found: list[tuple[datetime, int, Path]] = []
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as error:
        raise DataFileError(f"{folder}: cannot be listed ({error.strerror or error})") from None
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        created = datetime.strptime(match["stamp"], _STAMP_FORMAT).replace(tzinfo=UTC)
        found.append((created, int(match["n"] or 1), Path(entry.path)))
    found.sort(key=lambda item: (item[0], item[1]))
    return found


def list_backups(path: Path) -> list[Backup]:
    """The backups of the data file at ``path``, newest first."""
    path = Path(os.path.realpath(path))
    rows_by_name: dict[str, int] = {}
    for entry in read_audit_log(path, limit=10 * KEEP_BACKUPS):
        name, rows = entry.get("backup"), entry.get("rows_before")
        if isinstance(name, str) and isinstance(rows, int):
            rows_by_name.setdefault(name, rows)
    return [
        Backup(backup, created, rows_by_name.get(backup.name))
        for created, _, backup in reversed(_backups_oldest_first(path))
    ]


def prune_backups(path: Path, keep: int = KEEP_BACKUPS) -> list[Path]:
    """Delete all but the ``keep`` newest backups; returns what was deleted."""
    backups = _backups_oldest_first(path)
    doomed = [backup for _, _, backup in backups[: max(len(backups) - keep, 0)]]
    for backup in doomed:
        with contextlib.suppress(FileNotFoundError):
            backup.unlink()
    return doomed


def resolve_backup(path: Path, backup: Path) -> Path:
    """``backup`` as a real backup of ``path``; refuses any other file.

    Restoring reads the file and writes it over the data, so a path that
    escapes the backups folder (``../secrets.csv``, a symlink) is refused.
    """
    folder = Path(os.path.realpath(backups_folder(path)))
    candidate = Path(os.path.realpath(backup))
    if candidate.parent != folder or not _backup_pattern(path).match(candidate.name):
        raise DataFileError(
            f"{backup} is not a backup of {path.name}; backups are the files in {folder} "
            "(list them with: python -m directory backups)"
        )
    if not candidate.is_file():
        raise DataFileError(f"{backup}: no such backup")
    return candidate


def remove_stale_temp_files(path: Path) -> None:
    """Delete temporary files a killed save left behind (caller holds the data file's lock).

    Only names our own saves create are touched: ``.<data name>.<random>.tmp``
    beside the data file and ``.<backup name>.<random>.tmp`` in the backups folder.
    """
    suffix = re.escape(TEMP_SUFFIX)
    patterns = (
        (path.parent, re.compile(rf"^\.{re.escape(path.name)}{_MKSTEMP_PART}{suffix}$")),
        (
            backups_folder(path),
            re.compile(
                rf"^\.{re.escape(path.stem)}-{_STAMP}(?:-\d+)?{re.escape(path.suffix)}"
                rf"{_MKSTEMP_PART}{suffix}$"
            ),
        ),
    )
    for folder, pattern in patterns:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if pattern.match(name):
                with contextlib.suppress(OSError):
                    os.unlink(folder / name)


def find_backup_with_sha256(path: Path, sha256: str) -> Path | None:
    """The newest backup whose bytes hash to ``sha256``, if one is kept."""
    for _, _, backup in reversed(_backups_oldest_first(path)):
        with contextlib.suppress(DataFileError):
            if file_sha256(backup) == sha256:
                return backup
    return None


# --- audit log ----------------------------------------------------------------------------


def clean_who(who: str) -> str:
    """The admin name for the log: one line, trimmed and bounded."""
    return " ".join(str(who).split())[:MAX_WHO_CHARS]


def audit_entry(
    path: Path,
    *,
    when: datetime,
    who: str,
    action: str,
    changes: ClinicChanges,
    sha256_old: str | None,
    sha256_new: str,
    backup: Path | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON object logged for one save (ids and counts, never cell values)."""
    changed_columns = {
        clinic: sorted({change.column for change in fields})
        for clinic, fields in list(changes.changed.items())[:MAX_IDS_LOGGED]
    }
    what: dict[str, Any] = {
        "added": changes.added[:MAX_IDS_LOGGED],
        "removed": changes.removed[:MAX_IDS_LOGGED],
        "changed": changed_columns,
        "added_count": len(changes.added),
        "removed_count": len(changes.removed),
        "changed_count": len(changes.changed),
        "columns_added": changes.columns_added,
        "columns_removed": changes.columns_removed,
        "truncated": max(len(changes.added), len(changes.removed), len(changes.changed))
        > MAX_IDS_LOGGED,
    }
    entry: dict[str, Any] = {
        "time": when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "who": clean_who(who),
        "action": action,
        "file": path.name,
        "what": what,
        "rows_before": changes.rows_before,
        "rows_after": changes.rows_after,
        "sha256_old": sha256_old,
        "sha256_new": sha256_new,
        "backup": backup.name if backup is not None else None,
    }
    entry.update(extra or {})
    return entry


def append_audit(path: Path, entry: dict[str, Any]) -> None:
    """Append one line to the audit log, durably (caller holds the data file's lock)."""
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(audit_log_path(path), flags, 0o644)
    try:
        size = os.fstat(fd).st_size
        # A writer killed mid-line leaves no newline; start ours on a fresh line so
        # only the torn line is lost, not ours too.
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def read_audit_log(path: Path, limit: int = 200) -> list[dict[str, Any]]:
    """The last ``limit`` audit entries for the data file at ``path``, newest first.

    Lines that are not JSON objects (a write torn by a crash, a hand edit) are
    skipped. Entries about other data files sharing the folder are left out.
    """
    path = Path(os.path.realpath(path))
    if limit <= 0:
        return []
    try:
        lines = _tail_lines(audit_log_path(path), limit)
    except FileNotFoundError:
        return []
    except OSError as error:
        raise DataFileError(
            f"{audit_log_path(path)}: cannot be read ({error.strerror or error})"
        ) from None
    entries: list[dict[str, Any]] = []
    for raw in reversed(lines):
        try:
            entry = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(entry, dict) and entry.get("file", path.name) == path.name:
            entries.append(entry)
            if len(entries) >= limit:
                break
    return entries


def _tail_lines(log: Path, wanted: int) -> list[bytes]:
    """The last non-empty lines of the log (about four times ``wanted``), oldest first.

    Reads backwards in blocks, so a long-lived log is not read whole for the
    last 200 entries. The margin leaves room for torn lines and entries about
    other data files in the same folder, which the caller skips.
    """
    with open(log, "rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        position, data = end, b""
        while position > 0:
            step = min(_TAIL_BLOCK, position)
            position -= step
            handle.seek(position)
            data = handle.read(step) + data
            # Over-read generously: other files' entries and torn lines are filtered later.
            if data.count(b"\n") > 4 * wanted + 8:
                break
    lines = data.split(b"\n")
    if position > 0:
        lines = lines[1:]  # the first piece may be the tail of a longer line
    return [line for line in lines if line.strip()]
