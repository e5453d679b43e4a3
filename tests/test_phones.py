"""The one phone rule (directory.phones): what the validator writes, every card can dial."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import phonenumbers
import pytest
from conftest import TODAY, csv_text, row, write_csv

from directory.dataset import load_clinics
from directory.phones import format_phone, format_phones, tel_uri


@pytest.mark.parametrize(
    ("phone", "uri"),
    [
        pytest.param("(303) 555-0142", "tel:+13035550142", id="us"),
        pytest.param("(303) 555-0142 ext. 12", "tel:+13035550142", id="us-extension-dropped"),
        pytest.param("(800) 356-9377", "tel:+18003569377", id="toll-free"),
        pytest.param("(876) 555-0123", "tel:+18765550123", id="nanp-outside-us"),
        pytest.param("+44 20 7946 0958", "tel:+442079460958", id="uk"),
        pytest.param("+44 121 234 5678 x12", "tel:+441212345678", id="uk-extension"),
        pytest.param("+7 912 345-67-89", "tel:+79123456789", id="dashes"),
        pytest.param("+687 20.12.34", "tel:+687201234", id="dots"),
        pytest.param("+290 8999", "tel:+2908999", id="short-country"),
        pytest.param("+886 2 2123 4567#12", "tel:+886221234567", id="hash-extension"),
    ],
)
def test_a_formatted_phone_becomes_a_tel_uri(phone: str, uri: str) -> None:
    assert tel_uri(phone) == uri


@pytest.mark.parametrize(
    "phone",
    [
        pytest.param("", id="blank"),
        pytest.param(None, id="none"),
        pytest.param(float("nan"), id="nan"),
        pytest.param(3035550142, id="number"),
        pytest.param("call us", id="words"),
        pytest.param("555-CALL-NOW", id="letters"),
        pytest.param("303-555-0142", id="not-as-formatted"),
        pytest.param("(303) 555-0142 ", id="trailing-space"),
        pytest.param("(123) 555-0142", id="no-such-area-code-shape"),
        pytest.param("+44 20", id="too-short"),
        pytest.param("+44 1234 5678 9012 3456", id="too-long"),
        pytest.param("javascript:alert(1)", id="script"),
        pytest.param("+1 303 555 0142)](javascript:x", id="markdown-break-out"),
    ],
)
def test_anything_else_gets_no_tel_uri(phone: object) -> None:
    assert tel_uri(phone) is None


@pytest.mark.parametrize(
    ("typed", "formatted"),
    [
        ("303-555-0142", "(303) 555-0142"),
        ("+1 (303) 555.0142", "(303) 555-0142"),
        ("303 555 0142 extension 7", "(303) 555-0142 ext. 7"),
        ("1-800-FLOWERS", "(800) 356-9377"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("+442079460958", "+44 20 7946 0958"),
        ("", None),
        ("555-0142", None),
        ("(111) 555-0142", None),
        ("+44 20 79", None),
    ],
)
def test_format_phones_fast_and_slow_paths(typed: str, formatted: str | None) -> None:
    [result] = format_phones(pd.Series([typed], dtype=str)).tolist()
    assert (None if pd.isna(result) else result) == formatted


def test_every_region_the_validator_accepts_is_dialable() -> None:
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        example = phonenumbers.example_number(region)
        if example is None:
            continue
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        for typed in (e164, e164 + " ext. 12"):
            formatted = format_phone(typed)
            assert formatted is not None, typed
            assert tel_uri(formatted) == "tel:" + e164, (region, formatted)
            checked += 1
    assert checked > 400


def test_what_a_loaded_file_holds_gets_a_link(tmp_path: Path) -> None:
    typed = ["303.555.0142", "(303) 555-0142 x12", "+44 20 7946 0958", "1-800-FLOWERS", ""]
    rows = [
        row(id=f"c{i}", name=f"C {i}", address=f"{i} Main St", phone=p) for i, p in enumerate(typed)
    ]
    loaded = load_clinics(write_csv(tmp_path, csv_text(*rows)), today=TODAY)
    assert loaded.report.valid, loaded.report.to_text()
    assert [tel_uri(p) for p in loaded.table["phone"]] == [
        "tel:+13035550142",
        "tel:+13035550142",
        "tel:+442079460958",
        "tel:+18003569377",
        None,
    ]
