"""One error hierarchy for the whole package.

Every error the package raises on purpose derives from :class:`DirectoryError`
and also from the matching built-in (``ValueError``, ``OSError``), in the style
of ``geopy.exc``. The CLI and the app catch :class:`DirectoryError` once and
show ``str(error)``, which is always a sentence written for the person using
the tool, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from directory.report import ValidationReport


class DirectoryError(Exception):
    """Root of every error this package raises deliberately."""


class DataFileError(DirectoryError, OSError):
    """A data file cannot be opened or read at all (missing, a folder, no permission)."""


class InvalidDataError(DirectoryError, ValueError):
    """Data failed validation, so it was not saved or used; ``report`` says why."""

    def __init__(self, message: str, report: ValidationReport | None = None) -> None:
        super().__init__(message)
        self.report = report


class PlaceError(DirectoryError, ValueError):
    """A typed place could not be turned into a location."""


class PlaceNotFoundError(PlaceError):
    """Nothing in the gazetteer matches the typed place."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.suggestions = list(suggestions)


class AmbiguousPlaceError(PlaceError):
    """The typed place matches several locations (``Springfield`` without a state)."""

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


class QueryError(DirectoryError, ValueError):
    """A search filter or parameter has a value that is not allowed."""


class DataConflictError(DirectoryError):
    """The data file changed since the edit being saved was based on it; nothing was written."""

    def __init__(self, message: str, changes: str = "") -> None:
        super().__init__(message)
        self.changes = changes


class SaveError(DirectoryError, OSError):
    """A save failed part-way (disk full, permissions); the original file is untouched."""


class ConfigError(DirectoryError, ValueError):
    """An operator setting (environment variable, secrets) has a value that cannot be used."""


class ReportRefusedError(DirectoryError, ValueError):
    """A problem report was not saved because of what it says (an unknown clinic, a bad kind,
    an over-long note) or because a rate limit was reached; nothing was written."""


class ReportRateLimitError(ReportRefusedError):
    """Too many problem reports from one session, or from everyone, in a short time."""


class ReportStoreError(DirectoryError, OSError):
    """The problem-report database cannot be used (locked, read-only, damaged, disk full).

    The message says what is wrong and what to do, for an admin; patients are told only
    that their report could not be saved (:func:`directory.ui.common.user_message`).
    """
