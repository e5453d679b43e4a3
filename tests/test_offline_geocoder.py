"""Tests for directory/offline_geocoder.py: the formats it understands, and its geopy shape.

Most go through :func:`~directory.geocoding.resolve_place`, the way the app
asks, against the real bundled gazetteer; nothing touches the network.
"""

from __future__ import annotations

from typing import Any

import pytest
from geopy.exc import GeocoderServiceError
from geopy.location import Location

from directory import i18n
from directory.distance import great_circle_miles
from directory.errors import PlaceError, PlaceNotFoundError
from directory.gazetteer import get_gazetteer
from directory.geocoding import resolve_place
from directory.offline_geocoder import (
    MAX_MILES_FROM_US,
    OfflineGeocoder,
    is_near_us,
    nearest_zip_miles,
)
from tests.geocoder_fakes import FakeGeocoder

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


def test_zip_in_another_state_than_the_city_wins() -> None:
    # The ZIP is the most exact thing typed, and the label shows where it is.
    origin = resolve_place("Boston, MA 80202")
    assert (origin.label, origin.state, origin.precision) == ("Denver, CO 80202", "CO", "zip")


def test_unknown_zip_among_words_is_an_error() -> None:
    with pytest.raises(PlaceNotFoundError, match="ZIP code 99999"):
        resolve_place("Denver, CO 99999")


@pytest.mark.parametrize(
    "typed",
    [
        "CO 80202",
        "80202 Denver",
        "Denver 80202",
        "Denver, CO 80202",
        "80202-1234 Denver",
        "Denver CO 80202-1234",
        "80202, Denver, Colorado",
        "zip 80202",
        "NY 80202",  # the ZIP wins over a state that contradicts it
        "Boston, MA 80202",
    ],
)
def test_a_zip_anywhere_in_the_text_is_the_place(typed: str) -> None:
    origin = resolve_place(typed)
    assert (origin.label, origin.state, origin.precision) == ("Denver, CO 80202", "CO", "zip")
    assert origin.query == typed


def test_a_zip_after_a_house_number_is_an_address() -> None:
    fake = FakeGeocoder()
    origin = resolve_place("1550 Larimer St, Denver, CO 80202", online_fallback=fake)
    assert fake.calls == ["1550 Larimer St, Denver, CO 80202"]  # asked online first
    assert origin.label == "Denver, CO 80202"


# (typed, label, state, near (lat, lon)) for nicknames and New York City's boroughs.
NICKNAMES = [
    ("Philly", "Philadelphia, PA", "PA", (39.9526, -75.1652)),
    ("NYC", "New York, NY", "NY", (40.7580, -73.9855)),
    ("New York City", "New York, NY", "NY", (40.7580, -73.9855)),
    ("LA", "Los Angeles, CA", "CA", (34.0522, -118.2437)),
    ("L.A.", "Los Angeles, CA", "CA", (34.0522, -118.2437)),
    ("SF", "San Francisco, CA", "CA", (37.7749, -122.4194)),
    ("DC", "Washington, DC", "DC", (38.9072, -77.0369)),
    ("Vegas", "Las Vegas, NV", "NV", (36.1699, -115.1398)),
    ("NOLA", "New Orleans, LA", "LA", (29.9511, -90.0715)),
    ("Queens", "Queens, NY", "NY", (40.7282, -73.7949)),
    ("queens, ny", "Queens, NY", "NY", (40.7282, -73.7949)),
    ("Bronx", "Bronx, NY", "NY", (40.8448, -73.8648)),
    ("The Bronx", "Bronx, NY", "NY", (40.8448, -73.8648)),
    ("Brooklyn", "Brooklyn, NY", "NY", (40.6782, -73.9442)),
    ("Manhattan", "Manhattan, NY", "NY", (40.7831, -73.9712)),
    ("Manhattan, New York", "Manhattan, NY", "NY", (40.7831, -73.9712)),
    ("Staten Island", "Staten Island, NY", "NY", (40.5795, -74.1502)),
    ("Philly PA", "Philadelphia, PA", "PA", (39.9526, -75.1652)),
]


@pytest.mark.parametrize(("typed", "label", "state", "near"), NICKNAMES)
def test_nicknames_and_boroughs(
    typed: str, label: str, state: str, near: tuple[float, float]
) -> None:
    origin = resolve_place(typed)
    assert (origin.label, origin.state, origin.precision) == (label, state, "city")
    assert great_circle_miles(origin.lat, origin.lon, *near) < 6.0


def test_a_nickname_offers_the_other_places_of_that_name() -> None:
    manhattan = resolve_place("Manhattan")
    assert manhattan.alternatives[0] == "Manhattan, KS"
    assert "Manhattan, NY" not in manhattan.alternatives
    assert resolve_place("Manhattan, KS").state == "KS"
    assert resolve_place("NYC").alternatives == ()


@pytest.mark.parametrize(
    "typed",
    ["39.7392, -104.9903", "39.7392 -104.9903", "(39.7392,-104.9903)", "39.7392N 104.9903W"],
)
def test_coordinates_get_the_state_of_the_nearest_zip(typed: str) -> None:
    origin = resolve_place(typed)
    assert origin.state == "CO"
    assert origin.precision == "coordinates"
    assert (origin.lat, origin.lon) == (39.7392, -104.9903)
    assert origin.label == "39.74, -104.99 (near Denver, CO 80261)"


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
    assert "tied" not in top.raw
    adel = geocoder.geocode("Adel", exactly_one=False)
    assert isinstance(adel, list)
    assert adel[0].raw["tied"] is True


def test_offline_geocoder_gives_a_state_and_its_cities() -> None:
    geocoder = OfflineGeocoder()
    matches = geocoder.geocode("New York", exactly_one=False)
    assert isinstance(matches, list)
    assert [(m.address, m.raw["precision"]) for m in matches] == [
        ("New York", "state"),
        ("New York, NY", "city"),
    ]
    assert matches[0].raw["zip"] is None
    assert matches[0].raw["state"] == "NY"


@pytest.mark.parametrize("point", ["39.7392, -104.9903", (39.7392, -104.9903)])
def test_offline_reverse_gives_the_nearest_zip(point: Any) -> None:
    location = OfflineGeocoder().reverse(point)
    assert isinstance(location, Location)
    assert location.raw["state"] == "CO"
    assert location.raw["precision"] == "zip"
    assert OfflineGeocoder().reverse("51.5, -0.12") is None


@pytest.mark.parametrize("point", [(float("nan"), -105.0), (39.7, float("inf")), "nan, nan"])
def test_offline_reverse_refuses_points_that_are_not_numbers(point: Any) -> None:
    assert OfflineGeocoder().reverse(point) is None


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


# ------------------------------------------------------------------------------ Spanish


def test_coordinates_label_in_spanish_keeps_the_point_as_typed() -> None:
    with i18n.using("es"):
        origin = resolve_place("39.7392, -104.9903")
    assert origin.label == "39.74, -104.99 (cerca de Denver, CO 80261)"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("51.5074, -0.1278", "y este directorio solo cubre los Estados Unidos."),
        (
            "39.74, 104.99",
            "En EE. UU. las longitudes son negativas: ¿quiso decir 39.7400, -104.9900?",
        ),
        ("-104.99, 39.74", "La latitud va primero: ¿quiso decir 39.7400, -104.9900?"),
        ("91.0, 0", "La latitud debe estar entre -90 y 90, y la longitud entre -180 y 180"),
        ("123", "“123” no es un código postal (ZIP): los códigos postales tienen 5 dígitos"),
        ("99999", "No encontramos el código postal (ZIP) 99999."),
        ("Denver, Narnia", "No encontramos “Denver, Narnia”: “Narnia” no es un estado"),
    ],
)
def test_messages_in_spanish(typed: str, message: str) -> None:
    with i18n.using("es"), pytest.raises(PlaceError) as caught:
        resolve_place(typed)
    assert message in str(caught.value)


def test_miles_from_the_us_use_the_languages_number_format() -> None:
    """Through i18n.format_number: US Spanish writes 3,004 as English does."""
    with pytest.raises(PlaceError) as english:
        resolve_place("51.5074, -0.1278")
    with i18n.using("es"), pytest.raises(PlaceError) as spanish:
        resolve_place("51.5074, -0.1278")
    miles = str(english.value).split(" is about ")[1].split(" miles")[0]
    assert "," in miles
    with i18n.using("es"):
        shown = i18n.format_number(float(miles.replace(",", "")))
    assert f"a unas {shown} millas" in str(spanish.value)
