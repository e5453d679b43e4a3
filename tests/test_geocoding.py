"""Tests for directory/geocoding.py: :func:`resolve_place`, end to end.

Everything runs offline against the real bundled gazetteer. The only fake is
the online geocoder (a class with geopy's ``geocode`` signature, in
tests/geocoder_fakes.py): no test touches the network. What the offline
geocoder understands (ZIPs, spellings, coordinates) is in
tests/test_offline_geocoder.py.
"""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import pytest
import us
from geopy.exc import GeocoderTimedOut
from geopy.location import Location
from hypothesis import given, settings
from hypothesis import strategies as st

from directory import i18n
from directory.errors import (
    AmbiguousPlaceError,
    DirectoryError,
    PlaceError,
    PlaceNotFoundError,
)
from directory.gazetteer import STATE_CODES, get_gazetteer
from directory.geocoding import Origin, resolve_place
from directory.origin import PRECISIONS
from directory.placenames import state_name
from tests.geocoder_fakes import (
    WHITE_HOUSE,
    WHITE_HOUSE_ANSWER,
    FakeClock,
    FakeGeocoder,
    make_fake_online,
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


# ------------------------------------------------------------------ forgiving entry


FIFTY_STATES_AND_PR = [*us.STATES, us.states.PR]
# Every state and PR by name and by code, any case; "LA" is Los Angeles and "DC" the city
# of Washington (tested below), so their codes are left out here.
STATE_TEXTS = (
    [(state.name, state.abbr) for state in FIFTY_STATES_AND_PR]
    + [(state.abbr, state.abbr) for state in FIFTY_STATES_AND_PR if state.abbr != "LA"]
    + [(state.abbr.lower(), state.abbr) for state in FIFTY_STATES_AND_PR if state.abbr != "LA"]
    + [("District of Columbia", "DC"), ("  PUERTO RICO ", "PR"), ("Co.", "CO")]
)


def test_state_texts_cover_fifty_states_dc_and_pr() -> None:
    assert len(FIFTY_STATES_AND_PR) == 51
    assert {code for _, code in STATE_TEXTS} == STATE_CODES - {"VI", "GU", "AS", "MP"}


@pytest.mark.parametrize(("typed", "code"), STATE_TEXTS)
def test_a_state_alone_is_the_whole_state(typed: str, code: str) -> None:
    origin = resolve_place(typed)
    assert (origin.precision, origin.state) == ("state", code)
    assert origin.label == state_name(code)
    # The mean of its ZIP centroids, inside the state: the ZIP nearest it is in the state.
    gazetteer = get_gazetteer()
    nearest = gazetteer.zip_point(gazetteer.nearest_zip(origin.lat, origin.lon))
    assert nearest is not None
    assert nearest[2] == code


def test_la_is_los_angeles_and_offers_louisiana() -> None:
    origin = resolve_place("LA")
    assert (origin.label, origin.precision) == ("Los Angeles, CA", "city")
    assert origin.alternatives == ("Louisiana",)
    assert resolve_place(origin.alternatives[0]).precision == "state"
    assert resolve_place("Louisiana").state == "LA"


@pytest.mark.parametrize("typed", ["DC", "dc", "D.C.", "Washington DC", "washington d.c."])
def test_dc_is_the_city_of_washington(typed: str) -> None:
    # A patient typing "DC" means the city; a radius search from it also reaches MD and VA.
    origin = resolve_place(typed)
    assert (origin.label, origin.state, origin.precision) == ("Washington, DC", "DC", "city")


def test_a_state_named_like_cities_offers_them() -> None:
    new_york = resolve_place("New York")
    assert (new_york.label, new_york.precision) == ("New York", "state")
    assert new_york.alternatives == ("New York, NY",)
    washington = resolve_place("Washington")
    assert (washington.state, washington.precision) == ("WA", "state")
    assert washington.alternatives[0] == "Washington, DC"


def test_a_state_misspelt_the_way_it_sounds_is_still_the_state() -> None:
    origin = resolve_place("Colorodo")
    assert (origin.label, origin.precision) == ("Colorado", "state")


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("denver", "Denver, CO"),
        ("Springfield", "Springfield, IL"),
        ("Portland", "Portland, OR"),
        ("kansas city", "Kansas City, MO"),
        ("Columbus", "Columbus, OH"),
        ("St. Louis", "St. Louis, MO"),
    ],
)
def test_a_bare_city_is_its_most_prominent_match(typed: str, label: str) -> None:
    origin = resolve_place(typed)
    assert (origin.label, origin.precision) == (label, "city")
    assert origin.alternatives
    assert label not in origin.alternatives
    assert len(set(origin.alternatives)) == len(origin.alternatives)


def test_the_other_cities_are_offered_most_prominent_first() -> None:
    origin = resolve_place("Denver")
    assert origin.alternatives[0] != "Denver, CO"
    gazetteer = get_gazetteer()
    expected = [match.label for match in gazetteer.find_city("Denver")][1:]
    assert list(origin.alternatives) == expected
    sizes = [match.zip_count for match in gazetteer.find_city("Denver")]
    assert sizes == sorted(sizes, reverse=True)
    springfield = resolve_place("Springfield")
    assert springfield.alternatives[:2] == ("Springfield, MA", "Springfield, MO")
    # Every alternative resolves to itself when typed back (the page's buttons do that).
    for label in springfield.alternatives:
        assert resolve_place(label).label == label


def test_a_city_whose_top_places_tie_is_ambiguous() -> None:
    # Adel, GA and Adel, IA have one ZIP each: nothing to choose by, so ask.
    with pytest.raises(AmbiguousPlaceError) as caught:
        resolve_place("Adel")
    candidates = caught.value.candidates
    assert candidates[:2] == ["Adel, GA", "Adel, IA"]
    assert len(candidates) == len(set(candidates))
    message = str(caught.value)
    assert "GA, IA" in message
    assert "Add the state, like Adel, GA." in message
    assert_says_what_works(caught.value)


def test_misspelt_city_suggests_the_right_one() -> None:
    with pytest.raises(PlaceNotFoundError) as caught:
        resolve_place("Brooklin, NY")
    assert caught.value.suggestions == ["Brooklyn, NY"]
    assert str(caught.value) == "We couldn't find 'Brooklin, NY'. Did you mean Brooklyn, NY?"


def test_city_in_the_wrong_state_suggests_other_states() -> None:
    with pytest.raises(PlaceNotFoundError) as caught:
        resolve_place("Denver, CA")
    assert caught.value.suggestions[0] == "Denver, CO"


@pytest.mark.slow  # 150 examples: about 10 s
@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.-'0123456789", max_size=40),
        st.from_regex(r"\A[A-Za-z .']{1,20}, ?[A-Za-z]{2}\Z"),
        st.tuples(st.floats(), st.floats()).map(lambda pair: f"{pair[0]}, {pair[1]}"),
        st.integers(min_value=0, max_value=10**10).map(str),
        st.tuples(
            st.sampled_from(["CO", "Denver", "nyc", "Queens", "Colorado", ""]), st.text()
        ).map(" ".join),
        st.sampled_from(["nan, nan", "inf, -inf", "-inf, 5", "1e999, 2", "NaN N, 5 W", "91, 181"]),
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
        assert outcome.precision in PRECISIONS
        assert outcome.label.strip()
        assert outcome.label not in outcome.alternatives


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


# ---------------------------------------------------------------- online fallback


@pytest.mark.parametrize(
    "typed", ["nan, nan", "NaN, -104.99", "inf, -inf", "39.74, -inf", "1e999, 5", "91, 181"]
)
def test_coordinates_that_are_not_numbers_are_place_errors(typed: str) -> None:
    with pytest.raises(PlaceError):
        resolve_place(typed)


@pytest.mark.parametrize("lat", [math.nan, math.inf, -math.inf, 91.0])
def test_a_geocoder_answer_off_the_map_is_never_used(lat: float) -> None:
    # Duck-typed, because geopy's own Location refuses such points.
    answer = SimpleNamespace(
        latitude=lat,
        longitude=-104.99,
        address="Somewhere, CO",
        raw={"precision": "city", "state": "CO", "label": "Somewhere, CO"},
    )
    with pytest.raises(PlaceNotFoundError):
        resolve_place("somewhere", geocoder=FakeGeocoder({"somewhere": answer}))
    online = FakeGeocoder({"Brooklin, NY": answer})
    with pytest.raises(PlaceNotFoundError):
        resolve_place("Brooklin, NY", online_fallback=online)


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


def test_online_geocoder_works_as_the_fallback() -> None:
    fake = FakeGeocoder({WHITE_HOUSE: WHITE_HOUSE_ANSWER})
    online = make_fake_online(fake, FakeClock())
    assert resolve_place(WHITE_HOUSE, online_fallback=online).precision == "address"
    assert resolve_place(WHITE_HOUSE, online_fallback=online).precision == "address"
    assert fake.calls == [WHITE_HOUSE]


# --------------------------------------------------------------------- Spanish names


@pytest.mark.parametrize(
    ("spanish", "english"),
    [
        ("Nuevo México", "New Mexico"),
        ("Nuevo Mexico", "New Mexico"),
        ("Luisiana", "Louisiana"),
        ("Carolina del Norte", "North Carolina"),
        ("Carolina del Sur", "South Carolina"),
        ("Dakota del Norte", "North Dakota"),
        ("Dakota del Sur", "South Dakota"),
        ("Pensilvania", "Pennsylvania"),
        ("Misisipi", "Mississippi"),
        ("Misisipí", "Mississippi"),
        ("Misuri", "Missouri"),
        ("Hawái", "Hawaii"),
        ("Virginia Occidental", "West Virginia"),
        ("Nueva Jersey", "New Jersey"),
        ("Nuevo Hampshire", "New Hampshire"),
        ("Tenesí", "Tennessee"),
        ("Distrito de Columbia", "District of Columbia"),
        ("Samoa Americana", "American Samoa"),
        ("Islas Vírgenes", "U.S. Virgin Islands"),
        ("Islas Marianas del Norte", "Northern Mariana Islands"),
        ("estado de Nueva York", "New York"),
        ("Florida", "Florida"),
        ("California", "California"),
        ("Oregón", "Oregon"),
        ("Míchigan", "Michigan"),
        ("Nueva York", "New York City"),
        ("Ciudad de Nueva York", "New York City"),
        ("Filadelfia", "Philadelphia"),
        ("Nueva Orleáns", "New Orleans"),
        ("Nueva Orleans", "New Orleans"),
        ("Cayo Hueso", "Key West, FL"),
        ("San Antonio", "San Antonio"),
        ("Los Ángeles", "Los Angeles"),
        ("Albuquerque, Nuevo México", "Albuquerque, New Mexico"),
        ("Santa Fe Nuevo México", "Santa Fe, NM"),
        ("Charlotte, Carolina del Norte", "Charlotte, North Carolina"),
        ("Charlotte Carolina del Norte", "Charlotte, NC"),
        ("Buffalo, Nueva York", "Buffalo, NY"),
        ("Honolulu, Hawái", "Honolulu, HI"),
        ("Kansas City, Misuri", "Kansas City, MO"),
        ("Baton Rouge, Luisiana", "Baton Rouge, LA"),
        ("Pittsburgh, Pensilvania", "Pittsburgh, PA"),
        ("Charleston, Virginia Occidental", "Charleston, WV"),
    ],
)
def test_spanish_place_names_find_the_same_place(spanish: str, english: str) -> None:
    # Data, not translation: the same in either language, and shown back in English.
    for code in ("en", "es"):
        with i18n.using(code):
            found, expected = resolve_place(spanish), resolve_place(english)
        assert (found.label, found.state, found.precision) == (
            expected.label,
            expected.state,
            expected.precision,
        )
        assert (found.lat, found.lon) == (expected.lat, expected.lon)


def test_nueva_york_is_the_city_and_offers_the_state() -> None:
    origin = resolve_place("Nueva York")
    assert (origin.label, origin.precision) == ("New York, NY", "city")
    assert origin.alternatives == ("New York",)
    assert resolve_place(origin.alternatives[0]).precision == "state"
    # "DC" is the city of Washington, which is the District: nothing else to offer.
    assert resolve_place("DC").alternatives == ()


def test_place_messages_in_spanish() -> None:
    with i18n.using("es"):
        with pytest.raises(AmbiguousPlaceError) as ambiguous:
            resolve_place("Adel")
        fake = FakeGeocoder({})
        fake.error = RuntimeError("boom")
        with pytest.raises(PlaceError) as unreachable:
            resolve_place("somewhere", geocoder=fake)
        with pytest.raises(PlaceNotFoundError) as bad_state:
            resolve_place("Brooklyn, Nwe Yrok")
    message = str(ambiguous.value)
    assert message.startswith("Hay lugares llamados Adel en ")
    assert "GA, IA" in message
    assert message.endswith("Agregue el estado, como Adel, GA.")
    assert str(unreachable.value).startswith("No pudimos buscar “somewhere” en este momento.")
    assert "no es un estado de EE. UU. que conozcamos" in str(bad_state.value)
