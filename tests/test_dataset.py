"""Loading, normalising and validating the clinic CSV (directory.csvfile, directory.dataset).

Every test reads a real file written under ``tmp_path`` (or a file of the
malformed corpus in ``tests/data/malformed``) and passes ``today=TODAY`` so that
date checks do not depend on the calendar.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest
from conftest import (
    HEADER,
    PLAUSIBLE_CELLS,
    REPO_ROOT,
    TODAY,
    VALID_ROW,
    csv_text,
    row,
    telehealth_row,
    write_csv,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from directory import csvfile, dataset, limits, listing, schema
from directory.csvfile import write_csv_text
from directory.dataset import LoadedClinics, load_clinics, parse_clinics
from directory.errors import DataFileError, DirectoryError
from directory.gazetteer import get_gazetteer
from directory.report import MAX_PROBLEMS_KEPT, Problem, ValidationReport

CORPUS = Path(__file__).parent / "data" / "malformed"
MANIFEST: dict[str, dict[str, Any]] = json.loads(
    (CORPUS / "expected.json").read_text(encoding="utf-8")
)

BOSTON = row(
    id="harbor-infusion-boston",
    name="Harbor Infusion Center",
    modalities="iv;im",
    conditions="depression;anxiety",
    address="200 Tremont St",
    city="Boston",
    state="MA",
    zip="02116",
    latitude="42.3497",
    longitude="-71.0730",
    phone="(617) 555-0117",
    website="https://harbor-infusion.example.org",
    email="",
    source_url="",
    last_verified="2026-10-02",
)
"""A second valid clinic, so a bad row can sit on line 3 rather than line 2."""


def load_rows(tmp_path: Path, *rows: dict[str, str], **options: Any) -> LoadedClinics:
    """Write rows to a real CSV file and load it."""
    return load_clinics(write_csv(tmp_path, csv_text(*rows, **options)), today=TODAY)


def problems_at(report: ValidationReport, line: int | None) -> list[Problem]:
    return [p for p in report.errors + report.warnings if p.line == line]


# --- accepted values, normalised ----------------------------------------------------------

NAN = math.nan

TELE = telehealth_row()


def accepted(
    column: str,
    raw: str,
    expected: object,
    warning: str | None = None,
    *,
    base: Mapping[str, str] = VALID_ROW,
    name: str = "",
    **extra: str,
) -> Any:
    """One accepted case: ``raw`` typed in ``column`` of ``base`` loads as ``expected``."""
    record = {**base, **extra, column: raw}
    return pytest.param(record, column, expected, warning, id=name or f"{column}={raw!r}")


def rejected(
    column: str,
    raw: str,
    message: str,
    *,
    base: Mapping[str, str] = VALID_ROW,
    name: str = "",
    **extra: str,
) -> Any:
    """One rejected case: ``raw`` in ``column`` is an error whose message contains ``message``."""
    record = {**base, **extra, column: raw}
    return pytest.param(record, column, message, id=name or f"{column}={raw!r}")


# fmt: off
ACCEPTED = [
    # ids and free text
    accepted("id", "mile-high-2", "mile-high-2"),
    accepted("id", "  mile-high  ", "mile-high"),
    accepted("name", "  Mile High  ", "Mile High"),
    accepted("name", "Clínica Ñandú", "Clínica Ñandú"),
    # one value from a vocabulary
    accepted("kind", "Clinic", "clinic"),
    accepted("kind", "In-Person Clinic", "clinic"),
    accepted("kind", "Virtual", "telehealth", base=TELE),
    accepted("va_coverage", "VA Community Care", "community_care"),
    accepted("va_coverage", "VAMC", "va_facility"),
    accepted("va_coverage", "None", "no"),
    accepted("therapist_requirement", "In-House", "in_house"),
    accepted("therapist_requirement", "Not required", "none"),
    accepted("therapist_requirement", "YES", "required"),
    accepted("accepting_new_patients", "Yes", "yes"),
    accepted("accepting_new_patients", "Y", "yes"),
    accepted("accepting_new_patients", "true", "yes"),
    accepted("accepting_new_patients", "FALSE", "no"),
    accepted("accepting_new_patients", "", "unknown"),
    # several values from a vocabulary
    accepted("modalities", "IV", "iv"),
    accepted("modalities", "Intravenous", "iv"),
    accepted("modalities", "infusion", "iv"),
    accepted("modalities", "Spravato", "nasal"),
    accepted("modalities", "esketamine", "nasal"),
    accepted("modalities", "Intranasal", "nasal"),
    accepted("modalities", "at-home", "at_home"),
    accepted("modalities", "nasal | IV", "iv;nasal"),
    accepted("modalities", "IM, oral; iv;IV", "iv;im;oral"),
    accepted("modalities", "at_home;oral", "oral;at_home", name="clinic-keeps-oral"),
    accepted("conditions", "PTSD; Treatment-Resistant Depression", "ptsd;depression"),
    accepted("conditions", "C-PTSD", "ptsd"),
    accepted("payment", "Cash;CareCredit", "self_pay;financing"),
    accepted("payment", "", ""),
    accepted("trauma_therapies", "EMDR; Prolonged Exposure", "pe;emdr"),
    # states
    accepted("state", "Colorado", "CO"),
    accepted("state", "co", "CO"),
    accepted("state", " COLORADO ", "CO"),
    accepted("service_states", "co; nm", "CO;NM", base=TELE),
    accepted("service_states", "New Mexico, Colorado", "CO;NM", base=TELE),
    accepted("service_states", "all", "ALL", base=TELE),
    accepted("service_states", "Nationwide", "ALL", base=TELE),
    # ZIP codes
    accepted("zip", "80202-1234", "80202-1234"),
    accepted("zip", "802021234", "80202-1234"),
    accepted("zip", "80202.0", "80202"),
    accepted("zip", "2116", "02116", "missing leading zeros", base=BOSTON),
    # coordinates
    accepted("latitude", " 39.75 ", 39.75),
    accepted("longitude", "-104.99", -104.99),
    accepted("latitude", "", NAN, longitude=""),
    # phones
    accepted("phone", "303-555-0142", "(303) 555-0142"),
    accepted("phone", "303.555.0142", "(303) 555-0142"),
    accepted("phone", "+1 303 555 0142", "(303) 555-0142"),
    accepted("phone", "(303) 555-0142 x12", "(303) 555-0142 ext. 12"),
    accepted("phone", "+44 20 7946 0958", "+44 20 7946 0958"),
    accepted("phone", "1-800-FLOWERS", "(800) 356-9377"),
    # web addresses and email
    accepted("website", "HTTP://MILEHIGH.EXAMPLE.COM/Fees", "HTTP://MILEHIGH.EXAMPLE.COM/Fees"),
    accepted("website", "milehigh.example.com", "https://milehigh.example.com",
             "has no http(s):// prefix"),
    accepted("source_url", "www.milehigh.example.com/about",
             "https://www.milehigh.example.com/about", "read as"),
    accepted("email", "care+intake@milehigh.example.com", "care+intake@milehigh.example.com"),
    accepted("email", "o'brien.first_last@x.example.co.uk", "o'brien.first_last@x.example.co.uk"),
    accepted("email", " CARE@MILEHIGH.EXAMPLE.COM\u200b", "CARE@MILEHIGH.EXAMPLE.COM"),
    accepted("email", "care@xn--bcher-kva.example", "care@xn--bcher-kva.example"),
    # prices
    accepted("price_per_session_usd", "550", 550.0),
    accepted("price_per_session_usd", "$1,200", 1200.0),
    accepted("price_per_session_usd", "450 USD", 450.0),
    accepted("price_per_session_usd", "0", 0.0),
    accepted("price_per_session_usd", "99.50", 99.5),
    accepted("price_per_session_usd", "", NAN),
    accepted("price_per_session_usd", "12000", 12000.0, "unusually high"),
    # dates
    accepted("last_verified", "9/14/2026", "2026-09-14"),
    accepted("last_verified", "2026-11-20", "2026-11-20"),
    accepted("last_verified", "2025-06-01", "2025-06-01", "more than 12 months ago"),
    accepted("last_verified", "", "", "never been verified"),
]
# fmt: on


@pytest.mark.parametrize(("record", "column", "expected", "warning"), ACCEPTED)
def test_accepted_value_is_normalised(
    tmp_path: Path, record: dict[str, str], column: str, expected: object, warning: str | None
) -> None:
    loaded = load_rows(tmp_path, record)
    assert loaded.report.errors == [], loaded.report.to_text()
    value = loaded.table.loc[0, column]
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(value)
    else:
        assert value == expected
    if warning is None:
        assert loaded.report.warnings == [], loaded.report.to_text()
    else:
        [problem] = loaded.report.warnings
        assert (problem.line, problem.column, problem.value) == (2, column, record[column])
        assert warning in problem.message


# --- rejected values: line, column, value and the fix -------------------------------------

# fmt: off
REJECTED = [
    rejected("id", "Mile High", "'Mile High' is not a valid id; use lowercase letters, digits and "
             "single dashes (e.g. 'mile-high')"),
    rejected("name", "", "is empty; this column is required"),
    rejected("kind", "hospital", "'hospital' is not a kind of listing; use clinic or telehealth"),
    rejected("kind", "", "is empty; this column is required; use clinic or telehealth"),
    rejected("modalities", "laughing_gas",
             "'laughing_gas' is not a modality; use iv, im, nasal, oral or at_home"),
    rejected("modalities", "iv;laughing gas;pill",
             "'laughing gas', 'pill' are not modalities; use iv, im, nasal, oral or at_home"),
    rejected("conditions", "flu", "'flu' is not a condition; use ptsd, depression"),
    rejected("payment", "bitcoin", "'bitcoin' is not a payment option"),
    rejected("va_coverage", "maybe",
             "'maybe' is not a VA coverage; use community_care, va_facility, no or unknown"),
    rejected("therapist_requirement", "sometimes", "'sometimes' is not a therapist requirement"),
    rejected("accepting_new_patients", "perhaps",
             "'perhaps' is not a yes/no answer; use yes, no or unknown"),
    rejected("trauma_therapies", "hypnosis",
             "'hypnosis' is not a trauma therapy; use pe, cpt, emdr, wet or cbt"),
    rejected("state", "XX", "'XX' is not a US state; use a two-letter USPS code"),
    rejected("state", "AE", "'AE' is not a US state"),
    rejected("service_states", "CO;Narnia",
             "'Narnia' is not a US state; use USPS codes separated by ';'", base=TELE),
    rejected("service_states", "Narnia;Oz", "'Narnia', 'Oz' are not US states", base=TELE),
    rejected("zip", "8020A",
             "'8020A' is not a ZIP code; use 5 digits (80202) or ZIP+4 (80202-1234)"),
    rejected("zip", "802021", "is not a ZIP code"),
    rejected("zip", "12", "is not a ZIP code"),
    rejected("zip", "00000", "cannot place this clinic on the map: ZIP '00000' is unknown",
             latitude="", longitude=""),
    rejected("latitude", "north",
             "'north' is not a latitude; use decimal degrees between -90 and 90"),
    rejected("latitude", "95", "'95' is not a latitude"),
    rejected("latitude", "-104.9996", "'-104.9996' is not a latitude; use decimal degrees "
             "between -90 and 90, e.g. 39.7501 (it looks like a longitude: are latitude and "
             "longitude swapped?)", longitude="39.7501",
             name="latitude-swapped-in-the-west"),
    rejected("longitude", "-200",
             "'-200' is not a longitude; use decimal degrees between -180 and 180"),
    rejected("longitude", "", "is empty but latitude is given; give both or leave both blank"),
    rejected("phone", "555-CALL-NOW",
             "'555-CALL-NOW' is not a phone number we can dial; use a US number like "
             "(303) 555-0142"),
    rejected("phone", "555-0142", "is not a phone number"),
    rejected("phone", "+44 20 79", "is not a phone number"),
    rejected("website", "javascript:alert(1)",
             "'javascript:alert(1)' uses the javascript: scheme; only http:// and https:// "
             "links are allowed"),
    rejected("website", "ftp://files.example.com", "uses the ftp: scheme"),
    rejected("source_url", "data:text/html,hi", "uses the data: scheme"),
    rejected("website", "call us", "'call us' is not a web address"),
    rejected("email", "care at example.com", "is not an email address"),
    # issue 12 finding 7: e-mail cells were not validated; this one passed.
    rejected("email", "[x](javascript:alert(1))@evil.example",
             "is not an email address; write one address such as name@clinic.example.com "
             "(no mailto:, spaces, brackets or second address)", name="email-markdown-link"),
    rejected("email", "mailto:care@milehigh.example.com", "is not an email address",
             name="email-scheme"),
    rejected("email", "a@x.example.com; b@x.example.com", "is not an email address",
             name="email-two-addresses"),
    rejected("email", "a@x.example.com,b@x.example.com", "is not an email address",
             name="email-two-addresses-comma"),
    rejected("email", "<care@x.example.com>", "is not an email address", name="email-html"),
    rejected("email", "care@@x.example.com", "is not an email address", name="email-two-ats"),
    rejected("email", "care@localhost", "is not an email address", name="email-no-tld"),
    rejected("email", ".care@x.example.com", "is not an email address", name="email-dot"),
    rejected("email", "care..x@x.example.com", "is not an email address", name="email-dots"),
    rejected("email", "care@-x.example.com", "is not an email address", name="email-dash"),
    rejected("email", "cáre@x.example.com", "is not an email address", name="email-non-ascii"),
    rejected("email", "care@x.example.com/path", "is not an email address",
             name="email-path"),
    rejected("price_per_session_usd", "free",
             "'free' is not a price; use a number of US dollars"),
    rejected("price_per_session_usd", "400-600", "'400-600' is not a price"),
    rejected("price_per_session_usd", "-5", "'-5' is negative; a price must be 0 or more"),
    rejected("last_verified", "2027-01-15", "'2027-01-15' is in the future"),
    rejected("last_verified", "2026-11-21", "is in the future"),
    rejected("last_verified", "14/9/2026",
             "'14/9/2026' is not a date; use YYYY-MM-DD, e.g. 2026-11-20"),
    rejected("last_verified", "2026-02-30", "is not a date"),
    rejected("last_verified", "last week", "is not a date"),
    rejected("address", "",
             "is empty; an in-person clinic needs address, city, state and zip"),
    rejected("city", "", "an in-person clinic needs address, city, state and zip"),
    rejected("state", "", "an in-person clinic needs address, city, state and zip"),
    rejected("zip", "", "an in-person clinic needs address, city, state and zip"),
    rejected("service_states", "",
             "is empty; a telehealth provider needs the USPS codes of the states", base=TELE),
    rejected("modalities", "at_home;iv",
             "includes care given in a clinic; a telehealth row can only offer at_home",
             base=TELE),
]
# fmt: on


@pytest.mark.parametrize(("record", "column", "message"), REJECTED)
def test_rejected_value_is_reported_at_its_line_and_column(
    tmp_path: Path, record: dict[str, str], column: str, message: str
) -> None:
    loaded = load_rows(tmp_path, BOSTON, record)
    [error] = loaded.report.errors
    assert (error.line, error.column) == (3, column)
    assert error.value == record[column].strip()
    assert message in error.message
    assert str(error).startswith(f"line 3, column {column}: ")
    assert not loaded.report.valid
    assert list(loaded.usable()["id"]) == [BOSTON["id"]]


@pytest.mark.parametrize(
    ("column", "invisible"),
    [
        ("name", "\u200b"),
        ("name", "\u180e"),
        ("name", "\ufeff"),
        ("name", "\u200c\u200d\u2060 \u00a0"),
        ("kind", "\u200b\u200b"),
        ("address", "\u2060"),
    ],
)
def test_a_value_of_only_invisible_characters_is_empty(
    tmp_path: Path, column: str, invisible: str
) -> None:
    """issue 12 finding 7: names made only of zero-width characters counted as non-empty."""
    loaded = load_rows(tmp_path, BOSTON, row(**{column: invisible}))
    [error] = loaded.report.errors
    assert (error.line, error.column, error.value) == (3, column, "")
    assert error.message.startswith("is empty;")
    assert list(loaded.usable()["id"]) == [BOSTON["id"]]


def test_the_issue_example_message_word_for_word(tmp_path: Path) -> None:
    rows = [row(id=f"clinic-{n}", name=f"Clinic {n}", address=f"{n} Larimer St") for n in range(12)]
    rows.append(row(id="gas", modalities="laughing_gas"))
    loaded = load_rows(tmp_path, *rows)
    assert [str(p) for p in loaded.report.errors] == [
        "line 14, column modalities: 'laughing_gas' is not a modality; "
        "use iv, im, nasal, oral or at_home"
    ]


def test_every_schema_column_has_an_accepted_and_a_rejected_case() -> None:
    def columns(params: list[Any]) -> set[str]:
        return {p.values[1] for p in params}

    optional_free_text = {"insurers", "languages", "notes", "address", "city", "name"}
    assert set(schema.COLUMN_NAMES) - columns(ACCEPTED) <= optional_free_text
    assert set(schema.COLUMN_NAMES) - columns(REJECTED) <= optional_free_text - {"name"}


# --- telehealth rows: at-home care only -----------------------------------------------------

FOLDED = "lists oral on a telehealth row; read as 'at_home'"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("at_home;oral", "at_home", id="at-home-and-oral"),
        pytest.param("oral", "at_home", id="oral-alone"),
        pytest.param("Sublingual", "at_home", id="sublingual"),
        pytest.param("Oral | At-Home", "at_home", id="other-spellings"),
    ],
)
def test_oral_on_a_telehealth_row_is_read_as_at_home_with_a_warning(
    tmp_path: Path, typed: str, expected: str
) -> None:
    loaded = load_rows(tmp_path, BOSTON, telehealth_row(modalities=typed))
    assert loaded.report.valid, loaded.report.to_text()
    [warning] = loaded.report.warnings
    assert (warning.line, warning.column, warning.value) == (3, "modalities", typed)
    assert FOLDED in warning.message
    assert loaded.table.loc[1, "modalities"] == expected
    assert list(loaded.usable()["id"]) == [BOSTON["id"], TELE["id"]]


def test_the_oral_on_telehealth_warning_word_for_word(tmp_path: Path) -> None:
    loaded = load_rows(tmp_path, telehealth_row(modalities="at_home;oral"))
    assert [str(p) for p in loaded.report.warnings] == [
        "line 2, column modalities: 'at_home;oral' lists oral on a telehealth row; read as "
        "'at_home' (tablets or lozenges taken at home). For oral doses given in a clinic, "
        "add a clinic row"
    ]


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("at_home;iv", id="iv"),
        pytest.param("at_home;IM", id="im"),
        pytest.param("Spravato", id="nasal"),
        pytest.param("oral;nasal", id="oral-and-nasal"),
        pytest.param("at_home;oral;iv", id="oral-and-iv"),
    ],
)
def test_in_clinic_only_care_on_a_telehealth_row_is_an_error(tmp_path: Path, typed: str) -> None:
    loaded = load_rows(tmp_path, BOSTON, telehealth_row(modalities=typed))
    [error] = loaded.report.errors
    assert (error.line, error.column, error.value) == (3, "modalities", typed)
    assert "includes care given in a clinic; a telehealth row can only offer at_home" in (
        error.message
    )
    assert loaded.report.warnings == []  # oral is not also folded on a rejected row
    assert list(loaded.usable()["id"]) == [BOSTON["id"]]


# --- other per-row checks -----------------------------------------------------------------


def test_blank_coordinates_are_filled_from_the_zip_centroid_and_marked_approximate(
    tmp_path: Path,
) -> None:
    loaded = load_rows(tmp_path, row(latitude="", longitude=""), BOSTON)
    centroid = get_gazetteer().zips.loc["80202"]
    first, second = loaded.table.iloc[0], loaded.table.iloc[1]
    assert (first[schema.LAT], first[schema.LON]) == (centroid["lat"], centroid["lon"])
    assert bool(first[schema.COORDINATES_APPROXIMATE]) is True
    assert math.isnan(first["latitude"])
    assert math.isnan(first["longitude"])
    assert (second[schema.LAT], second[schema.LON]) == (42.3497, -71.0730)
    assert bool(second[schema.COORDINATES_APPROXIMATE]) is False
    assert loaded.report.valid
    assert not loaded.report.warnings


def test_zip_plus_4_uses_the_five_digit_centroid(tmp_path: Path) -> None:
    loaded = load_rows(tmp_path, row(zip="80202-1234", latitude="", longitude=""))
    assert loaded.table.loc[0, schema.LAT] == get_gazetteer().zips.loc["80202", "lat"]


def test_telehealth_rows_have_no_point(tmp_path: Path) -> None:
    loaded = load_rows(tmp_path, telehealth_row())
    assert loaded.report.valid
    assert math.isnan(loaded.table.loc[0, schema.LAT])
    assert not loaded.table.loc[0, schema.COORDINATES_APPROXIMATE]


def test_coordinates_far_from_the_zip_are_a_warning_naming_the_distance(tmp_path: Path) -> None:
    loaded = load_rows(tmp_path, row(latitude="39.7501", longitude="-100.9996"))
    [warning] = loaded.report.warnings
    assert (warning.line, warning.column, warning.value) == (2, "latitude", "39.7501, -100.9996")
    assert "miles from ZIP 80202; check for a typo" in warning.message
    assert loaded.report.valid


def test_swapped_coordinates_in_the_east_are_a_warning(tmp_path: Path) -> None:
    boston = BOSTON | {"latitude": "-71.0730", "longitude": "42.3497"}
    loaded = load_rows(tmp_path, boston)
    [warning] = loaded.report.warnings
    assert (warning.line, warning.column) == (2, "latitude")
    assert "look swapped" in warning.message


def test_unknown_zip_with_coordinates_is_only_a_warning(tmp_path: Path) -> None:
    loaded = load_rows(tmp_path, row(zip="00000"))
    assert loaded.report.valid
    [warning] = loaded.report.warnings
    assert (warning.column, warning.value) == ("zip", "00000")
    assert "is not a ZIP code we know" in warning.message


def test_zip_in_another_state_is_a_warning(tmp_path: Path) -> None:
    loaded = load_rows(tmp_path, row(zip="02116", latitude="", longitude=""))
    [warning] = loaded.report.warnings
    assert warning.column == "zip"
    assert "'02116' is a ZIP code in MA, not in the row's state" in warning.message


def test_an_invalid_state_is_not_also_compared_with_the_zip(tmp_path: Path) -> None:
    loaded = load_rows(tmp_path, row(state="ZZ"))
    assert [p.column for p in loaded.report.errors] == ["state"]
    assert loaded.report.warnings == []


def test_duplicate_id_is_an_error_naming_the_first_line(tmp_path: Path) -> None:
    other = BOSTON | {"id": VALID_ROW["id"]}
    loaded = load_rows(tmp_path, row(), BOSTON | {"id": "x"}, other)
    [error] = loaded.report.errors
    assert (error.line, error.column, error.value) == (4, "id", VALID_ROW["id"])
    assert "duplicate id 'mile-high-ketamine-denver' (first used on line 2)" in error.message


def test_same_name_and_address_under_two_ids_is_a_warning(tmp_path: Path) -> None:
    twin = row(
        id="mile-high-2", name="MILE HIGH KETAMINE CLINIC", address="1550 Larimer St Suite 300"
    )
    loaded = load_rows(tmp_path, row(), BOSTON, twin)
    assert loaded.report.valid
    [warning] = loaded.report.warnings
    assert (warning.line, warning.column) == (4, "name")
    assert "listed on line 2 as 'mile-high-ketamine-denver'" in warning.message


def test_a_row_repeated_with_the_same_id_is_only_the_duplicate_id_error(tmp_path: Path) -> None:
    loaded = load_rows(tmp_path, row(), row())
    assert [(p.line, p.column) for p in loaded.report.errors] == [(3, "id")]
    assert loaded.report.warnings == []


def test_telehealth_address_is_ignored_with_a_warning(tmp_path: Path) -> None:
    loaded = load_rows(tmp_path, telehealth_row(address="1 Main St"))
    assert loaded.report.valid
    [warning] = loaded.report.warnings
    assert (warning.column, warning.value) == ("address", "1 Main St")
    assert "telehealth providers are matched by service_states" in warning.message


@pytest.mark.parametrize(
    ("column", "value"),
    [
        pytest.param("name", '=HYPERLINK("http://x.example")', id="equals"),
        pytest.param("notes", "+1 call now", id="plus"),
        pytest.param("insurers", "-Aetna", id="minus"),
        pytest.param("languages", "@SUM(A1)", id="at"),
    ],
)
def test_cells_starting_like_a_formula_are_a_warning(
    tmp_path: Path, column: str, value: str
) -> None:
    loaded = load_rows(tmp_path, row(**{column: value}))
    assert loaded.report.valid
    [warning] = loaded.report.warnings
    assert (warning.line, warning.column, warning.value) == (2, column, value)
    assert f"starts with '{value[0]}', which a spreadsheet may run as a formula" in warning.message
    assert loaded.table.loc[0, column] == value  # reported, never changed


def test_formula_check_covers_unknown_columns_but_not_plain_numbers(tmp_path: Path) -> None:
    header = [*HEADER, "crm_formula", "balance"]
    text = csv_text(row() | {"crm_formula": "=1+1", "balance": "-12.5"}, header=header)
    loaded = load_clinics(write_csv(tmp_path, text), today=TODAY)
    assert [(p.column, p.value) for p in loaded.report.warnings] == [("crm_formula", "=1+1")]


def test_phone_with_plus_and_negative_longitude_are_not_formulas(tmp_path: Path) -> None:
    loaded = load_rows(tmp_path, row(phone="+1 303 555 0142", longitude="-104.9996"))
    assert loaded.report.warnings == []


# --- header -------------------------------------------------------------------------------


def test_header_spellings_are_mapped_to_schema_columns(tmp_path: Path) -> None:
    spelled = {
        "id": " ID ",
        "name": "Clinic Name",
        "kind": "Type",
        "zip": "Zip Code",
        "latitude": "Lat",
        "longitude": "LNG",
        "website": "URL",
        "last_verified": "Last Verified",
    }
    header = [spelled.get(name, name) for name in HEADER]
    text = csv_text({spelled.get(name, name): VALID_ROW[name] for name in HEADER}, header=header)
    loaded = load_clinics(write_csv(tmp_path, text), today=TODAY)
    assert loaded.report.valid, loaded.report.to_text()
    assert schema.data_columns(loaded.table.columns) == list(HEADER)
    assert loaded.table.loc[0, "zip"] == "80202"


def test_unknown_columns_are_kept_untouched_in_file_order(tmp_path: Path) -> None:
    header = ["Internal Notes", *HEADER[:5], "crm id", *HEADER[5:], "Owner"]
    values = {"Internal Notes": "  spaced  ", "crm id": "007", "Owner": "NA"}
    text = csv_text(row() | values, header=header)
    loaded = load_clinics(write_csv(tmp_path, text), today=TODAY)
    assert loaded.report.valid, loaded.report.to_text()
    assert schema.data_columns(loaded.table.columns) == header
    assert list(loaded.table.columns[len(header) :]) == list(schema.DERIVED_COLUMNS)
    assert {k: loaded.table.loc[0, k] for k in values} == values


def test_missing_optional_columns_are_added_empty_after_the_file_columns(tmp_path: Path) -> None:
    header = [
        "id",
        "name",
        "kind",
        "modalities",
        "conditions",
        "address",
        "city",
        "state",
        "zip",
        "va_coverage",
        "therapist_requirement",
        "last_verified",
    ]
    loaded = load_rows(tmp_path, row(), header=header)
    assert loaded.report.valid, loaded.report.to_text()
    assert schema.data_columns(loaded.table.columns)[: len(header)] == header
    assert set(schema.data_columns(loaded.table.columns)) == set(HEADER)
    assert loaded.table.loc[0, "accepting_new_patients"] == "unknown"
    assert loaded.table.loc[0, schema.COORDINATES_APPROXIMATE]


def test_missing_required_column_is_an_error_on_line_1(tmp_path: Path) -> None:
    header = [name for name in HEADER if name not in ("kind", "va_coverage")]
    loaded = load_rows(tmp_path, row(), header=header)
    assert [(p.line, p.column) for p in loaded.report.errors] == [(1, "kind"), (1, "va_coverage")]
    assert "missing required column 'kind'; the header must include id, name, kind" in (
        loaded.report.errors[0].message
    )


def test_duplicate_header_is_an_error(tmp_path: Path) -> None:
    header = [*HEADER, "Zip Code"]
    text = csv_text(row() | {"Zip Code": "80202"}, header=header)
    loaded = load_clinics(write_csv(tmp_path, text), today=TODAY)
    [error] = loaded.report.errors
    assert (error.line, error.column, error.value) == (1, "zip", "Zip Code")
    assert "appears twice in the header (columns 9 and 27)" in error.message


def test_unnamed_column_with_values_is_an_error(tmp_path: Path) -> None:
    text = csv_text(row() | {"": "stray"}, header=[*HEADER, ""])
    loaded = load_clinics(write_csv(tmp_path, text), today=TODAY)
    [error] = loaded.report.errors
    assert (error.line, error.column) == (1, "#27")
    assert "column 27 has no name in the header but has values below it" in error.message


def test_empty_unnamed_columns_and_empty_rows_are_spreadsheet_leftovers(tmp_path: Path) -> None:
    text = csv_text(row(), header=HEADER).replace("\n", ",,\n") + ",,,,,,\n\n" + ",,,\n"
    loaded = load_clinics(write_csv(tmp_path, text), today=TODAY)
    assert loaded.report.valid, loaded.report.to_text()
    assert not loaded.report.warnings, loaded.report.to_text()
    assert schema.data_columns(loaded.table.columns) == list(HEADER)
    assert len(loaded.table) == 1


def test_column_names_starting_with_underscore_are_reserved(tmp_path: Path) -> None:
    text = csv_text(row() | {"_line": "x"}, header=[*HEADER, "_line"])
    loaded = load_clinics(write_csv(tmp_path, text), today=TODAY)
    [error] = loaded.report.errors
    assert (error.line, error.column) == (1, "_line")
    assert "reserved for the app; rename '_line'" in error.message


# --- CSV structure ------------------------------------------------------------------------


def test_multiline_record_is_reported_at_its_start_line(tmp_path: Path) -> None:
    notes = "Parking behind the building.\nBring a driver."
    loaded = load_rows(
        tmp_path,
        BOSTON,
        row(notes=notes, phone="555-CALL-NOW"),
        row(id="z", name="Z", modalities="pill"),
    )
    assert [(p.line, p.column) for p in loaded.report.errors] == [(3, "phone"), (5, "modalities")]
    assert list(loaded.table[schema.LINE]) == [2, 3, 5]
    assert loaded.table.loc[1, "notes"] == notes


def test_a_record_over_five_lines_gets_a_missing_quote_warning(tmp_path: Path) -> None:
    loaded = load_rows(tmp_path, row(notes="a\nb\nc\nd\ne\nf"), BOSTON)
    [warning] = loaded.report.warnings
    assert (warning.line, warning.column) == (2, None)
    assert "runs over 6 lines inside quotes; check for a missing closing quote" in warning.message
    assert list(loaded.table[schema.LINE]) == [2, 8]


def test_an_unclosed_quote_is_an_error_at_the_record_start(tmp_path: Path) -> None:
    text = csv_text(row(), BOSTON, row(id="c", name="C", address="2 Main St")).replace(
        "harbor-infusion-boston,Harbor", 'harbor-infusion-boston,"Harbor', 1
    )
    loaded = load_clinics(write_csv(tmp_path, text), today=TODAY)
    [error] = loaded.report.errors
    assert (error.line, error.column) == (3, None)
    assert "never closed, so everything from line 3 to the end of the file (line 4)" in (
        error.message
    )
    assert list(loaded.usable()["id"]) == [VALID_ROW["id"]]


def test_ragged_long_row_is_one_error_without_misleading_column_errors(tmp_path: Path) -> None:
    text = csv_text(row(), BOSTON).replace(
        '"1550 Larimer St, Suite 300"', "1550 Larimer St, Suite 300"
    )
    loaded = load_clinics(write_csv(tmp_path, text), today=TODAY)
    assert [str(p) for p in loaded.report.errors] == [
        "line 2: this row has 27 cells but the header has 26; check for an unquoted comma "
        "in a value"
    ]
    assert loaded.report.warnings == []
    assert list(loaded.usable()["id"]) == [BOSTON["id"]]


def test_extra_empty_cells_at_the_end_of_a_row_are_ignored(tmp_path: Path) -> None:
    text = csv_text(row(), BOSTON).replace("Free parking.\n", "Free parking.,,\n")
    loaded = load_clinics(write_csv(tmp_path, text), today=TODAY)
    assert loaded.report.valid
    assert not loaded.report.warnings


def test_ragged_short_row_is_a_warning_and_padded(tmp_path: Path) -> None:
    lines = csv_text(row(), BOSTON).split("\n")
    lines[2] = lines[2].rsplit(",", 3)[0]
    loaded = load_clinics(write_csv(tmp_path, "\n".join(lines)), today=TODAY)
    assert loaded.report.valid
    assert (
        "this row has 23 cells but the header has 26; the missing cells are treated as empty"
        in [p.message for p in problems_at(loaded.report, 3)]
    )
    assert loaded.table.loc[1, "notes"] == ""


def test_a_cell_beyond_the_field_limit_is_a_clear_error(tmp_path: Path) -> None:
    text = csv_text(row(), row(id="huge", notes="x" * (csvfile.MAX_FIELD_CHARS + 10)))
    loaded = load_clinics(write_csv(tmp_path, text), today=TODAY)
    [error] = loaded.report.errors
    assert error.line == 3
    assert "cannot read the CSV from here on" in error.message
    assert list(loaded.table["id"]) == [VALID_ROW["id"]]


def test_crlf_lf_and_bom_give_identical_tables(tmp_path: Path) -> None:
    rows = (row(notes="two\nlines"), BOSTON)
    plain = load_clinics(write_csv(tmp_path, csv_text(*rows), "lf.csv"), today=TODAY)
    crlf = load_clinics(
        write_csv(tmp_path, csv_text(*rows, lineterminator="\r\n"), "crlf.csv"), today=TODAY
    )
    bom = load_clinics(write_csv(tmp_path, "\ufeff" + csv_text(*rows), "bom.csv"), today=TODAY)
    crlf.table.loc[0, "notes"] = crlf.table.loc[0, "notes"].replace("\r\n", "\n")
    pd.testing.assert_frame_equal(plain.table, crlf.table)
    pd.testing.assert_frame_equal(plain.table, bom.table)
    assert plain.report.to_dict() == crlf.report.to_dict() == bom.report.to_dict()


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_semicolon_and_tab_separated_files_are_read(tmp_path: Path, delimiter: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerow([VALID_ROW[name] for name in HEADER])
    loaded = load_clinics(write_csv(tmp_path, buffer.getvalue()), today=TODAY)
    assert loaded.report.valid, loaded.report.to_text()
    assert not loaded.report.warnings, loaded.report.to_text()
    assert loaded.table.loc[0, "modalities"] == "iv;nasal"


# --- encodings and files that are not CSV at all --------------------------------------------


def test_windows_1252_is_read_with_a_warning(tmp_path: Path) -> None:
    text = csv_text(row(), BOSTON | {"name": "Café Inés – Infusion"})
    loaded = load_clinics(write_csv(tmp_path, text.encode("cp1252")), today=TODAY)
    assert loaded.report.valid
    [warning] = loaded.report.warnings
    assert warning.line == 3
    assert "read as Windows-1252" in warning.message
    assert loaded.table.loc[1, "name"] == "Café Inés – Infusion"


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_an_error(tmp_path: Path) -> None:
    data = csv_text(row()).encode() + b"bad\x81byte\n"
    loaded = load_clinics(write_csv(tmp_path, data), today=TODAY)
    [error] = loaded.report.errors
    assert error.line == 3
    assert "not UTF-8 text (nor Windows-1252)" in error.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_a_bom_is_read(tmp_path: Path, encoding: str) -> None:
    data = csv_text(row(name="Café")).encode(encoding)
    if encoding != "utf-16":
        data = ("\ufeff".encode(encoding)) + data
    loaded = load_clinics(write_csv(tmp_path, data), today=TODAY)
    assert loaded.report.valid, loaded.report.to_text()
    assert not loaded.report.warnings, loaded.report.to_text()
    assert loaded.table.loc[0, "name"] == "Café"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b" \n\r\n\t\n", "the file is empty", id="whitespace"),
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00rest-of-zip", ".xlsx", id="xlsx"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file", id="png"),
        pytest.param(csv_text().encode(), "no clinics below it", id="header-only"),
    ],
)
def test_files_without_clinics_are_one_clear_error(
    tmp_path: Path, data: bytes, message: str
) -> None:
    loaded = load_clinics(write_csv(tmp_path, data), today=TODAY)
    assert [p.line for p in loaded.report.errors] == [None]
    assert message in loaded.report.errors[0].message
    assert loaded.report.rows == 0
    assert loaded.table.empty
    assert set(schema.COLUMN_NAMES) | set(schema.DERIVED_COLUMNS) <= set(loaded.table.columns)


def test_files_that_cannot_be_opened_raise_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such file"):
        load_clinics(tmp_path / "missing.csv")
    with pytest.raises(DataFileError, match="is a folder"):
        load_clinics(tmp_path)
    assert issubclass(DataFileError, OSError)
    assert issubclass(DataFileError, DirectoryError)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without permission")
def test_unreadable_file_raises_data_file_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path, csv_text(row()))
    path.chmod(0)
    with pytest.raises(DataFileError, match="permission denied"):
        load_clinics(path)


def test_data_file_errors_read_the_same_for_loading_and_hashing(tmp_path: Path) -> None:
    from directory.history import file_sha256

    for target, message in ((tmp_path / "missing.csv", "no such file"), (tmp_path, "is a folder")):
        with pytest.raises(DataFileError, match=message) as loading:
            dataset.read_data_file(target)
        with pytest.raises(DataFileError) as hashing:
            file_sha256(target)
        assert str(hashing.value) == str(loading.value)


@pytest.mark.parametrize(
    ("age_days", "stale"), [(364, False), (365, False), (366, True), (800, True)]
)
def test_the_validator_and_the_card_agree_on_when_a_listing_is_stale(
    age_days: int, stale: bool
) -> None:
    verified = (TODAY - timedelta(days=age_days)).isoformat()
    loaded = parse_clinics(csv_text(row(last_verified=verified)), today=TODAY)
    warned = any(p.column == "last_verified" for p in loaded.report.warnings)
    assert warned is stale
    assert listing.verification(verified, TODAY).stale is stale


def test_report_keeps_a_bounded_number_of_problems(tmp_path: Path) -> None:
    rows = [
        row(id=f"c{n}", name=f"C {n}", modalities="pill") for n in range(MAX_PROBLEMS_KEPT + 50)
    ]
    loaded = load_rows(tmp_path, *rows)
    assert len(loaded.report.errors) == MAX_PROBLEMS_KEPT
    assert loaded.report.error_count == MAX_PROBLEMS_KEPT + 50
    assert loaded.report.to_dict()["errors_not_shown"] == 50


@pytest.mark.slow
def test_a_100_megabyte_file_ends_in_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Over the default size limit (see test_limits.py); with the limit raised, garbage
    # still ends in a readable report rather than a traceback.
    monkeypatch.setenv(limits.MAX_FILE_MB_ENV, "128")
    path = tmp_path / "huge.csv"
    path.write_bytes(b"x" * 100_000_000)
    loaded = load_clinics(path, today=TODAY)
    [error] = loaded.report.errors
    assert "cannot read the CSV from here on" in error.message


# --- which rows patients may see ------------------------------------------------------------


def test_rows_with_errors_past_the_report_cap_are_still_not_usable() -> None:
    bad = [
        row(id=f"c{n}", name=f"C {n}", address=f"{n} Main St", website="javascript:alert(1)")
        for n in range(MAX_PROBLEMS_KEPT + 10)
    ]
    loaded = parse_clinics(csv_text(*bad, BOSTON), today=TODAY)
    assert loaded.report.error_count == MAX_PROBLEMS_KEPT + 10
    assert loaded.report.errors_not_kept == 10
    usable = loaded.usable()
    assert list(usable["id"]) == [BOSTON["id"]]
    assert not usable["website"].str.startswith("javascript:").any()
    assert int(loaded.table[schema.HAS_ERROR].sum()) == MAX_PROBLEMS_KEPT + 10


def test_misread_rows_past_the_report_cap_are_still_not_usable() -> None:
    # An unquoted comma in the last column: the row is one cell too long, and only that
    # (the cut-off text would otherwise pass every check and be shown).
    rows = [
        row(id=f"c{n}", name=f"C {n}", address=f"{n} Main St", notes="Parking, free")
        for n in range(MAX_PROBLEMS_KEPT + 10)
    ]
    text = csv_text(*rows, BOSTON).replace('"Parking, free"', "Parking, free")
    loaded = parse_clinics(text, today=TODAY)
    assert loaded.report.error_count == MAX_PROBLEMS_KEPT + 10
    assert list(loaded.usable()["id"]) == [BOSTON["id"]]


@pytest.mark.parametrize(
    ("header", "extra"),
    [
        pytest.param([c for c in HEADER if c != "therapist_requirement"], {}, id="missing-column"),
        pytest.param([*HEADER, "Zip Code"], {"Zip Code": "80202"}, id="duplicate-column"),
        pytest.param([*HEADER, ""], {"": "stray"}, id="unnamed-column"),
        pytest.param([*HEADER, "_secret"], {"_secret": "x"}, id="reserved-column"),
    ],
)
def test_a_header_error_means_no_row_is_usable(header: list[str], extra: dict[str, str]) -> None:
    loaded = parse_clinics(csv_text(row() | extra, BOSTON | extra, header=header), today=TODAY)
    assert [p.line for p in loaded.report.errors] == [1]
    assert loaded.report.has_file_errors
    assert len(loaded.table) == 2
    assert loaded.usable().empty
    assert list(loaded.usable().columns) == list(loaded.table.columns)


def test_a_header_error_past_the_report_cap_still_means_no_row_is_usable() -> None:
    # The reader fills the report with misread rows before the header is even checked.
    rows = [
        row(id=f"c{n}", name=f"C {n}", address=f"{n} Main St", notes="Parking, free")
        for n in range(MAX_PROBLEMS_KEPT + 10)
    ]
    header = [c for c in HEADER if c != "therapist_requirement"]
    text = csv_text(*rows, BOSTON, header=header).replace('"Parking, free"', "Parking, free")
    loaded = parse_clinics(text, today=TODAY)
    assert all(p.line != 1 for p in loaded.report.errors)  # the header error was not kept
    assert loaded.report.error_count == MAX_PROBLEMS_KEPT + 11
    assert loaded.usable().empty


def test_only_rows_with_errors_are_hidden_not_rows_with_warnings(tmp_path: Path) -> None:
    loaded = load_rows(
        tmp_path,
        row(notes="=cheap"),  # a warning
        BOSTON | {"zip": "99999x"},  # an error
        telehealth_row(last_verified=""),  # a warning
    )
    assert [p.line for p in loaded.report.errors] == [3]
    assert list(loaded.table[schema.HAS_ERROR]) == [False, True, False]
    assert list(loaded.usable()["id"]) == [VALID_ROW["id"], TELE["id"]]


# --- web addresses: what the validator accepts, the card links --------------------------------


def card_link(card_row: pd.Series) -> str | None:
    """The website link target on a clinic's card, or None if the card has none."""
    card = listing.clinic_markdown(card_row, TODAY)
    # Data is escaped on the card, so an unescaped "](" can only come from a real link.
    targets = re.findall(r"(?<!\\)\]\(([^)]*)\)", card)
    # The website link, not the phone's tel: link or the code-built directions link.
    directions = "https://www.openstreetmap.org/directions"
    web = [t for t in targets if not t.startswith(("tel:", directions))]
    assert len(web) <= 1, card
    return web[0] if web else None


def assert_links_to(target: str | None, url: str) -> None:
    assert target is not None, f"no link for {url!r}"
    assert target.lower().startswith(("http://", "https://"))
    # Nothing that could end the Markdown link early or start a title or new block.
    assert not re.search(r"[\s()<>\\\"`\x00-\x1f\x7f]", target), target
    assert target.isascii()
    assert unquote(target) == unquote(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://x.example.com/o'brien",
        "https://x.example.com/wiki/Ketamine_(drug)",
        'https://x.example.com/?q="quoted"',
        "https://x.example.com/<b>",
        "https://x.example.com/a\\b`c`",
        "https://x.example.com/[x](javascript:alert(1))",
        "https://x.example.com/caf\u00e9?\u00fc=1",
        "HTTPS://X.EXAMPLE.COM:8443/#top",
        "http://x.example.com/100%25",
    ],
)
def test_every_accepted_web_address_is_linked_on_the_card(url: str) -> None:
    loaded = parse_clinics(csv_text(row(website=url)), today=TODAY)
    assert loaded.report.valid, loaded.report.to_text()
    assert loaded.table.loc[0, "website"] == url
    assert_links_to(card_link(loaded.usable().iloc[0]), url)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.from_regex(schema.WEB_ADDRESS, fullmatch=True),
        st.text(max_size=20).map(lambda tail: "https://x.example.com/" + tail),
        st.text(max_size=30),
    )
)
def test_what_the_validator_accepts_the_card_links(url: str) -> None:
    loaded = parse_clinics(csv_text(row(website=url)), today=TODAY)
    # A rejected address leaves no card at all; every card shown links its website.
    for _, card_row in loaded.usable().iterrows():
        if card_row["website"]:
            assert_links_to(card_link(card_row), card_row["website"])


# --- the malformed corpus -------------------------------------------------------------------


def test_corpus_has_a_manifest_entry_for_every_file() -> None:
    files = {path.name for path in CORPUS.glob("*.csv")}
    assert files == set(MANIFEST)
    assert len(files) >= 30


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_malformed_corpus_file(name: str) -> None:
    expected = MANIFEST[name]
    loaded = load_clinics(CORPUS / name, today=TODAY)
    report = loaded.report
    severity = expected["severity"]
    default_errors = 1 if severity == "error" else 0
    assert report.error_count == expected.get("errors", default_errors), report.to_text()
    if severity != "accepted":
        found = report.errors if severity == "error" else report.warnings
        matching = [
            p
            for p in found
            if (p.line, p.column) == (expected["line"], expected["column"])
            and expected["message"] in p.message
        ]
        assert matching, report.to_text()
    if "normalised" in expected:
        target = expected["normalised"]
        [position] = np.flatnonzero(loaded.table[schema.LINE].to_numpy() == target["line"])
        assert loaded.table.iloc[position][target["column"]] == target["value"]


# --- properties ---------------------------------------------------------------------------

HEADER_BYTES = ",".join(HEADER).encode() + b"\n"


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=600),
        st.binary(max_size=400).map(lambda tail: HEADER_BYTES + tail),
        st.binary(max_size=400).map(lambda tail: b"\xef\xbb\xbf" + HEADER_BYTES + tail),
        st.binary(max_size=400).map(lambda tail: b"\xff\xfe" + tail),
    )
)
@example(b"\x00")
@example(b"\xff\xfe\x00")
@example(b'"')
@example(HEADER_BYTES + b'"\n')
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    loaded = parse_clinics(data, today=TODAY)  # content problems are reported, never raised
    assert loaded.report.rows == len(loaded.table)
    assert loaded.report.valid == (loaded.report.error_count == 0)
    loaded.report.to_text()
    json.dumps(loaded.report.to_dict())


cells = st.one_of(st.text(max_size=12), st.sampled_from(PLAUSIBLE_CELLS))


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, max_size=len(HEADER) + 2), max_size=6))
def test_arbitrary_rows_under_a_valid_header_never_raise(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    text = buffer.getvalue()
    loaded = parse_clinics(text, today=TODAY)
    last_line = text.count("\n") + text.count("\r") + 1
    columns = set(loaded.table.columns)
    for problem in loaded.report.errors + loaded.report.warnings:
        assert problem.line is None or 1 <= problem.line <= last_line, problem
        assert problem.column is None or problem.column in columns or problem.column.startswith("#")
    assert (loaded.table[schema.LINE].diff().dropna() > 0).all()


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(categories=["Cs", "L", "P"]) | st.sampled_from(',\n"'), max_size=40))
def test_text_with_lone_surrogates_never_raises(tail: str) -> None:
    loaded = parse_clinics(",".join(HEADER) + "\n" + tail, today=TODAY)
    assert loaded.report.rows == len(loaded.table)


def test_lone_surrogates_are_replaced_with_a_warning() -> None:
    loaded = parse_clinics(csv_text(row(name="Mile\ud800High")), today=TODAY)
    assert loaded.table.loc[0, "name"] == "Mile\ufffdHigh"
    [warning] = loaded.report.warnings
    assert (warning.line, warning.column) == (2, None)
    assert "not valid Unicode" in warning.message


# --- round trip ---------------------------------------------------------------------------


def test_load_save_load_preserves_values_unknown_columns_and_order(tmp_path: Path) -> None:
    header = ["Internal Notes", *HEADER[:3], "legacy id", *HEADER[3:], "crm"]
    odd = [
        {"Internal Notes": "  leading spaces", "legacy id": "007", "crm": "=1+1"},
        {"Internal Notes": "NA", "legacy id": "", "crm": 'say "hi", then\nleave'},
        {"Internal Notes": "-", "legacy id": "0.10", "crm": "null"},
    ]
    rows = [
        row() | odd[0],
        BOSTON | odd[1] | {"latitude": "", "longitude": "", "zip": "2116"},
        telehealth_row(modalities="At-Home", service_states="new mexico, co") | odd[2],
    ]
    first = load_clinics(write_csv(tmp_path, csv_text(*rows, header=header), "a.csv"), today=TODAY)
    assert first.report.valid, first.report.to_text()
    saved = write_csv_text(first.table)
    second = load_clinics(write_csv(tmp_path, saved, "b.csv"), today=TODAY)
    assert second.report.valid
    assert schema.data_columns(second.table.columns) == header
    assert schema.data_columns(first.table.columns) == header
    columns = [c for c in first.table.columns if c != schema.LINE]
    pd.testing.assert_frame_equal(first.table[columns], second.table[columns])
    for n, values in enumerate(odd):
        for column, value in values.items():
            assert second.table.loc[n, column] == value
    # And once more: saving a loaded file is a fixed point.
    assert write_csv_text(second.table) == saved


def test_a_lone_carriage_return_in_a_cell_survives_a_save() -> None:
    # The csv module leaves a cell with a lone \r unquoted; read back, it would end the row.
    text = csv_text(row(notes="Line one\rLine two"), BOSTON)
    text = text.replace("Line one\rLine two", '"Line one\rLine two"')
    first = parse_clinics(text, today=TODAY)
    assert first.report.valid, first.report.to_text()
    saved = write_csv_text(first.table)
    second = parse_clinics(saved, today=TODAY)
    assert second.report.valid, second.report.to_text()
    pd.testing.assert_frame_equal(first.table, second.table)
    assert write_csv_text(second.table) == saved


def test_write_csv_text_leaves_out_derived_columns_and_number_noise() -> None:
    loaded = parse_clinics(
        csv_text(row(latitude="39.75010", price_per_session_usd="550.00")), today=TODAY
    )
    text = write_csv_text(loaded.table)
    header, values = text.splitlines()
    assert header.split(",") == list(HEADER)
    assert ",39.7501,-104.9996," in values
    assert ",550," in values


def test_round_trip_of_the_shipped_sample() -> None:
    first = load_clinics(REPO_ROOT / "data" / "clinics.csv", today=TODAY)
    second = parse_clinics(write_csv_text(first.table), today=TODAY)
    pd.testing.assert_frame_equal(first.table, second.table)
    assert first.report.to_dict() == second.report.to_dict()
