"""Tables that leave the app: CSV downloads and JSON, safe to open in a spreadsheet."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from directory import schema
from directory.csvfile import csv_text
from directory.facts import FACTS, facts_of, miles_of

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
    out = _neutralised(table[schema.data_columns(table.columns)])
    # Column names come from the data file too (unknown columns are kept), so defuse them.
    out.columns = pd.Index([neutralise_formula(str(column)) for column in out.columns])
    return csv_text(out)


def _neutralised(table: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell passed through :func:`neutralise_formula`."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_formula)
    return out


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


RESULT_SECTIONS: Mapping[str, str] = {
    "in_person": "Near you",
    "at_home": "At home (telehealth)",
    "nearest_outside_radius": "Further away",
}
"""The sections of a search result, as the patient's download names them."""

PATIENT_FACTS: tuple[str, ...] = tuple(f.heading for f in FACTS if f.heading != "Distance")
PATIENT_COLUMNS: tuple[str, ...] = (
    "Result", "Name", "Distance (miles)", *PATIENT_FACTS, "Clinic id",
)  # fmt: skip
"""The patient's CSV: what the cards say, in their words, and the clinic id last."""


def patient_csv(sections: Mapping[str, pd.DataFrame], today: date) -> str:
    """The patient's download of a search: one row per clinic, in the cards' plain words.

    Only published facts (no codes, no admins' own columns), distances to 0.1 mile, and
    spreadsheet formulas neutralised. ``sections`` maps :data:`RESULT_SECTIONS` keys to
    result tables.
    """
    records: list[dict[str, object]] = []
    for section, frame in sections.items():
        for _, row in frame.iterrows():
            miles = miles_of(row)
            record: dict[str, object] = {
                "Result": RESULT_SECTIONS[section],
                "Name": " ".join(str(row.get("name") or "").split()),
                "Distance (miles)": round(miles, 1) if miles is not None else None,
            }
            record.update(facts_of(row, today, PATIENT_FACTS))
            record["Clinic id"] = str(row.get("id") or "")
            records.append(record)
    table = pd.DataFrame(records, columns=list(PATIENT_COLUMNS))
    return csv_text(_neutralised(table))
