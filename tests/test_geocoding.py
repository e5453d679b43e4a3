"""Tests for directory/geocoding.py.

Everything runs offline against the real bundled gazetteer. The only fake is
the online geocoder (a class with geopy's ``geocode`` signature): no test
touches the network.
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any

import pytest
from geopy.exc import GeocoderTimedOut
from geopy.geocoders import Nominatim
from geopy.location import Location
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.errors import (
    AmbiguousPlaceError,
    DirectoryError,
    PlaceError,
    PlaceNotFoundError,
    QueryError,
)
from directory.gazetteer import STATE_CODES
from directory.geocoding import (
    ONLINE_GEOCODING_ENV,
    USER_AGENT_ENV,
    OfflineGeocoder,
    OnlineGeocoder,
    Origin,
    make_online_geocoder,
    online_geocoder_from_env,
    resolve_place,
)

# Capitals and their city-centre coordinates (state, capital, lat, lon).
CAPITALS = [
    ("AL", "Montgomery", 32.3668, -86.3000),
    ("AK", "Juneau", 58.3019, -134.4197),
    ("AZ", "Phoenix", 33.4484, -112.0740),
    ("AR", "Little Rock", 34.7465, -92.2896),
    ("CA", "Sacramento", 38.5816, -121.4944),
    ("CO", "Denver", 39.7392, -104.9903),
    ("CT", "Hartford", 41.7658, -72.6734),
    ("DE", "Dover", 39.1582, -75.5244),
    ("FL", "Tallahassee", 30.4383, -84.2807),
    ("GA", "Atlanta", 33.7490, -84.3880),
    ("HI", "Honolulu", 21.3069, -157.8583),
    ("ID", "Boise", 43.6150, -116.2023),
    ("IL", "Springfield", 39.7817, -89.6501),
    ("IN", "Indianapolis", 39.7684, -86.1581),
    ("IA", "Des Moines", 41.5868, -93.6250),
    ("KS", "Topeka", 39.0473, -95.6752),
    ("KY", "Frankfort", 38.2009, -84.8733),
    ("LA", "Baton Rouge", 30.4515, -91.1871),
    ("ME", "Augusta", 44.3106, -69.7795),
    ("MD", "Annapolis", 38.9784, -76.4922),
    ("MA", "Boston", 42.3601, -71.0589),
    ("MI", "Lansing", 42.7325, -84.5555),
    ("MN", "Saint Paul", 44.9537, -93.0900),
    ("MS", "Jackson", 32.2988, -90.1848),
    ("MO", "Jefferson City", 38.5767, -92.1735),
    ("MT", "Helena", 46.5891, -112.0391),
    ("NE", "Lincoln", 40.8136, -96.7026),
    ("NV", "Carson City", 39.1638, -119.7674),
    ("NH", "Concord", 43.2081, -71.5376),
    ("NJ", "Trenton", 40.2171, -74.7429),
    ("NM", "Santa Fe", 35.6870, -105.9378),
    ("NY", "Albany", 42.6526, -73.7562),
    ("NC", "Raleigh", 35.7796, -78.6382),
    ("ND", "Bismarck", 46.8083, -100.7837),
    ("OH", "Columbus", 39.9612, -82.9988),
    ("OK", "Oklahoma City", 35.4676, -97.5164),
    ("OR", "Salem", 44.9429, -123.0351),
    ("PA", "Harrisburg", 40.2732, -76.8867),
    ("RI", "Providence", 41.8240, -71.4128),
    ("SC", "Columbia", 34.0007, -81.0348),
    ("SD", "Pierre", 44.3683, -100.3510),
    ("TN", "Nashville", 36.1627, -86.7816),
    ("TX", "Austin", 30.2672, -97.7431),
    ("UT", "Salt Lake City", 40.7608, -111.8910),
    ("VT", "Montpelier", 44.2601, -72.5754),
    ("VA", "Richmond", 37.5407, -77.4360),
    ("WA", "Olympia", 47.0379, -122.9007),
    ("WV", "Charleston", 38.3498, -81.6326),
    ("WI", "Madison", 43.0731, -89.4012),
    ("WY", "Cheyenne", 41.1400, -104.8202),
    ("DC", "Washington", 38.9072, -77.0369),
    ("PR", "San Juan", 18.4655, -66.1057),
]

WITHIN_MILES = 25.0


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance, kept independent of the code under test."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 3958.8 * math.asin(math.sqrt(a))


def test_capital_table_is_complete() -> None:
    assert len(CAPITALS) == 52
    assert {state for state, *_ in CAPITALS} == STATE_CODES - {"VI", "GU", "AS", "MP"}


@pytest.mark.parametrize(("state", "capital", "lat", "lon"), CAPITALS)
def test_every_capital_by_city_and_state(state: str, capital: str, lat: float, lon: float) -> None:
    origin = resolve_place(f"{capital}, {state}")
    assert origin.state == state
    assert origin.precision == "city"
    assert origin.label.endswith(f", {state}")
    assert miles_between(origin.lat, origin.lon, lat, lon) < WITHIN_MILES


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


# ------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please type a place"),
        ("   ", "Please type a place"),
        ("\t\n", "Please type a place"),
        ("asdf", "We couldn't find 'asdf'"),
        ("99999", "We couldn't find ZIP code 99999"),
        ("12", "ZIP codes have 5 digits"),
        ("123456", "ZIP codes have 5 digits"),
        ("😀", "doesn't look like a place"),
        ("!!!", "doesn't look like a place"),
        ("a" * 5000, "too long"),
        ("Colorado", "whole state"),
        ("Brooklyn, Nwe Yrok", "isn't a US state we know"),
    ],
)
def test_garbage_raises_place_errors_with_helpful_messages(typed: str, message: str) -> None:
    with pytest.raises(PlaceError, match=message) as caught:
        resolve_place(typed)
    assert isinstance(caught.value, DirectoryError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("typed", ["", "   ", "asdf", "😀", "x" * 1000])
def test_unusable_input_says_which_formats_work(typed: str) -> None:
    with pytest.raises(PlaceError) as caught:
        resolve_place(typed)
    message = str(caught.value)
    for example in ("80202", "Denver, CO", "39.74, -104.99"):
        assert example in message


def test_city_in_several_states_is_ambiguous() -> None:
    with pytest.raises(AmbiguousPlaceError) as caught:
        resolve_place("Springfield")
    candidates = caught.value.candidates
    assert {"Springfield, IL", "Springfield, MA", "Springfield, MO", "Springfield, OH"} <= set(
        candidates
    )
    assert len(candidates) == len(set(candidates))
    message = str(caught.value)
    assert "IL" in message
    assert "MA" in message
    assert "Add the state" in message


def test_misspelt_city_suggests_the_right_one() -> None:
    with pytest.raises(PlaceNotFoundError) as caught:
        resolve_place("Brooklin, NY")
    assert caught.value.suggestions == ["Brooklyn, NY"]
    assert str(caught.value) == "We couldn't find 'Brooklin, NY'. Did you mean Brooklyn, NY?"


def test_city_in_the_wrong_state_suggests_other_states() -> None:
    with pytest.raises(PlaceNotFoundError) as caught:
        resolve_place("Denver, CA")
    assert caught.value.suggestions[0] == "Denver, CO"


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.-'0123456789", max_size=40),
        st.from_regex(r"\A[A-Za-z .']{1,20}, ?[A-Za-z]{2}\Z"),
        st.tuples(st.floats(), st.floats()).map(lambda pair: f"{pair[0]}, {pair[1]}"),
        st.integers(min_value=0, max_value=10**10).map(str),
    )
)
def test_any_text_gives_an_origin_or_a_place_error(text: str) -> None:
    outcome: Origin | PlaceError
    try:
        outcome = resolve_place(text)
    except PlaceError as error:  # anything else escapes and fails the test
        outcome = error
    if isinstance(outcome, PlaceError):
        assert_says_what_works(outcome)
    else:
        assert outcome.state in STATE_CODES
        assert -90 <= outcome.lat <= 90
        assert -180 <= outcome.lon <= 180
        assert outcome.precision in ("zip", "city", "coordinates", "address")
        assert outcome.label.strip()


# A place that works, written as a patient could type it: a ZIP code, a coordinate
# pair, or a city and state ("Denver, CO").
_EXAMPLE_PLACE = re.compile(r"\b\d{5}\b|-?\d+\.\d+, -?\d+\.\d+|[A-Z][\w .'-]*, [A-Z]{2}\b")


def assert_says_what_works(error: PlaceError) -> None:
    """A refusal is a short sentence that shows a kind of place that does work."""
    message = str(error)
    assert message.endswith((".", "?")), message
    assert len(message) <= 400, message
    assert "Traceback" not in message, message
    assert "Error(" not in message, message
    assert _EXAMPLE_PLACE.search(message), message
    # Suggestions and candidates are places that work, offered as they would be typed.
    if isinstance(error, PlaceNotFoundError):
        assert all(s.rsplit(", ", 1)[-1] in STATE_CODES for s in error.suggestions), message
    if isinstance(error, AmbiguousPlaceError):
        assert len(error.candidates) >= 2
        assert error.candidates[0] in message
        assert all(c.rsplit(", ", 1)[-1] in STATE_CODES for c in error.candidates), message


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


# ---------------------------------------------------------------- online fallback


class FakeGeocoder:
    """Stands in for Nominatim: same ``geocode`` signature, answers from a dict."""

    def __init__(self, answers: dict[str, Location | None] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[str] = []
        self.error: Exception | None = None

    def geocode(self, query: str, exactly_one: bool = True, **kwargs: Any) -> Location | None:
        self.calls.append(query)
        if self.error is not None:
            raise self.error
        return self.answers.get(query)


WHITE_HOUSE = "1600 Pennsylvania Ave NW, Washington, DC"
WHITE_HOUSE_ANSWER = Location(
    "White House, 1600, Pennsylvania Avenue Northwest, Washington, District of Columbia, "
    "20500, United States",
    (38.8977, -77.0365),
    {"place_id": 1},
)


def test_online_fallback_not_called_when_offline_succeeds() -> None:
    fake = FakeGeocoder()
    assert resolve_place("Denver, CO", online_fallback=fake).precision == "city"
    assert fake.calls == []


def test_online_fallback_resolves_street_addresses() -> None:
    fake = FakeGeocoder({WHITE_HOUSE: WHITE_HOUSE_ANSWER})
    origin = resolve_place(WHITE_HOUSE, online_fallback=fake)
    assert fake.calls == [WHITE_HOUSE]
    assert origin.precision == "address"
    assert origin.state == "DC"
    assert (origin.lat, origin.lon) == (38.8977, -77.0365)
    assert not origin.label.endswith("United States")


def test_without_online_fallback_an_address_falls_back_to_its_city() -> None:
    origin = resolve_place(WHITE_HOUSE)
    assert (origin.label, origin.precision) == ("Washington, DC", "city")
    assert resolve_place("123 Main St, Denver, CO 80202").label == "Denver, CO 80202"


def test_online_fallback_that_finds_nothing_keeps_the_offline_answer() -> None:
    fake = FakeGeocoder()
    with pytest.raises(PlaceNotFoundError) as caught:
        resolve_place("Brooklin, NY", online_fallback=fake)
    assert fake.calls == ["Brooklin, NY"]
    assert caught.value.suggestions == ["Brooklyn, NY"]


def test_online_fallback_errors_do_not_leak() -> None:
    fake = FakeGeocoder()
    fake.error = GeocoderTimedOut("slow")
    with pytest.raises(PlaceNotFoundError):
        resolve_place("Brooklin, NY", online_fallback=fake)
    assert resolve_place(WHITE_HOUSE, online_fallback=fake).label == "Washington, DC"


def test_online_answer_outside_the_us_is_ignored() -> None:
    london = Location("London, United Kingdom", (51.5074, -0.1278), {})
    fake = FakeGeocoder({"10 Downing Street, London": london})
    with pytest.raises(PlaceNotFoundError):
        resolve_place("10 Downing Street, London", online_fallback=fake)


def test_online_fallback_not_used_for_input_that_cannot_be_a_place() -> None:
    fake = FakeGeocoder()
    for typed in ["", "12", "91, 0", "51.5, -0.12"]:
        with pytest.raises(PlaceError):
            resolve_place(typed, online_fallback=fake)
    assert fake.calls == []


def test_another_geocoder_can_replace_the_offline_one() -> None:
    fake = FakeGeocoder({"somewhere": Location("Somewhere", (39.74, -104.99), {})})
    origin = resolve_place("somewhere", geocoder=fake)
    assert (origin.state, origin.precision) == ("CO", "address")
    with pytest.raises(PlaceNotFoundError):
        resolve_place("nowhere", geocoder=fake)
    fake.error = RuntimeError("boom")
    with pytest.raises(PlaceError, match="right now"):
        resolve_place("somewhere", geocoder=fake)


class FakeClock:
    """Time for geopy's RateLimiter: sleeping moves the clock on instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_fake_online(
    fake: FakeGeocoder, clock: FakeClock, agents: list[str] | None = None
) -> OnlineGeocoder:
    def factory(user_agent: str) -> FakeGeocoder:
        if agents is not None:
            agents.append(user_agent)
        return fake

    return make_online_geocoder(
        "clinic-finder-tests", geocoder_factory=factory, sleep=clock.sleep, clock=clock
    )


def test_online_geocoder_waits_between_calls_and_caches_answers() -> None:
    fake = FakeGeocoder({WHITE_HOUSE: WHITE_HOUSE_ANSWER})
    clock = FakeClock()
    online = make_fake_online(fake, clock)
    assert online.geocode(WHITE_HOUSE) is WHITE_HOUSE_ANSWER
    assert online.geocode("somewhere else") is None
    assert clock.sleeps == [pytest.approx(1.0)]  # the second call waited its turn
    # Asked again, in any case and spacing: answered from the cache, nothing sent.
    assert online.geocode(WHITE_HOUSE.upper()) is WHITE_HOUSE_ANSWER
    assert online.geocode("somewhere  else") is None
    assert fake.calls == [WHITE_HOUSE, "somewhere else"]
    assert clock.sleeps == [pytest.approx(1.0)]


def test_online_geocoder_cache_is_bounded() -> None:
    fake = FakeGeocoder()
    online = OnlineGeocoder(fake, min_delay_seconds=0.0, cache_size=2)
    for query in ["a", "b", "c", "a"]:
        online.geocode(query)
    assert fake.calls == ["a", "b", "c", "a"]  # "a" was evicted by "c"


def test_online_geocoder_works_as_the_fallback() -> None:
    fake = FakeGeocoder({WHITE_HOUSE: WHITE_HOUSE_ANSWER})
    online = make_fake_online(fake, FakeClock())
    assert resolve_place(WHITE_HOUSE, online_fallback=online).precision == "address"
    assert resolve_place(WHITE_HOUSE, online_fallback=online).precision == "address"
    assert fake.calls == [WHITE_HOUSE]


def test_geopy_debug_logs_with_the_query_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    make_fake_online(FakeGeocoder(), FakeClock())
    geopy_logger = logging.getLogger("geopy")
    with caplog.at_level(logging.DEBUG, logger="geopy"):
        geopy_logger.debug("Nominatim.geocode: https://nominatim.example/search?q=%s", "Denver")
        geopy_logger.warning("RateLimiter caught an error. Called with (*%r, **%r).", ("x",), {})
        geopy_logger.warning("Invalid Retry-After header: %s", "soon")
    assert [record.getMessage() for record in caplog.records] == [
        "Invalid Retry-After header: soon"
    ]


def test_online_geocoder_needs_a_user_agent() -> None:
    with pytest.raises(QueryError, match="user agent"):
        make_online_geocoder("  ")


def test_default_online_geocoder_is_nominatim_and_sends_nothing_when_built() -> None:
    online = make_online_geocoder("clinic-finder-tests (ops@example.org)")
    assert isinstance(online.geocoder, Nominatim)
    assert online.geocoder.headers["User-Agent"] == "clinic-finder-tests (ops@example.org)"


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {ONLINE_GEOCODING_ENV: "0", USER_AGENT_ENV: "clinic-finder-tests"},
        {ONLINE_GEOCODING_ENV: "1"},  # no user agent: stays off
        {ONLINE_GEOCODING_ENV: "1", USER_AGENT_ENV: "   "},
    ],
)
def test_online_geocoding_is_off_unless_enabled(environ: dict[str, str]) -> None:
    assert online_geocoder_from_env(environ, geocoder_factory=lambda _: FakeGeocoder()) is None


def test_online_geocoding_enabled_from_env() -> None:
    agents: list[str] = []

    def factory(user_agent: str) -> FakeGeocoder:
        agents.append(user_agent)
        return FakeGeocoder()

    environ = {ONLINE_GEOCODING_ENV: "1", USER_AGENT_ENV: "clinic-finder-tests"}
    online = online_geocoder_from_env(environ, geocoder_factory=factory)
    assert isinstance(online, OnlineGeocoder)
    assert agents == ["clinic-finder-tests"]
