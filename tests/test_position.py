"""Checking and rounding the position a browser reports for "Use my location"."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory import i18n, position
from directory.geocoding import resolve_place
from directory.position import LocationProblem, LocationReply, RoundedPosition, read_reply

DENVER = {"lat": 39.7392, "lon": -104.9903, "accuracy": 35}


def always_near(lat: float, lon: float) -> bool:
    return True


def reply(**fields: object) -> dict[str, object]:
    return {"id": "req-1", **fields}


# --- accepted -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (reply(**DENVER), RoundedPosition(39.74, -104.99)),
        (reply(lat=39.7392, lon=-104.9903), RoundedPosition(39.74, -104.99)),  # no accuracy
        (reply(lat=40, lon=-105, accuracy=0), RoundedPosition(40.0, -105.0)),  # ints
        (reply(lat=61.2181, lon=-149.9003, accuracy=5000.5), RoundedPosition(61.22, -149.9)),
        (reply(lat=21.3069, lon=-157.8583, accuracy=100_000), RoundedPosition(21.31, -157.86)),
        (reply(lat=18.4655, lon=-66.1057), RoundedPosition(18.47, -66.11)),  # San Juan, PR
    ],
)
def test_a_well_formed_us_position_is_accepted_rounded(
    raw: dict[str, object], expected: RoundedPosition
) -> None:
    assert read_reply(raw) == LocationReply("req-1", position=expected)


def test_rounding_keeps_two_decimals_and_never_shows_minus_zero() -> None:
    assert position.round_position(39.7392, -104.9903).place_text == "39.74, -104.99"
    assert position.round_position(-0.001, -0.004).place_text == "0.00, 0.00"
    assert position.round_position(40.0, -105.0).place_text == "40.00, -105.00"


def test_the_rounded_text_resolves_as_coordinates_near_the_point() -> None:
    found = read_reply(reply(**DENVER))
    assert found is not None
    assert found.position is not None
    origin = resolve_place(found.position.place_text)
    assert origin.precision == "coordinates"
    assert (origin.lat, origin.lon) == (39.74, -104.99)
    assert "Denver, CO" in origin.label


# --- rejected -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (reply(error="denied"), LocationProblem.DENIED),
        (reply(error="unavailable"), LocationProblem.UNAVAILABLE),
        (reply(error="timeout"), LocationProblem.TIMEOUT),
        (reply(error="unsupported"), LocationProblem.UNSUPPORTED),
        (reply(error="rm -rf /", lat=39.74, lon=-104.99), LocationProblem.UNAVAILABLE),
        (reply(error=1), LocationProblem.UNAVAILABLE),
        (reply(error="invalid"), LocationProblem.UNAVAILABLE),  # not a browser answer
        (reply(), LocationProblem.INVALID),
        (reply(lat="39.74", lon="-104.99"), LocationProblem.INVALID),  # strings
        (reply(lat=True, lon=-104.99), LocationProblem.INVALID),  # bool is not a number
        (reply(lat=None, lon=-104.99), LocationProblem.INVALID),
        (reply(lat=[39.74], lon=-104.99), LocationProblem.INVALID),
        (reply(lat=math.nan, lon=-104.99), LocationProblem.INVALID),
        (reply(lat=39.74, lon=math.inf), LocationProblem.INVALID),
        (reply(lat=10**400, lon=-104.99), LocationProblem.INVALID),  # too big for a float
        (reply(lat=90.5, lon=-104.99), LocationProblem.INVALID),
        (reply(lat=39.74, lon=-180.01), LocationProblem.INVALID),
        (reply(lat=-104.99, lon=39.74), LocationProblem.INVALID),  # swapped
        (reply(**{**DENVER, "accuracy": -1}), LocationProblem.INVALID),
        (reply(**{**DENVER, "accuracy": "35"}), LocationProblem.INVALID),
        (reply(**{**DENVER, "accuracy": math.nan}), LocationProblem.INVALID),
        (reply(**{**DENVER, "accuracy": 100_001}), LocationProblem.IMPRECISE),
        (reply(lat=51.5074, lon=-0.1278), LocationProblem.OUTSIDE_US),  # London
        (reply(lat=39.74, lon=104.99), LocationProblem.OUTSIDE_US),  # east, not west
        (reply(lat=0.0, lon=0.0), LocationProblem.OUTSIDE_US),
    ],
)
def test_a_failure_or_a_malformed_position_is_a_problem(
    raw: dict[str, object], problem: LocationProblem
) -> None:
    assert read_reply(raw) == LocationReply("req-1", problem=problem)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "39.74, -104.99",
        [39.74, -104.99],
        {"lat": 39.74, "lon": -104.99},  # no id
        {"id": "", **DENVER},
        {"id": 7, **DENVER},
        {"id": "x" * 65, **DENVER},
        {"id": "<script>", **DENVER},
        {"id": "req 1", **DENVER},
    ],
)
def test_a_reply_without_a_well_formed_request_id_is_ignored(raw: object) -> None:
    assert read_reply(raw) is None


def test_the_us_rule_sees_only_the_rounded_point() -> None:
    seen: list[tuple[float, float]] = []

    def near_us(lat: float, lon: float) -> bool:
        seen.append((lat, lon))
        return True

    read_reply(reply(**DENVER), near_us=near_us)
    assert seen == [(39.74, -104.99)]


def test_a_failing_us_rule_makes_the_reply_invalid_not_an_exception() -> None:
    def broken(lat: float, lon: float) -> bool:
        raise RuntimeError("boom")

    assert read_reply(reply(**DENVER), near_us=broken) == LocationReply(
        "req-1", problem=LocationProblem.INVALID
    )


@pytest.mark.parametrize("problem", list(LocationProblem))
def test_every_problem_has_a_calm_message_that_offers_typing_instead(
    problem: LocationProblem,
) -> None:
    message = position.problem_message(problem)
    assert "ZIP code or city instead" in message
    assert "error" not in message.lower()


# --- any reply ----------------------------------------------------------------------------------

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
FIELDS = st.sampled_from(["id", "lat", "lon", "accuracy", "error"]) | st.text(max_size=8)


@given(st.dictionaries(FIELDS, JSON_VALUES | st.sampled_from(["req-1", "denied"]), max_size=6))
def test_any_reply_shaped_like_json_never_raises(raw: dict[str, object]) -> None:
    found = read_reply(raw, near_us=always_near)
    if found is not None:
        assert (found.position is None) != (found.problem is None)
        if found.position is not None:
            assert found.position == position.round_position(found.position.lat, found.position.lon)


@given(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none() | st.floats(allow_nan=True, allow_infinity=True),
)
def test_any_numbers_never_raise_and_an_accepted_point_is_rounded_and_in_range(
    lat: float, lon: float, accuracy: float | None
) -> None:
    found = read_reply(reply(lat=lat, lon=lon, accuracy=accuracy), near_us=always_near)
    assert found is not None
    if found.position is not None:
        assert abs(found.position.lat) <= 90.0
        assert abs(found.position.lon) <= 180.0
        lat_text, lon_text = found.position.place_text.split(", ")
        assert len(lat_text.split(".")[1]) == len(lon_text.split(".")[1]) == 2


@pytest.mark.parametrize(
    ("problem", "spanish"),
    [
        (
            LocationProblem.DENIED,
            "Su navegador no compartió su ubicación, y está bien. "
            "Puede escribir su código postal (ZIP) o su ciudad.",
        ),
        (
            LocationProblem.OUTSIDE_US,
            "Su ubicación parece estar fuera de los Estados Unidos, y este directorio solo "
            "cubre EE. UU. Puede escribir un código postal (ZIP) o una ciudad de EE. UU.",
        ),
        *(
            (
                problem,
                "No pudimos obtener su ubicación. "
                "Puede escribir su código postal (ZIP) o su ciudad.",
            )
            for problem in (
                LocationProblem.UNAVAILABLE,
                LocationProblem.TIMEOUT,
                LocationProblem.UNSUPPORTED,
                LocationProblem.INVALID,
                LocationProblem.IMPRECISE,
            )
        ),
    ],
)
def test_every_problem_message_in_spanish(problem: LocationProblem, spanish: str) -> None:
    with i18n.using("es"):
        assert position.problem_message(problem) == spanish
    with i18n.using("en"):
        assert "ZIP code or city instead" in position.problem_message(problem)
