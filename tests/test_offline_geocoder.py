"""Tests for directory/offline_geocoder.py: the formats it understands, and its geopy shape.

Most go through :func:`~directory.geocoding.resolve_place`, the way the app
asks, against the real bundled gazetteer; nothing touches the network.
"""

from __future__ import annotations

from typing import Any

import pytest
from geopy.exc import GeocoderServiceError
from geopy.location import Location

from directory.errors import PlaceError
from directory.gazetteer import get_gazetteer
from directory.geocoding import resolve_place
from directory.offline_geocoder import (
    MAX_MILES_FROM_US,
    OfflineGeocoder,
    is_near_us,
    nearest_zip_miles,
)

# ------------------------------------------------------------------------ formats


def test_zip_with_leading_zero() -> None:
    origin = resolve_place("02108")
    assert (origin.state, origin.precision, origin.label) == ("MA", "zip", "Boston, MA 02108")
    assert origin.query == "02108"


@pytest.mark.parametrize("typed", ["10001-1234", "100011234", "10001 1234", " 10001 "])
def test_zip_plus_four(typed: str) -> None:
    origin = resolve_place(typed)
    assert (origin.state, origin.precision, origin.label) == ("NY", "zip", "New York, NY 10001")


@pytest.mark.parametrize(
    "typed",
    [
        "Denver, CO",
        "Denver, Colorado",
        "denver, colorado",
        "Denver CO",
        "denver co",
        "Denver Colorado",
        "Denver, CO, USA",
        "Denver, Colorado, United States",
        "  Denver ,   CO  ",
        "Denver, Co.",
    ],
)
def test_city_and_state_spellings(typed: str) -> None:
    origin = resolve_place(typed)
    assert (origin.label, origin.state, origin.precision) == ("Denver, CO", "CO", "city")


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("Charlotte North Carolina", "Charlotte, NC"),
        ("Rochester New York", "Rochester, NY"),
        ("new york, ny", "New York, NY"),
        ("NEW YORK NY", "New York, NY"),
        ("Washington DC", "Washington, DC"),
        ("Washington, D.C.", "Washington, DC"),
        ("Washington, District of Columbia", "Washington, DC"),
        ("Salt Lake City UT", "Salt Lake City, UT"),
    ],
)
def test_city_then_state_without_comma_and_multi_word_states(typed: str, label: str) -> None:
    assert resolve_place(typed).label == label


def test_saint_and_st_are_the_same_place() -> None:
    st_louis = resolve_place("St. Louis, MO")
    saint_louis = resolve_place("Saint Louis, MO")
    assert st_louis.state == saint_louis.state == "MO"
    assert (st_louis.lat, st_louis.lon) == (saint_louis.lat, saint_louis.lon)


def test_city_in_exactly_one_state_resolves_without_state() -> None:
    origin = resolve_place("Tallahassee")
    assert (origin.label, origin.state) == ("Tallahassee, FL", "FL")


def test_city_state_and_zip() -> None:
    origin = resolve_place("Denver, CO 80202")
    assert (origin.label, origin.precision) == ("Denver, CO 80202", "zip")


def test_zip_in_another_state_than_the_city_is_an_error() -> None:
    with pytest.raises(PlaceError, match="80202 is in CO"):
        resolve_place("Boston, MA 80202")


@pytest.mark.parametrize(
    "typed",
    ["39.7392, -104.9903", "39.7392 -104.9903", "(39.7392,-104.9903)", "39.7392N 104.9903W"],
)
def test_coordinates_get_the_state_of_the_nearest_zip(typed: str) -> None:
    origin = resolve_place(typed)
    assert origin.state == "CO"
    assert origin.precision == "coordinates"
    assert (origin.lat, origin.lon) == (39.7392, -104.9903)
    assert origin.label == "39.7392, -104.9903 (near Denver, CO)"


def test_coordinates_in_guam() -> None:
    assert resolve_place("13.47, 144.75").state == "GU"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("51.5074, -0.1278", "only covers the United States"),  # London
        ("0, 0", "only covers the United States"),
        ("39.74, 104.99", "US longitudes are negative"),  # forgot the minus sign
        ("-104.99, 39.74", "Latitude comes first"),
        ("91.0, 0", "Latitude must be between -90 and 90"),
        ("45, 181", "longitude between -180 and 180"),
    ],
)
def test_coordinates_outside_the_us_or_out_of_range(typed: str, message: str) -> None:
    with pytest.raises(PlaceError, match=message):
        resolve_place(typed)


# ------------------------------------------------------------------ geopy shape


def test_offline_geocoder_is_a_geopy_geocoder() -> None:
    geocoder = OfflineGeocoder()
    location = geocoder.geocode("80202")
    assert isinstance(location, Location)
    assert location.raw["state"] == "CO"
    assert location.raw["zip"] == "80202"
    assert location.raw["precision"] == "zip"
    assert location.address == location.raw["label"] == "Denver, CO 80202"
    assert geocoder.geocode("asdf") is None
    assert geocoder.geocode("") is None


def test_offline_geocoder_lists_every_match_when_asked() -> None:
    geocoder = OfflineGeocoder()
    matches = geocoder.geocode("Springfield", exactly_one=False)
    assert isinstance(matches, list)
    assert len(matches) > 5
    top = geocoder.geocode("Springfield")
    assert isinstance(top, Location)
    assert top.address == matches[0].address == "Springfield, IL"


@pytest.mark.parametrize("point", ["39.7392, -104.9903", (39.7392, -104.9903)])
def test_offline_reverse_gives_the_nearest_zip(point: Any) -> None:
    location = OfflineGeocoder().reverse(point)
    assert isinstance(location, Location)
    assert location.raw["state"] == "CO"
    assert location.raw["precision"] == "zip"
    assert OfflineGeocoder().reverse("51.5, -0.12") is None


# ---------------------------------------------------------------- helpers, network


def test_nearest_zip_miles_and_is_near_us() -> None:
    gaz = get_gazetteer()
    zip5, miles = nearest_zip_miles(gaz, 39.7392, -104.9903)
    point = gaz.zip_point(zip5)
    assert point is not None
    assert point[2] == "CO"
    assert 0.0 <= miles < 5.0
    assert is_near_us(gaz, 39.7392, -104.9903)
    assert not is_near_us(gaz, 51.5074, -0.1278)  # London
    assert nearest_zip_miles(gaz, 51.5074, -0.1278)[1] > MAX_MILES_FROM_US


def test_offline_geocoder_cannot_reach_the_network() -> None:
    adapter = OfflineGeocoder().adapter
    with pytest.raises(GeocoderServiceError, match="never uses the network"):
        adapter.get_json("https://example.org/", timeout=1.0, headers={})
    with pytest.raises(GeocoderServiceError, match="never uses the network"):
        adapter.get_text("https://example.org/", timeout=1.0, headers={})
