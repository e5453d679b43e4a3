"""Tables that leave the app: CSV downloads safe to open in a spreadsheet (directory.export)."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import TODAY, csv_text, row

from directory import schema
from directory.dataset import parse_clinics
from directory.export import FORMULA_TRIGGERS, neutralise_formula, to_records, to_safe_csv


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        pytest.param("=1+1", "'=1+1", id="equals"),
        pytest.param(
            '=HYPERLINK("http://x.example","x")',
            '\'=HYPERLINK("http://x.example","x")',
            id="hyperlink",
        ),
        pytest.param("+1 303 555 0142", "'+1 303 555 0142", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus"),
        pytest.param("@SUM(A1:A9)", "'@SUM(A1:A9)", id="at"),
        pytest.param("\t=1", "'\t=1", id="tab"),
        pytest.param("\r=1", "'\r=1", id="carriage-return"),
        pytest.param("Mile High Clinic", "Mile High Clinic", id="plain-text"),
        pytest.param("", "", id="empty"),
        pytest.param(" =1", " =1", id="leading-space-not-a-formula"),
        pytest.param("a=b", "a=b", id="equals-inside"),
        pytest.param("'=1", "'=1", id="already-quoted"),
        pytest.param(-104.9996, -104.9996, id="negative-float-untouched"),
        pytest.param(-5, -5, id="negative-int-untouched"),
        pytest.param(None, None, id="none"),
    ],
)
def test_neutralise_formula(value: object, safe: object) -> None:
    assert neutralise_formula(value) == safe


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        pytest.param("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", id="dde"),
        pytest.param("@risk", "'@risk", id="at"),
        pytest.param("-", "'-", id="lone-minus"),
        pytest.param("Open late", "Open late", id="plain"),
        pytest.param('multi\nline, "quoted"', 'multi\nline, "quoted"', id="csv-quoting"),
    ],
)
def test_to_safe_csv_neutralises_text_cells(cell: str, written: str) -> None:
    table = pd.DataFrame(
        {
            "name": [cell],
            "notes": pd.Series([cell], dtype=str),
            "longitude": [-104.99],
            schema.LAT: [39.75],
        }
    )
    header, values = read_back(to_safe_csv(table))
    assert header == ["name", "notes", "longitude"]
    assert values == [written, written, "-104.99"]


def test_to_safe_csv_neutralises_column_names_too() -> None:
    table = pd.DataFrame({'=HYPERLINK("x")': ["a"], "ok": ["b"]})
    header, values = read_back(to_safe_csv(table))
    assert header == ['\'=HYPERLINK("x")', "ok"]
    assert values == ["a", "b"]


def test_to_safe_csv_of_a_loaded_table_keeps_data_columns_in_order() -> None:
    loaded = parse_clinics(csv_text(row(notes="=1+1", phone="+1 303 555 0142")), today=TODAY)
    header, values = read_back(to_safe_csv(loaded.table))
    assert header == list(schema.COLUMN_NAMES)
    assert header == schema.data_columns(loaded.table.columns)
    record = dict(zip(header, values, strict=True))
    assert record["notes"] == "'=1+1"
    assert record["phone"] == "(303) 555-0142"  # normalised, so no longer starts with +
    assert record["longitude"] == "-104.9996"


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS, ids=repr)
def test_what_the_validator_warns_about_is_what_exports_defuse(trigger: str) -> None:
    # One list of formula triggers: a cell the admin is warned about is the cell the
    # export neutralises, and the other way round.
    value = trigger + "cmd|calc"
    # An unknown column keeps its cells exactly (schema columns are trimmed of tabs).
    text = csv_text(row() | {"crm": value}, header=[*schema.COLUMN_NAMES, "crm"])
    text = text.replace(value, f'"{value}"')  # the csv module leaves a lone \r unquoted
    loaded = parse_clinics(text, today=TODAY)
    [warning] = [p for p in loaded.report.warnings if p.column == "crm"]
    assert "may run as a formula" in warning.message
    header, values = read_back(to_safe_csv(loaded.table))
    assert dict(zip(header, values, strict=True))["crm"] == "'" + value


def test_to_records_is_json_ready() -> None:
    table = pd.DataFrame(
        {
            "name": ["A", "B"],
            "price_per_session_usd": [550.0, math.nan],
            "count": np.array([1, 2], dtype=np.int64),
            "flag": np.array([True, False]),
            schema.LINE: [2, 3],
        }
    )
    records = to_records(table)
    assert records == [
        {"name": "A", "price_per_session_usd": 550.0, "count": 1, "flag": True},
        {"name": "B", "price_per_session_usd": None, "count": 2, "flag": False},
    ]
    assert isinstance(records[0]["count"], int)
    json.dumps(records)
