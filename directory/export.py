"""Tables that leave the app: CSV downloads and JSON, safe to open in a spreadsheet."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from directory import schema
from directory.csvfile import TRIMMED, csv_text
from directory.facts import DISTANCE_COLUMN, FACTS, facts_of, heading_text, miles_of
from directory.i18n import N_
from directory.i18n import gettext as _

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""Text starting with one of these may run as a formula in a spreadsheet (the last four
are the full-width = + - @, which some spreadsheets read as the plain ones).

:func:`formula_trigger` is the one rule: exports defuse such cells and the validator
warns about them (:func:`directory.rules.formulas`).
"""

_FORMULA_START = re.compile(
    # Tab and CR start a formula themselves; the others also count behind white space
    # (any Unicode space: no-break, ideographic...) or invisible format characters, the
    # same set the loader trims from its own columns.
    "(?P<control>[\t\r])|[" + re.escape(TRIMMED) + "]*"
    "(?P<sign>[" + re.escape("".join(t for t in FORMULA_TRIGGERS if t not in "\t\r")) + "])"
)


def formula_trigger(value: object) -> str | None:
    """The trigger that makes ``value`` a possible spreadsheet formula, or None.

    Only text counts: ``'  =1+1'`` -> ``'='``, ``'\\tx'`` -> ``'\\t'``, ``-104.99`` -> None.
    """
    if not isinstance(value, str):
        return None
    found = _FORMULA_START.match(value)
    return None if found is None else (found["control"] or found["sign"])


def neutralise_formula(value: object) -> object:
    """Prefix text a spreadsheet would run as a formula with ``'`` (OWASP CSV injection advice).

    Numbers stay numbers: only strings are touched, so ``-104.99`` in a float
    column is left alone while the text ``=HYPERLINK(...)`` is defused.
    """
    return "'" + value if isinstance(value, str) and formula_trigger(value) else value


RESULT_COLUMN = "result"
"""The section of a search result a row is in, in the ``search --format csv`` output."""
COMPUTED_COLUMNS: tuple[str, ...] = (DISTANCE_COLUMN, RESULT_COLUMN)
"""Columns a search adds to each row; published with the row."""


def patient_columns(columns: Iterable[object]) -> list[str]:
    """The columns of a result table that may leave the app, in their order: the
    published schema columns (:data:`directory.schema.PUBLISHED_COLUMNS`) and the
    search's own (:data:`COMPUTED_COLUMNS`). An admin's own columns are left out."""
    names = list(map(str, columns))
    published = set(schema.published_columns(names)) | set(COMPUTED_COLUMNS)
    return [name for name in names if name in published]


def to_safe_csv(table: pd.DataFrame) -> str:
    """CSV text of a result table: patient columns only, spreadsheet formulas neutralised."""
    return csv_text(_neutralised(table[patient_columns(table.columns)]))


def _neutralised(table: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell passed through :func:`neutralise_formula`."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_formula)
    return out


def to_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: patient columns only, NaN as None, numpy scalars as Python."""
    records: list[dict[str, Any]] = []
    for row in table[patient_columns(table.columns)].to_dict(orient="records"):
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
    "in_person": N_("Near you"),
    "at_home": N_("At home (telehealth)"),
    "nearest_outside_radius": N_("Further away"),
}
"""The sections of a search result, as the patient's download names them (in English:
translated when the download is made)."""

PATIENT_FACTS: tuple[str, ...] = tuple(f.heading for f in FACTS if f.heading != "Distance")
PATIENT_COLUMNS: tuple[str, ...] = (
    N_("Result"), N_("Name"), N_("Distance (miles)"), *PATIENT_FACTS, N_("Clinic id"),
)  # fmt: skip
"""The patient's CSV: what the cards say, in their words, and the clinic id last (the
English headers: :func:`patient_headers` gives them in the active language)."""


def patient_headers() -> list[str]:
    """:data:`PATIENT_COLUMNS` as the download names them, in the active language."""
    return [heading_text(column) for column in PATIENT_COLUMNS]


def patient_csv(sections: Mapping[str, pd.DataFrame], today: date) -> str:
    """The patient's download of a search: one row per clinic, in the cards' plain words.

    Only published facts (no codes, no admins' own columns), distances to 0.1 mile, and
    spreadsheet formulas neutralised. ``sections`` maps :data:`RESULT_SECTIONS` keys to
    result tables. Headers and texts are in the active language; numbers stay numbers.
    """
    records: list[dict[str, object]] = []
    for section, frame in sections.items():
        for _index, row in frame.iterrows():
            miles = miles_of(row)
            record: dict[str, object] = {
                "Result": _(RESULT_SECTIONS[section]),
                "Name": " ".join(str(row.get("name") or "").split()),
                "Distance (miles)": round(miles, 1) if miles is not None else None,
            }
            record.update(facts_of(row, today, PATIENT_FACTS))
            record["Clinic id"] = str(row.get("id") or "")
            records.append(record)
    table = pd.DataFrame(records, columns=list(PATIENT_COLUMNS))
    table.columns = pd.Index(patient_headers())
    return csv_text(_neutralised(table))
