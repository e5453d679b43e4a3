"""Safe saves of the clinic CSV, shared by the admin page and the command line.

Every save goes the same way, so a crash, a full disk or two admins at once
can never leave a half-written or mixed file:

1. validate with :func:`~directory.dataset.parse_clinics` (the validator of
   ``python -m directory validate``) and refuse invalid data;
2. take an OS lock (``flock`` on ``<data>.lock``, through ``filelock``), which
   the kernel drops when the process dies, so a killed writer never blocks
   the next one;
3. with ``based_on_sha256``, refuse if someone else saved in the meantime;
4. copy the current file to ``backups/`` beside it (the last 30 are kept);
5. write a temporary file in the same folder, fsync it, ``os.replace`` it
   over the data file and fsync the folder: readers, and a crash at any
   instant, see the old file or the new one, whole;
6. append one JSON line to ``audit.log`` beside the data file.

What is written is :func:`~directory.csvfile.write_csv_text` of the validated
table: one canonical UTF-8 form, with unknown columns and the order of
columns and rows kept. Backups and the audit log are read through
:mod:`directory.history`, table edits live in :mod:`directory.edits`; both are
re-exported here so callers need one import.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from filelock import FileLock, Timeout

from directory import history
from directory.changes import ClinicChanges, diff_tables
from directory.csvfile import read_written, write_csv_text
from directory.dataset import LoadedClinics, parse_clinics, read_data_file
from directory.edits import CoordinateFill, fill_coordinates, mark_verified
from directory.errors import (
    DataConflictError,
    DataFileError,
    InvalidDataError,
    QueryError,
    SaveError,
)
from directory.history import Backup, file_sha256, list_backups, read_audit_log
from directory.report import ValidationReport

__all__ = [
    "Backup",
    "CoordinateFill",
    "SaveResult",
    "append_audit_entry",
    "file_sha256",
    "fill_coordinates",
    "list_backups",
    "mark_verified",
    "read_audit_log",
    "save_clinics",
    "save_loaded",
]

logger = logging.getLogger(__name__)

CONFLICT_MESSAGE = "someone else changed the data since you opened it; nothing was saved"
BUSY_MESSAGE = "another save is in progress; try again"
_NEW_FILE_MODE = 0o644


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the file, its report and changes, the backup made and the audit line."""

    path: Path
    report: ValidationReport
    changes: ClinicChanges
    backup: Path | None
    sha256: str
    audit: dict[str, Any]


def save_clinics(
    path: Path,
    new: pd.DataFrame | str | bytes,
    *,
    who: str,
    action: str = "save",
    based_on_sha256: str | None = None,
    today: date | None = None,
    lock_timeout_seconds: float = 10.0,
) -> SaveResult:
    """Validate ``new`` and, if it is valid, make it the data file at ``path``, safely.

    ``new`` is a table (as the admin page edits it; derived ``_`` columns are
    dropped) or the bytes/text of a CSV file (any encoding and delimiter the
    validator reads). ``who`` is the admin's name for the audit log.

    Raises :class:`InvalidDataError` (an :class:`InvalidDataError` with
    ``report``) for invalid data, :class:`DataConflictError` when
    ``based_on_sha256`` is given and the file no longer has that hash, and
    :class:`SaveError` when the lock is busy past ``lock_timeout_seconds`` or
    the disk refuses the write. In every one of these cases nothing was
    changed. Saving content identical to the file writes nothing and logs
    nothing (``backup`` is None and ``audit["written"]`` is False).
    """
    source = write_csv_text(new) if isinstance(new, pd.DataFrame) else new
    loaded = parse_clinics(source, today=today)
    return save_loaded(
        path,
        loaded,
        who=who,
        action=action,
        based_on_sha256=based_on_sha256,
        today=today,
        lock_timeout_seconds=lock_timeout_seconds,
    )


def save_loaded(
    path: Path,
    loaded: LoadedClinics,
    *,
    who: str,
    action: str = "save",
    based_on_sha256: str | None = None,
    today: date | None = None,
    lock_timeout_seconds: float = 10.0,
    current: tuple[str, pd.DataFrame] | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> SaveResult:
    """:func:`save_clinics` for data the caller has already parsed (and shown).

    ``current`` is ``(sha256, table)`` of the data file as the caller loaded it:
    if the file still has that hash, its table is reused for the diff instead
    of being parsed again (a second or more for 100k rows). ``audit_extra``
    adds keys to the audit line.
    """
    if not loaded.report.valid:
        raise InvalidDataError(
            f"the data has errors, so nothing was saved ({loaded.report.summary()})",
            loaded.report,
        )
    who_logged = history.clean_who(who)
    if not who_logged:
        raise QueryError("who must name the admin (or the OS user) making the change")
    content = write_csv_text(loaded.table).encode("utf-8")
    new_sha = hashlib.sha256(content).hexdigest()
    path = Path(os.path.realpath(path))  # one lock and one history per real file
    with _locked(path, lock_timeout_seconds):
        history.remove_stale_temp_files(path)
        old = _read_current(path)
        old_sha = hashlib.sha256(old).hexdigest() if old is not None else None
        if based_on_sha256 is not None and based_on_sha256 != old_sha:
            raise DataConflictError(
                CONFLICT_MESSAGE, _conflict_changes(path, based_on_sha256, old, loaded, today)
            )
        changes = diff_tables(
            _current_table(path, old, old_sha, current, loaded, today), loaded.table
        )
        unchanged = old == content
        backup: Path | None = None
        if not unchanged:
            backup = _replace_with_backup(path, old, content)
        entry = history.audit_entry(
            path,
            when=datetime.now(UTC),
            who=who_logged,
            action=action,
            changes=changes,
            sha256_old=old_sha,
            sha256_new=new_sha,
            backup=backup,
            extra={**(audit_extra or {}), **({"written": False} if unchanged else {})},
        )
        if not unchanged:
            try:
                history.append_audit(path, entry)
            except OSError as error:
                # The data is saved and backed up; failing the save now would be a lie.
                logger.error("saved %s but could not append to the audit log: %s", path, error)
            with contextlib.suppress(OSError):
                history.prune_backups(path)
    return SaveResult(path, loaded.report, changes, backup, new_sha, entry)


def append_audit_entry(
    path: Path, entry: dict[str, Any], *, lock_timeout_seconds: float = 10.0
) -> None:
    """Append one line to the data file's audit log for a change made beside the data
    (problem reports resolved), under the data file's lock so it never interleaves with
    a save's line. Raises :class:`SaveError` if the lock is busy or the log cannot be
    written."""
    path = Path(os.path.realpath(path))
    with _locked(path, lock_timeout_seconds):
        try:
            history.append_audit(path, entry)
        except OSError as error:
            raise _save_error(error, path, "could not write the audit log of") from None


# --- the steps of a save ------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path, timeout: float) -> Iterator[None]:
    # fallback_to_soft=False: on a filesystem without flock, filelock would otherwise
    # switch to a lock *file*, which a killed process leaves behind, blocking every save.
    lock = FileLock(str(_lock_path(path)), timeout=timeout, fallback_to_soft=False)
    try:
        lock.acquire()
    except Timeout:
        raise SaveError(BUSY_MESSAGE) from None
    except OSError as error:
        raise _save_error(error, path, "could not lock") from None
    try:
        yield
    finally:
        lock.release()


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _read_current(path: Path) -> bytes | None:
    """The data file's bytes (through the one capped, non-blocking read); None if absent."""
    try:
        return read_data_file(path)
    except DataFileError:
        if not os.path.exists(path):
            return None
        raise


def _current_table(
    path: Path,
    old: bytes | None,
    old_sha: str | None,
    current: tuple[str, pd.DataFrame] | None,
    loaded: LoadedClinics,
    today: date | None,
) -> pd.DataFrame:
    """The current file as a table to diff against, as cheaply as it can be had exactly.

    The caller's copy if it still matches; then, if the file is the very file
    our last save wrote (the audit log's last ``sha256_new``), its cells as
    read, since what we write is already normalised; a full validation (four
    times slower at 100k rows) only for a file someone wrote by other means.
    """
    if not old or old_sha is None:
        return loaded.table.head(0)
    if current is not None and current[0] == old_sha:
        return current[1]
    last = history.read_audit_log(path, limit=1)
    if last and last[0].get("sha256_new") == old_sha:
        written = _read_cells(old, like=loaded.table)
        if written is not None:
            return written
    return parse_clinics(old, today=today).table


def _read_cells(content: bytes, *, like: pd.DataFrame) -> pd.DataFrame | None:
    """A CSV we wrote, as strings, with the columns ``like`` holds as floats read as floats
    (so they compare as numbers); None if it does not read back cleanly."""
    try:
        cells = read_written(content.decode("utf-8"))
    except UnicodeDecodeError:
        return None
    if cells is None:
        return None
    for column in cells.columns:
        if column in like.columns and pd.api.types.is_float_dtype(like[column].dtype):
            text = cells[column]
            numbers = pd.to_numeric(text, errors="coerce")
            if not np.array_equal(numbers.isna().to_numpy(bool), text.eq("").to_numpy(bool)):
                return None  # text where a number belongs: not a file we wrote
            cells[column] = numbers.astype(np.float64)
    return cells


def _file_mode(path: Path) -> int:
    # mkstemp creates files 0600; keep the data file readable by whoever could read it before.
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return _NEW_FILE_MODE


def _replace_with_backup(path: Path, old: bytes | None, content: bytes) -> Path | None:
    """Back up ``old`` (if there is a file), then put ``content`` in place; the backup's path.

    Any failure leaves the data file as it was and no new backup behind, and
    becomes one :class:`SaveError` that names the data file.
    """
    mode = _file_mode(path)
    backup: Path | None = None
    try:
        if old is not None:
            history.backups_folder(path).mkdir(exist_ok=True)
            backup = history.new_backup_path(path, datetime.now(UTC))
            _write_atomically(backup, old, mode)
        _write_atomically(path, content, mode)
    except BaseException as error:
        if backup is not None:  # nothing changed, so no backup of it either
            with contextlib.suppress(OSError):
                backup.unlink()
        if isinstance(error, OSError):
            raise _save_error(error, path, "could not save") from error
        raise
    return backup


def _write_atomically(target: Path, content: bytes, mode: int) -> None:
    """Temp file in the same folder, fsync, rename over ``target``, fsync the folder.

    On any failure the temporary file is removed and ``target`` is untouched.
    """
    folder = target.parent
    fd, temp_name = tempfile.mkstemp(
        dir=folder, prefix=f".{target.name}.", suffix=history.TEMP_SUFFIX
    )
    try:
        try:
            _write_all(fd, content)
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a crash after it must not bring the old name back)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder; the rename itself is still atomic
    finally:
        os.close(fd)


def _write_all(fd: int, content: bytes) -> None:
    """``os.write`` until everything is written (it may write less than asked)."""
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view) :]


def _save_error(error: OSError, path: Path, doing: str) -> SaveError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return SaveError(f"the disk is full, so {path.name} was not saved; nothing was changed")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        where = Path(error.filename).parent if error.filename else path.parent
        return SaveError(f"{doing} {path}: no permission to write in {where}; nothing was changed")
    reason = error.strerror or str(error)
    return SaveError(f"{doing} {path} ({reason}); nothing was changed")


def _conflict_changes(
    path: Path, based_on: str, current: bytes | None, loaded: LoadedClinics, today: date | None
) -> str:
    """The conflict, for people.

    What others changed since ``based_on``, when a backup with that hash is
    kept (the usual case: the other save backed it up); otherwise what saving
    would have changed in the current file.
    """
    if current is None:
        return f"{path.name} has been deleted since you opened it."
    current_sha = hashlib.sha256(current).hexdigest()
    current_table = _current_table(path, current, current_sha, None, loaded, today)
    base = history.find_backup_with_sha256(path, based_on)
    if base is not None:
        base_table = parse_clinics(read_data_file(base), today=today).table
        changes = diff_tables(base_table, current_table)
        return "Changes made by others since you opened it:\n" + changes.to_text(limit=200)
    changes = diff_tables(current_table, loaded.table)
    return "Your version compared with the current file:\n" + changes.to_text(limit=200)
