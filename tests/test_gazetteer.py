"""Tests for directory/gazetteer.py, against the real bundled ZIP data (no mocks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pandas as pd
import pytest
import us
import zipcodes

from directory.gazetteer import (
    STATE_CODES,
    Gazetteer,
    build_gazetteer,
    get_gazetteer,
    normalize_city,
    normalize_state,
)

# zipcodes' Python wrapper has no annotations; its records are documented dicts.
list_zip_records = cast(Callable[[], list[dict[str, Any]]], zipcodes.list_all)

FIFTY_STATES_DC_PR = {state.abbr for state in us.STATES} | {"DC", "PR"}


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return get_gazetteer()


# ------------------------------------------------------------------------------ ZIPs


def test_zips_at_zero_zero_are_dropped(gaz: Gazetteer) -> None:
    no_point = {
        record["zip_code"]
        for record in list_zip_records()
        if float(record["lat"] or 0) == 0.0 or float(record["long"] or 0) == 0.0
    }
    assert no_point, "the source is expected to have ZIPs without coordinates"
    assert not no_point & set(gaz.zips.index)
    assert not ((gaz.zips["lat"] == 0) | (gaz.zips["lon"] == 0)).any()
    assert gaz.zips[["lat", "lon"]].notna().all().all()


def test_military_and_freely_associated_states_are_dropped(gaz: Gazetteer) -> None:
    assert set(gaz.zips["state"]) <= STATE_CODES
    assert not {"AA", "AE", "AP", "FM", "MH", "PW"} & set(gaz.zips["state"])


def test_every_state_dc_and_puerto_rico_are_present(gaz: Gazetteer) -> None:
    assert len(FIFTY_STATES_DC_PR) == 52
    assert set(gaz.zips["state"]) >= FIFTY_STATES_DC_PR
    assert set(gaz.cities["state"]) >= FIFTY_STATES_DC_PR
    assert FIFTY_STATES_DC_PR | {"VI", "GU", "AS", "MP"} == STATE_CODES


def test_zips_frame_shape(gaz: Gazetteer) -> None:
    zips = gaz.zips
    assert zips.index.name == "zip"
    assert zips.index.is_unique
    assert zips.index.is_monotonic_increasing
    assert zips.index.str.fullmatch(r"\d{5}").all()
    assert list(zips.columns) == ["lat", "lon", "state", "city"]
    assert zips["lat"].dtype == "float64"
    assert zips["lon"].dtype == "float64"
    assert len(zips) > 40_000


def test_zips_reindex_gives_centroids_vectorised(gaz: Gazetteer) -> None:
    wanted = pd.Series(["02108", "99999", "80202"])
    points = gaz.zips.reindex(wanted)
    assert points.loc["02108", "state"] == "MA"
    assert points.loc["80202", "state"] == "CO"
    assert points.loc[["99999"], ["lat", "lon", "state", "city"]].isna().all().all()


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


def test_cities_frame_has_one_row_per_city_and_state(gaz: Gazetteer) -> None:
    cities = gaz.cities
    for column in ["city", "state", "lat", "lon", "zip", "key"]:
        assert column in cities.columns
    assert not cities.duplicated(["state", "key"]).any()
    assert not cities.duplicated(["state", "city"]).any()
    assert cities["zip"].isin(gaz.zips.index).all()


def test_city_point_is_mean_of_standard_zips(gaz: Gazetteer) -> None:
    (denver,) = gaz.find_city("Denver", "CO")
    assert denver.lat == pytest.approx(39.74, abs=0.05)
    assert denver.lon == pytest.approx(-104.98, abs=0.05)
    point = gaz.zip_point(denver.zip)
    assert point is not None
    assert point[2:] == ("CO", "Denver")


def test_city_point_prefers_standard_zips_and_falls_back_to_others() -> None:
    def record(zip5: str, kind: str, city: str, lat: float, lon: float) -> dict[str, object]:
        return {
            "zip_code": zip5,
            "zip_code_type": kind,
            "city": city,
            "state": "CO",
            "lat": str(lat),
            "long": str(lon),
            "acceptable_cities": [],
        }

    records = [
        record("80001", "STANDARD", "Alpha", 39.0, -105.0),
        record("80002", "STANDARD", "Alpha", 39.2, -105.0),
        record("80003", "PO BOX", "Alpha", 45.0, -105.0),  # ignored: Alpha has STANDARD ZIPs
        record("80004", "PO BOX", "Beta", 40.0, -104.0),  # Beta has only a PO box
        record("80005", "STANDARD", "Gamma", 0.0, 0.0),  # no coordinates: dropped
    ]
    gaz = build_gazetteer(records)
    (alpha,) = gaz.find_city("alpha", "CO")
    assert (alpha.lat, alpha.lon) == pytest.approx((39.1, -105.0))
    assert alpha.zip in {"80001", "80002"}
    assert alpha.zip_count == 3
    (beta,) = gaz.find_city("Beta", "Colorado")
    assert (beta.lat, beta.zip) == (40.0, "80004")
    assert gaz.find_city("Gamma", "CO") == []
    assert "80005" not in gaz.zips.index


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


def test_get_gazetteer_is_cached() -> None:
    assert get_gazetteer() is get_gazetteer()


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
