"""Tests for directory/placenames.py: state codes and names, and city-name keys."""

from __future__ import annotations

import pytest

from directory.placenames import STATE_CODES, normalize_city, normalize_state


def test_state_codes_are_the_states_dc_and_inhabited_territories() -> None:
    assert len(STATE_CODES) == 56
    assert {"CO", "DC", "PR", "VI", "GU", "AS", "MP"} <= STATE_CODES
    assert not {"AA", "AE", "AP", "FM", "MH", "PW"} & STATE_CODES


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("St. Louis", "Saint Louis"),
        ("Ft Worth", "Fort Worth"),
        ("Mt. Vernon", "Mount Vernon"),
        ("Cañon City", "Canon City"),
        ("Coeur d'Alene", "Coeur D Alene"),
        ("  Salt   Lake City ", "salt lake city"),
    ],
)
def test_normalize_city_pairs(first: str, second: str) -> None:
    assert normalize_city(first) == normalize_city(second)


# ------------------------------------------------------------------------ states


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("CO", "CO"),
        ("co", "CO"),
        ("colorado", "CO"),
        (" Colorado ", "CO"),
        ("New York", "NY"),
        ("north carolina", "NC"),
        ("Puerto Rico", "PR"),
        ("District of Columbia", "DC"),
        ("D.C.", "DC"),
        ("dc", "DC"),
        ("Washington DC", "DC"),
        ("Washington", "WA"),
        ("Guam", "GU"),
        ("U.S. Virgin Islands", "VI"),
        ("American Samoa", "AS"),
        ("Northern Mariana Islands", "MP"),
    ],
)
def test_normalize_state_accepts(text: str, code: str) -> None:
    assert normalize_state(text) == code


@pytest.mark.parametrize(
    "text",
    ["", "   ", "XX", "Atlantis", "08", "06", "AE", "AP", "AA", "FM", "Palau", "C", "Canada"],
)
def test_normalize_state_rejects(text: str) -> None:
    assert normalize_state(text) is None
