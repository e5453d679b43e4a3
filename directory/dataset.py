"""Read, normalise and validate the clinic CSV.

``load_clinics(path)`` is the one way in: it never raises for bad *content* (that goes
in the report, with line and column) and raises :class:`~directory.errors.DataFileError`
only when the file cannot be opened. The work is done in three steps:

1. :mod:`directory.csvfile` turns the file's bytes into a table of cells;
2. :mod:`directory.normalisers` reads every column from those cells into a new,
   normalised table, noting which cells could not be read (phase 1, pure);
3. the rules of :mod:`directory.rules` each look at that result and return what they
   found (phase 2, pure, in any order); this module adds it all to the report.

Both phases work column by column over the whole table (pandas, and each distinct cell
value parsed once), so 100k rows validate in well under the 3 s budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from directory import csvfile, limits, schema
from directory.errors import ConfigError
from directory.limits import unreadable_file_error as unreadable_file_error
from directory.locations import COORDINATE_TOLERANCE_MILES as COORDINATE_TOLERANCE_MILES
from directory.normalisers import normalise
from directory.report import Checker, ValidationReport
from directory.rules import RULES, Rule


@dataclass
class LoadedClinics:
    """The normalised table and what was found wrong with it.

    ``table`` holds one row per CSV record: every column of the file (schema
    columns normalised, unknown columns untouched, in file order), then any
    schema columns the file lacked, then derived columns starting with ``_``
    (``_line``, ``_lat``, ``_lon``, ``_coordinates_approximate``, ``_has_error``)
    that are never written back.
    """

    table: pd.DataFrame
    report: ValidationReport

    def usable(self) -> pd.DataFrame:
        """The rows the search may show patients: those without any error.

        None at all when the header or the file as a whole has an error (a required
        column missing, say): then no row can be trusted.
        """
        if self.report.has_file_errors:
            return self.table.iloc[:0]
        has_error = self.table[schema.HAS_ERROR].to_numpy(dtype=bool)
        return self.table[~has_error] if has_error.any() else self.table


def load_clinics(path: str | Path, *, today: date | None = None) -> LoadedClinics:
    """Read and validate a clinic CSV file.

    Raises :class:`DataFileError` when the file cannot be read at all; every
    problem with its content is reported in ``result.report`` instead.
    """
    return parse_clinics(read_data_file(path), today=today)


def read_data_file(path: str | Path) -> bytes:
    """The bytes of a data file, or a :class:`DataFileError` saying why not.

    Only a regular file within the size limit is read, with an open that cannot
    block (see :func:`directory.limits.read_file`).
    """
    return limits.read_file(path)


def parse_clinics(data: bytes | str, *, today: date | None = None) -> LoadedClinics:
    """Validate CSV content given as bytes (any encoding we can detect) or text."""
    report = ValidationReport()
    # The same size limit as a file read from disk, so an upload or an edit that is
    # saved can always be read back (text counts as its UTF-8 bytes, as it is saved).
    size = len(data) if isinstance(data, bytes) else _utf8_length(data)
    try:
        limit = limits.max_file_bytes()
    except ConfigError as error:
        report.error(None, None, None, f"the file cannot be checked: {error}")
        return LoadedClinics(csvfile.empty_table(), report)
    if size > limit:
        report.error(None, None, None, "the file " + limits.file_too_large(size, limit))
        return LoadedClinics(csvfile.empty_table(), report)
    cells = csvfile.read_table(data, report)
    if cells is None:
        return LoadedClinics(csvfile.empty_table(), report)
    table = _validate(cells, report, today or date.today())
    if table.empty and report.valid:
        report.error(
            None,
            None,
            None,
            "the file has a header row but no clinics below it; add one row per clinic "
            "(see docs/data-format.md)",
        )
    report.rows = len(table)
    report.sort()
    return LoadedClinics(table, report)


def _utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


# --- validation ---------------------------------------------------------------------------


def _validate(
    cells: pd.DataFrame, report: ValidationReport, today: date, *, rules: Sequence[Rule] = RULES
) -> pd.DataFrame:
    """The normalised table of ``cells``, with every rule's findings added to ``report``.

    ``rules`` run in the order given; being pure, any order finds the same problems
    (only problems on the same line and column are listed in this order).
    """
    check = Checker(report, cells[schema.LINE].to_numpy(dtype=np.int64))
    normalised = normalise(cells, today)
    for rule in rules:
        check.add(rule(normalised, today))
    table = normalised.table
    table[schema.HAS_ERROR] = check.has_error
    return table
