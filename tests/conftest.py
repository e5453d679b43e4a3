"""Shared test helpers: a valid clinic row, CSV text built from rows, and real files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from directory import schema

REPO_ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 20)
"""The fixed "today" every date-dependent test passes as ``today=``."""

HEADER: tuple[str, ...] = schema.COLUMN_NAMES

VALID_ROW: Mapping[str, str] = {
    "id": "mile-high-ketamine-denver",
    "name": "Mile High Ketamine Clinic",
    "kind": "clinic",
    "modalities": "iv;nasal",
    "conditions": "ptsd;depression",
    "address": "1550 Larimer St, Suite 300",
    "city": "Denver",
    "state": "CO",
    "zip": "80202",
    "latitude": "39.7501",
    "longitude": "-104.9996",
    "service_states": "",
    "phone": "(303) 555-0142",
    "website": "https://milehigh.example.com",
    "email": "hello@milehigh.example.com",
    "payment": "self_pay;financing",
    "insurers": "",
    "va_coverage": "community_care",
    "therapist_requirement": "in_house",
    "price_per_session_usd": "550",
    "accepting_new_patients": "yes",
    "trauma_therapies": "pe;cpt",
    "languages": "English; Spanish",
    "last_verified": "2026-09-14",
    "source_url": "https://milehigh.example.com/pricing",
    "notes": "Free parking.",
}
"""One in-person clinic in Denver with no problems at all (not even warnings)."""

TELEHEALTH_OVERRIDES: Mapping[str, str] = {
    "id": "homeward-telehealth",
    "name": "Homeward Ketamine Care",
    "kind": "telehealth",
    "modalities": "at_home",
    "address": "",
    "city": "",
    "state": "",
    "zip": "",
    "latitude": "",
    "longitude": "",
    "service_states": "CO;NM",
    "phone": "(888) 555-0101",
    "price_per_session_usd": "250",
}


PLAUSIBLE_CELLS: tuple[str, ...] = (
    "",
    " ",
    "iv",
    "IV;Spravato",
    "clinic",
    "telehealth",
    "CO",
    "Colorado",
    "ALL",
    "80202",
    "8020",
    "80202-1234",
    "39.75",
    "-104.99",
    "(303) 555-0142",
    "555-CALL-NOW",
    "https://x.example.com",
    "x.example.com",
    "javascript:alert(1)",
    "$1,200",
    "-5",
    "2026-01-01",
    "9/14/2026",
    "2099-01-01",
    "=1+1",
    "yes",
    "no",
    "unknown",
    "none",
    "ptsd",
    "a\nb",
    '"',
    "NaN",
    "inf",
    "1e400",
)
"""Cell values, good and bad, for property tests: each is a case some check handles."""


def card_row(**fields: object) -> pd.Series:
    """A loaded clinic row as a card gets it (normalised values, a distance), for display tests."""
    base: dict[str, object] = {name: "" for name in schema.COLUMN_NAMES}
    base.update(
        id="c",
        name="Clinic",
        kind="clinic",
        modalities="iv;nasal",
        conditions="ptsd",
        address="1 Main St",
        city="Denver",
        state="CO",
        zip="80202",
        phone="(303) 555-0101",
        website="https://clinic.example.com",
        va_coverage="community_care",
        therapist_requirement="required",
        price_per_session_usd=550.0,
        accepting_new_patients="yes",
        last_verified="2026-09-14",
        distance_miles=3.24,
    )
    base.update(fields)
    return pd.Series(base)


def row(**overrides: str) -> dict[str, str]:
    """:data:`VALID_ROW` with some columns replaced."""
    unknown = set(overrides) - set(HEADER)
    if unknown:
        raise KeyError(f"not schema columns: {sorted(unknown)}")
    return {**VALID_ROW, **overrides}


def telehealth_row(**overrides: str) -> dict[str, str]:
    """A valid telehealth provider serving CO and NM, with some columns replaced."""
    return row(**{**TELEHEALTH_OVERRIDES, **overrides})


def csv_text(
    *rows: Mapping[str, str], header: Sequence[str] = HEADER, lineterminator: str = "\n"
) -> str:
    """CSV text (quoted where needed, as the csv module writes it) of rows under a header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(header)
    for record in rows:
        writer.writerow([record.get(name, "") for name in header])
    return buffer.getvalue()


def write_csv(tmp_path: Path, content: str | bytes, name: str = "clinics.csv") -> Path:
    """Write CSV text (as UTF-8) or raw bytes to a real file under ``tmp_path``."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one per test module (browser tests only).

    Those modules skip themselves when ``/usr/bin/chromium`` is missing, so this fixture
    is only ever asked for where it can start. ``playwright install`` is never run.
    """
    from browser_support import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        try:
            yield chromium
        finally:
            chromium.close()


# ---------------------------------------------------------------- the app through AppTest

APP = str(REPO_ROOT / "app.py")
APP_TIMEOUT_S = 60


@pytest.fixture
def shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the app from the repository on its shipped sample data, with map tiles off."""
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.delenv("CLINICS_CSV", raising=False)
    monkeypatch.setenv("CLINIC_FINDER_TILES_URL", "none")


def start_app(**params: str | list[str]) -> Any:
    """``app.py``'s first run under AppTest with these URL parameters."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def url_params(at: Any) -> dict[str, list[str]]:
    """The page's URL parameters, each name mapped to all its values."""
    return {k: [v] if isinstance(v, str) else list(v) for k, v in at.query_params.items()}
