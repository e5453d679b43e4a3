"""Tests for directory/placenames.py: state codes and names, and city-name keys."""

from __future__ import annotations

from typing import Any

import pytest
import zipcodes

from directory.placenames import (
    NICKNAMES,
    STATE_CODES,
    exact_state,
    find_nickname,
    normalize_city,
    normalize_state,
    proper_city_name,
    state_name,
)


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


@pytest.mark.parametrize(
    ("usps", "key"),
    [
        ("O Fallon", "ofallon"),
        ("O'Fallon", "ofallon"),
        ("Mc Allister", "mcallister"),
        ("McAllister", "mcallister"),
        ("De Kalb", "dekalb"),
        ("DeKalb", "dekalb"),
        ("Coeur D Alene", "coeur dalene"),
        ("Round O", "round o"),  # nothing after the O to join
    ],
)
def test_normalize_city_joins_prefixes_written_apart(usps: str, key: str) -> None:
    assert normalize_city(usps) == key


# ------------------------------------------------------------------- proper names

TRICKY_NAMES = [
    ("Mcallen", "McAllen"),
    ("Mc Allister", "McAllister"),
    ("East Mc Keesport", "East McKeesport"),
    ("Mack", "Mack"),
    ("Macon", "Macon"),
    ("Mackinaw City", "Mackinaw City"),
    ("Macomb", "Macomb"),
    ("Mac Arthur", "MacArthur"),
    ("Saint Louis", "St. Louis"),
    ("Lake St Louis", "Lake St. Louis"),
    ("Sainte Genevieve", "Ste. Genevieve"),
    ("Saint Jo", "Saint Jo"),
    ("O Fallon", "O'Fallon"),
    ("Port O Connor", "Port O'Connor"),
    ("Round O", "Round O"),
    ("Dekalb", "DeKalb"),
    ("De Kalb", "De Kalb"),  # Texas and Mississippi write it apart
    ("Lagrange", "LaGrange"),
    ("La Grange", "La Grange"),
    ("Winston Salem", "Winston-Salem"),
    ("Winston-salem", "Winston-Salem"),
    ("WINSTON-SALEM", "Winston-Salem"),
    ("Coeur D Alene", "Coeur d'Alene"),
    ("D Lo", "D'Lo"),
    ("D LO", "D'Lo"),
    ("TY TY", "Ty Ty"),
    ("Isle Of Palms", "Isle of Palms"),
    ("Truth Or Consequences", "Truth or Consequences"),
    ("Fond Du Lac", "Fond du Lac"),
    ("Du Bois", "Du Bois"),
    ("Eglin AFB", "Eglin AFB"),
    ("Fort George G Meade", "Fort George G. Meade"),
    ("Mcbh Kaneohe Bay", "MCBH Kaneohe Bay"),
    ("new york", "New York"),
    ("Denver", "Denver"),
]


@pytest.mark.parametrize(("usps", "proper"), TRICKY_NAMES)
def test_proper_city_name(usps: str, proper: str) -> None:
    assert proper_city_name(usps) == proper
    # Typed back, the proper name finds the same place.
    assert normalize_city(proper) == normalize_city(usps)


def test_proper_city_name_keeps_the_key_of_every_usps_name() -> None:
    records: list[dict[str, Any]] = zipcodes.list_all()
    names = {r["city"] for r in records} | {a for r in records for a in r["acceptable_cities"]}
    changed = [
        name for name in names if normalize_city(proper_city_name(name)) != normalize_city(name)
    ]
    assert changed == []


@pytest.mark.parametrize(
    ("text", "code"),
    [("CO", "CO"), ("co", "CO"), ("Colorado", "CO"), ("D.C.", "DC"), ("Puerto Rico", "PR")],
)
def test_exact_state(text: str, code: str) -> None:
    assert exact_state(text) == code


@pytest.mark.parametrize("text", ["Colorodo", "Ute", "Denver", "", "AE"])
def test_exact_state_matches_nothing_by_sound(text: str) -> None:
    assert exact_state(text) is None


def test_state_name() -> None:
    assert state_name("CO") == "Colorado"
    assert state_name("DC") == "District of Columbia"
    assert state_name("PR") == "Puerto Rico"


# ---------------------------------------------------------------------- nicknames


def test_nickname_keys_are_city_keys_and_states_are_known() -> None:
    for key, nickname in NICKNAMES.items():
        assert normalize_city(key) == key
        assert nickname.state in STATE_CODES


@pytest.mark.parametrize(
    ("text", "state", "city"),
    [
        ("Philly", None, "Philadelphia"),
        ("NYC", None, "New York"),
        ("N.Y.C.", None, "New York"),
        ("the Bronx", None, "Bronx"),
        ("Queens", "NY", "Queens"),
        ("Manhattan", "KS", None),  # the real Manhattan, KS is not a nickname
        ("Denver", None, None),
    ],
)
def test_find_nickname(text: str, state: str | None, city: str | None) -> None:
    found = find_nickname(text, state)
    assert (found.city if found else None) == city


# ---------------------------------------------------------------- Spanish place names

SPANISH_STATES = [
    ("Carolina del Norte", "NC"),
    ("carolina del sur", "SC"),
    ("Dakota del Norte", "ND"),
    ("Dakota del Sur", "SD"),
    ("Luisiana", "LA"),
    ("Misisipi", "MS"),
    ("Misuri", "MO"),
    ("Nueva Jersey", "NJ"),
    ("Nuevo Hampshire", "NH"),
    ("Nueva Hampshire", "NH"),
    ("Nuevo México", "NM"),
    ("NUEVO MEXICO", "NM"),
    ("Nuevo Méjico", "NM"),
    ("Nueva York", "NY"),
    ("Estado de Nueva York", "NY"),
    ("Pensilvania", "PA"),
    ("Hawái", "HI"),
    ("Tenesí", "TN"),
    ("Virginia Occidental", "WV"),
    ("Distrito de Columbia", "DC"),
    ("Islas Vírgenes", "VI"),
    ("Islas Vírgenes de los Estados Unidos", "VI"),
    ("Islas Vírgenes Estadounidenses", "VI"),
    ("Samoa Americana", "AS"),
    ("Islas Marianas del Norte", "MP"),
    ("Marianas del Norte", "MP"),
    ("Oregón", "OR"),  # the same name, with an accent
    ("Florida", "FL"),
    ("California", "CA"),
]


@pytest.mark.parametrize(("text", "code"), SPANISH_STATES)
def test_spanish_state_names_are_exact_states(text: str, code: str) -> None:
    assert exact_state(text) == code
    assert normalize_state(text) == code


@pytest.mark.parametrize(
    ("text", "state", "city"),
    [
        ("Nueva York", None, "New York"),
        ("Ciudad de Nueva York", None, "New York"),
        ("Nueva York", "NY", "New York"),
        ("Filadelfia", None, "Philadelphia"),
        ("Nueva Orleáns", None, "New Orleans"),
        ("Nueva Orleans", "LA", "New Orleans"),
        ("Cayo Hueso", None, "Key West"),
        ("Filadelfia", "NY", None),
    ],
)
def test_spanish_city_names_are_nicknames(text: str, state: str | None, city: str | None) -> None:
    found = find_nickname(text, state)
    assert (found.city if found else None) == city
