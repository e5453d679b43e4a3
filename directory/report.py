"""Validation problems, the report that collects them, and the checker that adds them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

Severity = Literal["error", "warning"]

MAX_PROBLEMS_KEPT = 5000
"""Per severity. A 100 MB file of garbage must still give a readable report."""

_MAX_VALUE_CHARS = 60


def quote_value(value: str) -> str:
    """Quote a cell for a message, shortened so a huge cell cannot flood the report."""
    shown = value if len(value) <= _MAX_VALUE_CHARS else value[: _MAX_VALUE_CHARS - 1] + "…"
    return "'" + shown.replace("\n", "\\n").replace("\r", "\\r") + "'"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (error) or worth checking (warning) in a data file.

    ``line`` is the CSV line the record starts on (the header is line 1);
    ``column`` is None for problems with the file as a whole.
    """

    line: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class ValidationReport:
    """Errors (the file is invalid) and warnings (worth a look) for one data file."""

    rows: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    errors_not_kept: int = 0
    warnings_not_kept: int = 0
    # Where errors were found, including those past the cap, so that no row with an
    # error is ever taken for a good one just because its message was not kept.
    _error_lines: set[int] = field(default_factory=set, init=False, repr=False, compare=False)
    _file_error: bool = field(default=False, init=False, repr=False, compare=False)

    @property
    def valid(self) -> bool:
        return not self.errors and not self.errors_not_kept

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_not_kept

    @property
    def warning_count(self) -> int:
        return len(self.warnings) + self.warnings_not_kept

    def add(self, severity: Severity, problem: Problem) -> None:
        if severity == "error":
            if problem.line is None or problem.line <= 1:
                self._file_error = True
            else:
                self._error_lines.add(problem.line)
        kept = self.errors if severity == "error" else self.warnings
        if len(kept) < MAX_PROBLEMS_KEPT:
            kept.append(problem)
        elif severity == "error":
            self.errors_not_kept += 1
        else:
            self.warnings_not_kept += 1

    def room(self, severity: Severity) -> int:
        """How many more problems of this severity the report keeps."""
        kept = self.errors if severity == "error" else self.warnings
        return max(MAX_PROBLEMS_KEPT - len(kept), 0)

    def count_unkept(self, severity: Severity, count: int) -> None:
        """Count problems found but not kept (the report is full), without building them."""
        if severity == "error":
            self.errors_not_kept += count
        else:
            self.warnings_not_kept += count

    def error(self, line: int | None, column: str | None, value: str | None, message: str) -> None:
        self.add("error", Problem(line, column, value, message))

    def warning(
        self, line: int | None, column: str | None, value: str | None, message: str
    ) -> None:
        self.add("warning", Problem(line, column, value, message))

    def sort(self) -> None:
        """Order problems by line, then column, as a person reads the file."""

        def key(problem: Problem) -> tuple[int, str]:
            return (problem.line or 0, problem.column or "")

        self.errors.sort(key=key)
        self.warnings.sort(key=key)

    def lines_with_errors(self) -> set[int]:
        """Lines below the header with an error, counting errors added past the cap."""
        kept = {p.line for p in self.errors if p.line is not None and p.line > 1}
        return kept | self._error_lines

    @property
    def has_file_errors(self) -> bool:
        """An error in the header or the file as a whole (line 1 or no line), kept or not.

        Such a file cannot be trusted row by row (a required column may be missing
        from every row), so none of its rows may be shown.
        """
        return self._file_error or any(p.line is None or p.line <= 1 for p in self.errors)

    def summary(self) -> str:
        """One line: ``'invalid: 300 rows, 2 errors, 5 warnings'``."""
        verdict = "valid" if self.valid else "invalid"
        return (
            f"{verdict}: {self.rows} {_plural(self.rows, 'row')}, "
            f"{self.error_count} {_plural(self.error_count, 'error')}, "
            f"{self.warning_count} {_plural(self.warning_count, 'warning')}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "rows": self.rows,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "errors_not_shown": self.errors_not_kept,
            "warnings_not_shown": self.warnings_not_kept,
        }

    def to_text(self, *, max_per_group: int = 20) -> str:
        """A report for people: problems grouped by kind, then a one-line summary."""
        out: list[str] = []
        for title, problems, hidden in (
            (
                "Errors (the file cannot be used until these are fixed)",
                self.errors,
                self.errors_not_kept,
            ),
            (
                "Warnings (worth checking; the file can still be used)",
                self.warnings,
                self.warnings_not_kept,
            ),
        ):
            if not problems:
                continue
            out.append(f"{title}:")
            for column, group in _group_by_column(problems):
                out.append(f"  {column}:")
                out.extend(f"    {p}" for p in group[:max_per_group])
                if len(group) > max_per_group:
                    out.append(f"    … and {len(group) - max_per_group} more in this column")
            if hidden:
                out.append(f"  … and {hidden} more not listed")
            out.append("")
        out.append(self.summary())
        return "\n".join(out)


@dataclass(frozen=True)
class Flag:
    """Rows a check selected in one column; each row's message is made from its value.

    ``values`` are the cells as the admin typed them (what the report quotes); ``message``
    is called once per distinct value among the selected rows.
    """

    severity: Severity
    mask: npt.NDArray[np.bool_]
    column: str
    values: pd.Series
    message: Callable[[str], str]


@dataclass(frozen=True)
class RowProblem:
    """One problem for the row at ``position``, when its message depends on more than one cell."""

    severity: Severity
    position: int
    column: str
    value: str
    message: str


Finding = Flag | RowProblem
"""What a validation check returns: problems found, not yet added to any report."""


class Checker:
    """Adds findings to a report, with each row's line; tracks which rows have an error.

    ``lines`` holds each row's start line. Rows that already have an error when the
    checker is made were misread by the CSV reader (too many cells, an unclosed quote):
    their values sit in the wrong columns, so findings for them are dropped rather than
    add misleading noise. ``has_error`` marks every row with an error, including errors
    past the report's cap, which are only counted.
    """

    def __init__(self, report: ValidationReport, lines: npt.NDArray[np.int64]) -> None:
        self.report = report
        self.lines = lines
        self.misread: npt.NDArray[np.bool_] = np.isin(lines, list(report.lines_with_errors()))
        self.has_error: npt.NDArray[np.bool_] = self.misread.copy()

    def add(self, findings: Iterable[Finding]) -> None:
        """Add what a check found, in the order it was found."""
        for finding in findings:
            if isinstance(finding, Flag):
                self.flag(
                    finding.severity, finding.mask, finding.column, finding.values, finding.message
                )
            elif not self.misread[finding.position]:
                if finding.severity == "error":
                    self.has_error[finding.position] = True
                line = int(self.lines[finding.position])
                self.report.add(
                    finding.severity, Problem(line, finding.column, finding.value, finding.message)
                )

    def flag(
        self,
        severity: Severity,
        mask: npt.NDArray[np.bool_] | pd.Series,
        column: str,
        values: pd.Series,
        message: Callable[[str], str],
    ) -> None:
        """Add a problem for every row ``mask`` selects (see :class:`Flag`)."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool) & ~self.misread)
        if not len(positions):
            return
        if severity == "error":
            self.has_error[positions] = True
        # Past the report's cap only count: a huge file must not build millions of messages.
        room = self.report.room(severity)
        if len(positions) > room:
            self.report.count_unkept(severity, len(positions) - room)
            positions = positions[:room]
        raw = values.to_numpy(dtype=object)
        add = self.report.error if severity == "error" else self.report.warning
        cache: dict[str, str] = {}
        for position in positions:
            value = "" if raw[position] is None else str(raw[position])
            text = cache.get(value)
            if text is None:
                text = cache[value] = message(value)
            add(int(self.lines[position]), column, value, text)


def _group_by_column(problems: Iterable[Problem]) -> list[tuple[str, list[Problem]]]:
    groups: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        groups[problem.column or "whole file"].append(problem)
    return list(groups.items())


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"
