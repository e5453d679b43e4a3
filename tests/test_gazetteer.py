"""Tests for directory/gazetteer.py: ZIP and city lookups, against the real bundled data."""

from __future__ import annotations

import pytest

from directory.gazetteer import Gazetteer, get_gazetteer, prominence


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


# ------------------------------------------------------------------ proper names


@pytest.mark.parametrize(
    ("name", "state", "label"),
    [
        ("new york", "NY", "New York, NY"),
        ("mcallen", "TX", "McAllen, TX"),
        ("saint louis", "MO", "St. Louis, MO"),
        ("O'Fallon", "MO", "O'Fallon, MO"),
        ("ofallon", "MO", "O'Fallon, MO"),
        ("DeKalb", "IL", "DeKalb, IL"),
        ("La Grange", "GA", "LaGrange, GA"),
        ("Winston-Salem", "NC", "Winston-Salem, NC"),
        ("Coeur d'Alene", "ID", "Coeur d'Alene, ID"),
    ],
)
def test_cities_come_back_properly_capitalised(
    gaz: Gazetteer, name: str, state: str, label: str
) -> None:
    (match,) = gaz.find_city(name, state)
    assert match.label == label


def test_zip_point_city_is_properly_capitalised(gaz: Gazetteer) -> None:
    point = gaz.zip_point("78501")
    assert point is not None
    assert point[2:] == ("TX", "McAllen")
    assert "Mcallen" in set(gaz.zips["city"])  # the frames keep the USPS spelling


def test_every_city_label_typed_back_finds_that_city(gaz: Gazetteer) -> None:
    places = gaz._places
    lost = []
    for i in range(len(places.city)):
        label = places.label(i)
        city, state = label.rsplit(", ", 1)
        if label not in {match.label for match in gaz.find_city(city, state)}:
            lost.append(label)
    assert lost == []


# ------------------------------------------------------------------------ states


def test_state_centre_is_the_mean_of_its_zip_centroids(gaz: Gazetteer) -> None:
    centre = gaz.state_centre("CO")
    assert centre is not None
    in_colorado = gaz.zips[gaz.zips["state"] == "CO"]
    assert centre == pytest.approx((in_colorado["lat"].mean(), in_colorado["lon"].mean()))
    assert gaz.state_centre("XX") is None


def test_every_state_has_a_centre_inside_it(gaz: Gazetteer) -> None:
    for state in sorted(set(gaz.zips["state"])):
        centre = gaz.state_centre(state)
        assert centre is not None, state
        point = gaz.zip_point(gaz.nearest_zip(*centre))
        assert point is not None
        assert point[2] == state, state


# --------------------------------------------------------------------- ordering


def test_suggestions_are_in_one_deterministic_order(gaz: Gazetteer) -> None:
    first = gaz.suggest_cities("Springfeld", limit=6)
    assert first == gaz.suggest_cities("Springfeld", limit=6)
    assert first[0] == "Springfield, IL"
    # Equally close spellings go by prominence, as candidates and alternatives do.
    sizes = {match.label: match.zip_count for match in gaz.find_city("Springfield")}
    assert [sizes[label] for label in first] == sorted(sizes[label] for label in first)[::-1]


def test_prominence_orders_find_city(gaz: Gazetteer) -> None:
    matches = gaz.find_city("Denver")
    assert matches == sorted(matches, key=prominence)
