"""Tables that leave the app: CSV downloads and JSON, safe to open in a spreadsheet."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from directory import schema
from directory.csvfile import csv_text

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""Text starting with one of these may run as a formula in a spreadsheet.

Exports defuse such cells; the validator warns about them (:mod:`directory.dataset`).
"""


def neutralise_formula(value: object) -> object:
    """Prefix text a spreadsheet would run as a formula with ``'`` (OWASP CSV injection advice).

    Numbers stay numbers: only strings are touched, so ``-104.99`` in a float
    column is left alone while the text ``=HYPERLINK(...)`` is defused.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def to_safe_csv(table: pd.DataFrame) -> str:
    """CSV text of a result table with spreadsheet formulas neutralised."""
    out = table[schema.data_columns(table.columns)].copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_formula)
    # Column names come from the data file too (unknown columns are kept), so defuse them.
    out.columns = pd.Index([neutralise_formula(str(column)) for column in out.columns])
    return csv_text(out)


def to_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: public columns, NaN as None, numpy scalars as Python."""
    records: list[dict[str, Any]] = []
    for row in table[schema.data_columns(table.columns)].to_dict(orient="records"):
        records.append({str(k): _plain(v) for k, v in row.items()})
    return records


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value
