"""What changed between two versions of the clinic table, clinic by clinic.

:func:`diff_tables` keys rows by ``id`` and compares every column that is
written to the CSV (derived ``_`` columns are ignored) as text, the way
:func:`~directory.csvfile.write_csv_text` would write it. Comparing the
*loaded* tables (schema columns already normalised by the loader) means a
re-formatted file (``IV`` for ``iv``, ``303.555.0101`` for ``(303) 555-0101``,
``39.75010`` for ``39.7501``) shows no spurious changes: only what a patient
would see differently.

The comparison is column by column over whole numpy arrays, so two tables of
100k rows diff in well under a second; Python objects are built only for the
cells that differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from directory import schema
from directory.csvfile import number_texts
from directory.report import quote_value

ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class FieldChange:
    """One cell of one clinic that differs: the column, and its old and new text."""

    column: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.column} {quote_value(self.old)} -> {quote_value(self.new)}"


@dataclass(frozen=True)
class ClinicChanges:
    """The difference between two versions of the data, for people and for the audit log.

    ``added`` and ``changed`` follow the new table's row order, ``removed`` the
    old one's; ``changed`` maps an id to its changed cells in column order.
    ``columns_added``/``columns_removed`` name CSV columns only one side has
    (their non-empty cells also appear in ``changed``), and ``rows_reordered``
    says whether clinics present in both moved relative to each other.
    """

    added: list[str]
    removed: list[str]
    changed: dict[str, list[FieldChange]]
    rows_before: int
    rows_after: int
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    rows_reordered: bool = False

    @property
    def is_empty(self) -> bool:
        """True when no clinic, cell or column differs (row order aside)."""
        return not (
            self.added or self.removed or self.changed or self.columns_added or self.columns_removed
        )

    def summary(self) -> str:
        """One line: ``'2 added, 1 removed, 3 changed (335 -> 336 rows)'``."""
        if self.is_empty:
            moved = "; only the row order differs" if self.rows_reordered else ""
            return f"no changes ({self.rows_after} {_rows(self.rows_after)}){moved}"
        parts = [
            f"{len(self.added)} added",
            f"{len(self.removed)} removed",
            f"{len(self.changed)} changed",
        ]
        if self.columns_added:
            parts.append(f"{len(self.columns_added)} {_columns(self.columns_added)} added")
        if self.columns_removed:
            parts.append(f"{len(self.columns_removed)} {_columns(self.columns_removed)} removed")
        counts = f"{self.rows_before} -> {self.rows_after} {_rows(self.rows_after)}"
        return f"{', '.join(parts)} ({counts})"

    def to_text(self, *, limit: int | None = None) -> str:
        """The changes for people, one line per clinic, then the summary.

        ``limit`` caps the clinic lines (the summary always counts everything),
        so a 100k-row replacement stays readable in a terminal.
        """
        lines: list[str] = []
        lines.extend(f"+ added column {name}" for name in self.columns_added)
        lines.extend(f"- removed column {name}" for name in self.columns_removed)
        lines.extend(f"+ added {clinic}" for clinic in self.added)
        lines.extend(f"- removed {clinic}" for clinic in self.removed)
        lines.extend(
            f"~ changed {clinic}: {'; '.join(str(change) for change in fields)}"
            for clinic, fields in self.changed.items()
        )
        if limit is not None and len(lines) > limit:
            hidden = len(lines) - limit
            lines = [*lines[:limit], f"… and {hidden} more {'line' if hidden == 1 else 'lines'}"]
        if self.rows_reordered and not self.is_empty:
            lines.append("(the order of some rows also changed)")
        lines.append(self.summary())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": {
                clinic: [
                    {"column": change.column, "old": change.old, "new": change.new}
                    for change in fields
                ]
                for clinic, fields in self.changed.items()
            },
            "rows_before": self.rows_before,
            "rows_after": self.rows_after,
            "columns_added": list(self.columns_added),
            "columns_removed": list(self.columns_removed),
            "rows_reordered": self.rows_reordered,
        }


def diff_tables(old: pd.DataFrame, new: pd.DataFrame) -> ClinicChanges:
    """Compare two clinic tables by ``id`` over every non-derived column, as text.

    Pass tables from :func:`~directory.dataset.load_clinics` (or
    ``parse_clinics``) so that values are compared after normalisation. A
    repeated id (only possible in invalid data) is compared by its first row.
    Raises ``KeyError`` if either table has no ``id`` column.
    """
    for table in (old, new):
        if "id" not in table.columns:
            raise KeyError("both tables need an 'id' column to be compared")
    old_columns, new_columns = schema.data_columns(old.columns), schema.data_columns(new.columns)
    old_ids, new_ids = _as_text(old["id"]), _as_text(new["id"])
    # First occurrence of each id, as positions into the tables.
    old_rows = np.flatnonzero(~pd.Series(old_ids).duplicated().to_numpy())
    new_rows = np.flatnonzero(~pd.Series(new_ids).duplicated().to_numpy())
    old_keys = pd.Index(old_ids[old_rows], dtype=object)
    new_keys = pd.Index(new_ids[new_rows], dtype=object)

    found_in_old = old_keys.get_indexer(new_keys)  # -1 where the id is new
    kept = found_in_old >= 0
    still_there = np.zeros(len(old_keys), dtype=bool)
    still_there[found_in_old[kept]] = True
    added = [str(key) for key in new_ids[new_rows[~kept]]]
    removed = [str(key) for key in old_ids[old_rows[~still_there]]]

    # Rows present on both sides, in the new table's order.
    common_new = new_rows[kept]
    common_old = old_rows[found_in_old[kept]]
    reordered = bool(np.any(np.diff(common_old) < 0))

    differing: list[tuple[npt.NDArray[np.intp], str, ObjectArray, ObjectArray]] = []
    old_set, new_set = set(old_columns), set(new_columns)
    for column in [*new_columns, *(c for c in old_columns if c not in new_set)]:
        before = old[column].take(common_old) if column in old_set else None
        after = new[column].take(common_new) if column in new_set else None
        where = _differing_positions(before, after, len(common_new))
        if len(where):
            differing.append(
                (where, column, _subset_text(before, where), _subset_text(after, where))
            )

    return ClinicChanges(
        added=added,
        removed=removed,
        changed=_group_by_row(differing, new_ids[common_new]),
        rows_before=len(old),
        rows_after=len(new),
        columns_added=[c for c in new_columns if c not in old_set],
        columns_removed=[c for c in old_columns if c not in new_set],
        rows_reordered=reordered,
    )


def _differing_positions(
    before: pd.Series | None, after: pd.Series | None, rows: int
) -> npt.NDArray[np.intp]:
    """Positions where two aligned columns differ as text (a missing column is all blank).

    Compared in their own dtype where that gives the same answer as comparing
    text (floats numerically, strings with Arrow's vectorised kernels), so
    only differing cells are ever turned into Python strings.
    """
    if before is None and after is None:
        return np.zeros(0, dtype=np.intp)
    if before is not None and after is not None and _is_float(before) and _is_float(after):
        a = before.to_numpy(dtype=np.float64)
        b = after.to_numpy(dtype=np.float64)
        # repr is one-to-one on floats (and 0.0/-0.0 both write as "0"), so == is exact.
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        return np.flatnonzero(~same)
    a_text = _text_series(before, rows)
    b_text = _text_series(after, rows)
    return np.flatnonzero(a_text.ne(b_text).to_numpy(dtype=bool))


def _text_series(values: pd.Series | None, rows: int) -> pd.Series:
    """A column as a string Series with no missing values, positionally indexed."""
    if values is None:
        return pd.Series([""] * rows, dtype="str")
    if _is_float(values):
        return pd.Series(_as_text(values), dtype="str")
    if pd.api.types.is_string_dtype(values.dtype) and not values.hasnans:
        return values.reset_index(drop=True).astype("str")
    return pd.Series(_as_text(values), dtype="str")


def _subset_text(values: pd.Series | None, where: npt.NDArray[np.intp]) -> ObjectArray:
    if values is None:
        return np.full(len(where), "", dtype=object)
    return _as_text(values.take(where))


def _is_float(values: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(values.dtype)


def _group_by_row(
    differing: list[tuple[npt.NDArray[np.intp], str, ObjectArray, ObjectArray]],
    ids: ObjectArray,
) -> dict[str, list[FieldChange]]:
    """Turn per-column differences into per-clinic lists, clinics in row order."""
    if not differing:
        return {}
    positions = np.concatenate([where for where, *_ in differing])
    # A stable sort by row keeps each clinic's changes in column order.
    order = np.argsort(positions, kind="stable")
    columns = np.concatenate(
        [np.full(len(where), name, dtype=object) for where, name, *_ in differing]
    )
    befores = np.concatenate([before for _, _, before, _ in differing])
    afters = np.concatenate([after for *_, after in differing])
    changed: dict[str, list[FieldChange]] = {}
    for i in order.tolist():
        key = str(ids[positions[i]])
        changed.setdefault(key, []).append(FieldChange(columns[i], befores[i], afters[i]))
    return changed


def _as_text(values: pd.Series) -> ObjectArray:
    """A column as the strings the CSV would hold (blank for missing values)."""
    if _is_float(values):
        # The same spelling as the CSV writer: 550.0 -> '550', shortest repr otherwise.
        return np.array(number_texts(values.to_numpy(dtype=np.float64).tolist()), dtype=object)
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype):
        return values.astype(str).to_numpy(dtype=object)
    text = values.astype(object).where(values.notna(), "")
    return text.astype(str).to_numpy(dtype=object)


def _rows(count: int) -> str:
    return "row" if count == 1 else "rows"


def _columns(names: list[str]) -> str:
    return "column" if len(names) == 1 else "columns"
