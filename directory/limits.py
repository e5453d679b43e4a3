"""The hard limits on every data file, and the one way a data file is read from disk.

Each limit is checked before any heavy work and gives one error line saying where,
what was wrong and what is allowed (the wording lives here, once):

* the file's size: at most :func:`max_file_bytes` (64 MB unless
  ``CLINIC_FINDER_MAX_FILE_MB`` says otherwise), checked from ``fstat`` before a byte
  is read, and reading stops one byte past the limit whatever ``fstat`` said;
* only regular files are opened: a FIFO, a device (``/dev/zero``), a socket or a
  folder is refused, also through a symlink, and the open itself cannot block;
* the header: at most :data:`MAX_COLUMNS` columns, checked before any column is read;
* a cell: at most :data:`MAX_CELL_CHARS` characters.

Uploads on the admin page are also capped by Streamlit's ``server.maxUploadSize``
(``.streamlit/config.toml``) before they reach the app; their bytes then meet the same
size limit here, so nothing can be saved that the loader would refuse to read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from directory.errors import ConfigError, DataFileError

MAX_FILE_MB_ENV = "CLINIC_FINDER_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 64
"""Room for 100k listings (a synthetic 100k-row file is about 51 MB)."""
_BYTES_PER_MB = 1024 * 1024  # Streamlit's server.maxUploadSize counts MB the same way

MAX_COLUMNS = 200
"""Columns in the header: the format has 26; the rest is room for an admin's own."""
MAX_CELL_CHARS = 2000
"""Characters in one cell: a long note fits; a runaway quote or a pasted page does not."""

_READ_CHUNK = 1024 * 1024


def max_file_bytes(environ: Mapping[str, str] = os.environ) -> int:
    """The largest data file accepted, in bytes (``CLINIC_FINDER_MAX_FILE_MB``, default 64).

    Raises :class:`~directory.errors.ConfigError` for a setting that is not a whole
    number of MB from 1 up.
    """
    text = environ.get(MAX_FILE_MB_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_FILE_MB * _BYTES_PER_MB
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ConfigError(
            f"{MAX_FILE_MB_ENV}={text!r} is not a size; use a whole number of MB such as "
            f"{DEFAULT_MAX_FILE_MB}"
        )
    return int(text) * _BYTES_PER_MB


def file_too_large(size: int, limit: int) -> str:
    """The one wording of the size limit (``size`` may be a lower bound: "over N")."""
    return (
        f"is {_megabytes(size)} ({size:,} bytes); the largest data file accepted is "
        f"{_megabytes(limit)} (set {MAX_FILE_MB_ENV} to change it)"
    )


def _megabytes(size: int) -> str:
    value = size / _BYTES_PER_MB
    return f"{value:.0f} MB" if value.is_integer() else f"{value:.1f} MB"


def too_many_columns(count: int) -> str:
    """The one wording of the header width limit."""
    return (
        f"the header has {count:,} columns; at most {MAX_COLUMNS} are allowed (delete "
        "unused columns, including empty ones at the right of the sheet)"
    )


def cell_too_long(length: int) -> str:
    """The one wording of the cell length limit."""
    return (
        f"this cell is {length:,} characters long; at most {MAX_CELL_CHARS:,} are allowed "
        "(check for a missing closing quote, or shorten the text)"
    )


def read_file(path: str | Path, *, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (default :func:`max_file_bytes`).

    Raises :class:`~directory.errors.DataFileError` in plain words when the file is
    missing, not a regular file, unreadable or too large. The path is checked with
    ``stat`` before opening (so a device is never opened), opened with ``O_NONBLOCK``
    (so a FIFO swapped in meanwhile cannot hang the open) and checked again with
    ``fstat`` on what was really opened; at most ``max_bytes + 1`` bytes are read.
    """
    target = Path(path)
    try:
        limit = max_file_bytes() if max_bytes is None else max_bytes
    except ConfigError as error:  # one line where the file is named, as for the others
        raise DataFileError(f"{target}: cannot be read: {error}") from None
    try:
        _require_regular(target, os.stat(target), limit)
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        raise unreadable_file_error(target, error) from None
    try:
        _require_regular(target, os.fstat(fd), limit)
        os.set_blocking(fd, True)  # a regular file: reads never wait on anyone
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise unreadable_file_error(target, error) from None
    finally:
        os.close(fd)
    if size > limit:  # it grew after fstat, or fstat under-reports (as /proc files do)
        raise DataFileError(f"{target}: {file_too_large(size, limit)}")
    return b"".join(chunks)


def _require_regular(path: Path, status: os.stat_result, limit: int) -> None:
    mode = status.st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
    if not stat.S_ISREG(mode):
        raise DataFileError(
            f"{path}: is {_file_kind(mode)}, not a regular file; only a regular CSV file "
            "can be read"
        )
    if status.st_size > limit:
        raise DataFileError(f"{path}: {file_too_large(status.st_size, limit)}")


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "a special file"


def unreadable_file_error(path: Path, error: OSError) -> DataFileError:
    """The :class:`DataFileError` for a data file that could not be read, in plain words."""
    if isinstance(error, DataFileError):
        return error
    if isinstance(error, FileNotFoundError):
        return DataFileError(f"{path}: no such file")
    if isinstance(error, IsADirectoryError):
        return DataFileError(f"{path}: is a folder, not a CSV file")
    if isinstance(error, PermissionError):
        return DataFileError(f"{path}: permission denied")
    return DataFileError(f"{path}: cannot be read ({error.strerror or error})")
