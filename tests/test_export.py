"""Tables that leave the app: CSV downloads safe to open in a spreadsheet (directory.export)."""

from __future__ import annotations

import concurrent.futures
import csv
import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import TODAY, csv_text, row

from directory import i18n, schema
from directory.dataset import parse_clinics
from directory.export import (
    FORMULA_TRIGGERS,
    PATIENT_COLUMNS,
    neutralise_formula,
    patient_columns,
    patient_csv,
    patient_headers,
    to_records,
    to_safe_csv,
)
from directory.listing import shortlist_html


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
        # issue 12 finding 7: leading white space and full-width signs were not neutralised.
        pytest.param(" =1", "' =1", id="leading-space"),
        pytest.param("\u00a0=1", "'\u00a0=1", id="leading-no-break-space"),
        pytest.param("\u3000 +1", "'\u3000 +1", id="leading-ideographic-space"),
        pytest.param("\u200b@SUM(A1)", "'\u200b@SUM(A1)", id="leading-zero-width-space"),
        pytest.param(" \t=1", "' \t=1", id="space-then-tab"),
        pytest.param("\uff1d1+1", "'\uff1d1+1", id="full-width-equals"),
        pytest.param("\uff0b1", "'\uff0b1", id="full-width-plus"),
        pytest.param("\uff0d1", "'\uff0d1", id="full-width-minus"),
        pytest.param("\uff20SUM(A1)", "'\uff20SUM(A1)", id="full-width-at"),
        pytest.param("  Open late", "  Open late", id="leading-space-plain-text"),
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


def test_to_safe_csv_leaves_out_columns_that_are_not_published() -> None:
    """issue 12 finding 5: admins' own columns appeared in ``search --format csv``."""
    table = pd.DataFrame(
        {'=HYPERLINK("x")': ["a"], "name": ["b"], "internal_ref": ["r-1"], "result": ["at_home"]}
    )
    header, values = read_back(to_safe_csv(table))
    assert header == ["name", "result"]
    assert values == ["b", "at_home"]


@pytest.mark.parametrize(
    ("columns", "published"),
    [
        pytest.param(list(schema.COLUMN_NAMES), list(schema.COLUMN_NAMES), id="schema"),
        pytest.param(["internal_ref", "name", "crm notes"], ["name"], id="admin-columns"),
        pytest.param([schema.LAT, "id", "distance_miles"], ["id", "distance_miles"], id="derived"),
    ],
)
def test_patient_columns_are_the_published_ones_in_table_order(
    columns: list[str], published: list[str]
) -> None:
    assert patient_columns(columns) == published


def test_to_safe_csv_of_a_loaded_table_keeps_data_columns_in_order() -> None:
    loaded = parse_clinics(csv_text(row(notes="=1+1", phone="+1 303 555 0142")), today=TODAY)
    header, values = read_back(to_safe_csv(loaded.table))
    assert header == list(schema.COLUMN_NAMES)
    assert header == schema.data_columns(loaded.table.columns)
    record = dict(zip(header, values, strict=True))
    assert record["notes"] == "'=1+1"
    assert record["phone"] == "(303) 555-0142"  # normalised, so no longer starts with +
    assert record["longitude"] == "-104.9996"


@pytest.mark.parametrize(
    "value",
    [*(trigger + "cmd|calc" for trigger in FORMULA_TRIGGERS), "\u00a0=cmd", " \uff1dcmd"],
    ids=repr,
)
def test_what_the_validator_warns_about_is_what_exports_defuse(value: str) -> None:
    # One formula rule: a cell the admin is warned about is the cell the export
    # neutralises, and the other way round. An admin's own column is warned about in the
    # data (it is kept there) but never exported; so the check is made on ``notes``.
    text = csv_text(row(notes="x") | {"crm": value}, header=[*schema.COLUMN_NAMES, "crm"])
    text = text.replace(value, f'"{value}"')  # the csv module leaves a lone \r unquoted
    loaded = parse_clinics(text, today=TODAY)
    [warning] = [p for p in loaded.report.warnings if p.column == "crm"]
    assert "may run as a formula" in warning.message
    table = loaded.table.assign(notes=loaded.table["crm"])
    header, values = read_back(to_safe_csv(table))
    assert "crm" not in header
    assert dict(zip(header, values, strict=True))["notes"] == "'" + value


def test_to_records_is_json_ready_and_published_only() -> None:
    table = pd.DataFrame(
        {
            "name": ["A", "B"],
            "price_per_session_usd": [550.0, math.nan],
            "distance_miles": np.array([1.5, 2.0], dtype=np.float64),
            "internal_ref": ["r-1", "r-2"],  # an admin's own column: not published
            schema.LINE: [2, 3],
        }
    )
    records = to_records(table)
    assert records == [
        {"name": "A", "price_per_session_usd": 550.0, "distance_miles": 1.5},
        {"name": "B", "price_per_session_usd": None, "distance_miles": 2.0},
    ]
    assert type(records[0]["distance_miles"]) is float
    json.dumps(records)


def test_the_patient_download_has_no_admin_columns() -> None:
    text = csv_text(
        row() | {"internal_ref": "SECRET-REF-1"}, header=[*schema.COLUMN_NAMES, "internal_ref"]
    )
    table = parse_clinics(text, today=TODAY).table.assign(distance_miles=1.0)
    download = patient_csv({"in_person": table}, TODAY)
    assert "SECRET-REF-1" not in download
    assert "internal_ref" not in download
    assert read_back(download)[0] == list(PATIENT_COLUMNS)


def test_the_shortlist_has_no_admin_columns() -> None:
    """issue 12 finding 5: the shortlist shows published facts only (kept here, with the
    other exports, so one place proves every way out leaves admins' columns behind)."""
    text = csv_text(
        row() | {"internal_ref": "SECRET-REF-1"}, header=[*schema.COLUMN_NAMES, "internal_ref"]
    )
    table = parse_clinics(text, today=TODAY).table.assign(distance_miles=1.0)
    page = shortlist_html(table, "My shortlist", TODAY)
    assert "Mile High Ketamine Clinic" in page
    assert "SECRET-REF-1" not in page
    assert "internal_ref" not in page


def test_the_patient_download_is_in_spanish_with_numbers_left_as_numbers() -> None:
    text = csv_text(row(name="=Clinic", last_verified="2026-09-14"), header=schema.COLUMN_NAMES)
    table = parse_clinics(text, today=TODAY).table.assign(distance_miles=1593.04)
    english = read_back(patient_csv({"in_person": table}, TODAY))
    with i18n.using("es"):
        spanish = read_back(patient_csv({"nearest_outside_radius": table}, TODAY))
        headers = patient_headers()
    assert english[0] == list(PATIENT_COLUMNS) == patient_headers()
    assert spanish[0] == headers
    assert headers[:3] == ["Resultado", "Nombre", "Distancia (millas)"]
    assert headers[-1] == "ID de la clínica"
    assert "Teléfono" in headers
    assert "Verificado" in headers
    record = dict(zip(spanish[0], spanish[1], strict=True))
    assert record["Resultado"] == "Más lejos"
    assert record["Nombre"] == "'=Clinic"  # a data value: not translated, still defused
    assert record["Distancia (millas)"] == "1593.0"  # a number for the spreadsheet
    assert record["Verificado"] == "Verificado por última vez el 14 de septiembre de 2026"
    assert english[1][0] == "Near you"


def test_a_download_made_later_on_another_thread_keeps_the_pages_language() -> None:
    """Streamlit runs a download button's callable on a worker thread, outside the page's
    run: the file must still be in the language the page was in."""
    table = parse_clinics(csv_text(row()), today=TODAY).table.assign(distance_miles=1.0)
    with i18n.using("es"):
        spanish = i18n.in_active_language(lambda: patient_csv({"in_person": table}, TODAY))
    english = i18n.in_active_language(lambda: patient_csv({"in_person": table}, TODAY))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        made = [pool.submit(make).result() for make in (spanish, english)]
    assert read_back(made[0])[0][:2] == ["Resultado", "Nombre"]
    assert read_back(made[0])[1][0] == "Cerca de usted"
    assert read_back(made[1])[0] == list(PATIENT_COLUMNS)
