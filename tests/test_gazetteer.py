"""Tests for directory/gazetteer.py: ZIP and city lookups, against the real bundled data."""

from __future__ import annotations

import pytest

from directory.gazetteer import Gazetteer, get_gazetteer


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return get_gazetteer()


# ------------------------------------------------------------------------------ ZIPs


def test_zip_point_with_leading_zero_is_boston(gaz: Gazetteer) -> None:
    point = gaz.zip_point("02108")
    assert point is not None
    lat, lon, state, city = point
    assert (state, city) == ("MA", "Boston")
    assert lat == pytest.approx(42.36, abs=0.05)
    assert lon == pytest.approx(-71.06, abs=0.05)


@pytest.mark.parametrize("zip5", ["99999", "00000", "2108", "", "abcde"])
def test_zip_point_unknown_is_none(gaz: Gazetteer, zip5: str) -> None:
    assert gaz.zip_point(zip5) is None


@pytest.mark.parametrize(
    ("lat", "lon", "state"),
    [
        (39.7392, -104.9903, "CO"),  # Denver
        (21.3069, -157.8583, "HI"),  # Honolulu
        (61.2181, -149.9003, "AK"),  # Anchorage
        (13.4443, 144.7937, "GU"),  # Guam, east of the antimeridian
        (-14.2756, -170.7020, "AS"),  # Pago Pago, west of it
        (18.4655, -66.1057, "PR"),  # San Juan
    ],
)
def test_nearest_zip_is_in_the_right_state(
    gaz: Gazetteer, lat: float, lon: float, state: str
) -> None:
    point = gaz.zip_point(gaz.nearest_zip(lat, lon))
    assert point is not None
    assert point[2] == state


# ---------------------------------------------------------------------------- cities


def test_find_city_springfield_is_in_many_states_biggest_first(gaz: Gazetteer) -> None:
    matches = gaz.find_city("Springfield")
    states = [match.state for match in matches]
    assert {"IL", "MA", "MO", "OH"} <= set(states)
    assert len(states) == len(set(states))
    sizes = [match.zip_count for match in matches]
    assert sizes == sorted(sizes, reverse=True)


@pytest.mark.parametrize(
    ("typed", "state"),
    [
        ("St. Louis", "MO"),
        ("saint louis", "mo"),
        ("ST LOUIS", "Missouri"),
        ("Ft. Lauderdale", "FL"),
        ("Fort Lauderdale", "FL"),
        ("Winston-Salem", "NC"),
        ("  new   york ", "NY"),
    ],
)
def test_find_city_normalises_spelling(gaz: Gazetteer, typed: str, state: str) -> None:
    assert len(gaz.find_city(typed, state)) == 1


def test_find_city_with_unknown_state_is_empty(gaz: Gazetteer) -> None:
    assert gaz.find_city("Denver", "Atlantis") == []


def test_aliases_are_found_but_primary_names_win(gaz: Gazetteer) -> None:
    (hollywood_ca,) = gaz.find_city("Hollywood", "CA")
    assert hollywood_ca.is_alias
    assert all(not match.is_alias for match in gaz.find_city("Hollywood"))
    primary = set(zip(gaz.cities["state"], gaz.cities["key"], strict=True))
    aliases = set(zip(gaz.aliases["state"], gaz.aliases["key"], strict=True))
    assert not primary & aliases


@pytest.mark.parametrize(
    ("name", "state", "expected"),
    [
        ("Brooklin", "NY", "Brooklyn, NY"),
        ("Pheonix", None, "Phoenix, AZ"),
        ("Chicgo", "IL", "Chicago, IL"),
        ("Denver", "CA", "Denver, CO"),  # right name, wrong state
    ],
)
def test_suggest_cities(gaz: Gazetteer, name: str, state: str | None, expected: str) -> None:
    suggestions = gaz.suggest_cities(name, state)
    assert suggestions[0] == expected
    assert len(suggestions) <= 3


def test_suggest_cities_has_nothing_for_nonsense(gaz: Gazetteer) -> None:
    assert gaz.suggest_cities("qqxxzzqq") == []
    assert gaz.suggest_cities("") == []


def test_get_gazetteer_is_cached() -> None:
    assert get_gazetteer() is get_gazetteer()
