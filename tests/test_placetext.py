"""Tests for directory/placetext.py: reading typed place text, and refusal messages."""

from __future__ import annotations

import pytest

from directory import i18n
from directory.errors import PlaceError, PlaceNotFoundError
from directory.placetext import (
    FORMAT_HINT,
    MAX_QUERY_CHARS,
    address_tail,
    clean_query,
    comma_parts,
    coordinates,
    either,
    format_hint,
    in_lat_lon_range,
    is_digits_only,
    not_found,
    quote,
    strip_country,
    trailing_zip,
    unknown_zip,
    zip_code,
    zip_in_text,
)


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("  Denver ,   CO  ", "Denver , CO"),
        ("Denver, CO, USA", "Denver, CO"),
        ("Denver, Colorado, United States of America", "Denver, Colorado"),
        ("39.74, \u2212104.99", "39.74, -104.99"),  # a typographic minus
        ("Denver\x00, CO", "Denver , CO"),  # a control character
        ("\uff18\uff10\uff12\uff10\uff12", "80202"),  # full-width digits
    ],
)
def test_clean_query_tidies(typed: str, clean: str) -> None:
    assert clean_query(typed) == clean


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please type a place"),
        (" , ; ", "Please type a place"),
        ("!!!", "doesn't look like a place"),
        ("x" * (MAX_QUERY_CHARS + 1), "too long"),
    ],
)
def test_clean_query_refuses(typed: str, message: str) -> None:
    with pytest.raises(PlaceError, match=message) as caught:
        clean_query(typed)
    assert FORMAT_HINT in str(caught.value)


def test_clean_query_treats_a_non_string_as_empty() -> None:
    with pytest.raises(PlaceError, match="Please type a place"):
        clean_query(None)  # type: ignore[arg-type]


def test_strip_country() -> None:
    assert strip_country("Denver, CO, U.S.A.") == "Denver, CO"
    assert strip_country("Austin TX united states") == "Austin TX"
    assert strip_country("Usa Street") == "Usa Street"
    assert strip_country("USA") == "USA"  # only a suffix after a place goes


@pytest.mark.parametrize(
    ("typed", "zip5"),
    [
        ("80202", "80202"),
        ("10001-1234", "10001"),
        ("10001 - 1234", "10001"),
        ("100011234", "10001"),
    ],
)
def test_zip_code(typed: str, zip5: str) -> None:
    assert zip_code(typed) == zip5


@pytest.mark.parametrize("typed", ["8020", "802021", "80202-12", "Denver 80202", ""])
def test_not_a_zip_code(typed: str) -> None:
    assert zip_code(typed) is None


def test_is_digits_only() -> None:
    assert is_digits_only("12")
    assert is_digits_only("123 45-6")
    assert not is_digits_only("12a")
    assert not is_digits_only("")


@pytest.mark.parametrize(
    ("typed", "point"),
    [
        ("39.7392, -104.9903", (39.7392, -104.9903)),
        ("(39.7392;-104.9903)", (39.7392, -104.9903)),
        ("39.7392N 104.9903W", (39.7392, -104.9903)),
        ("33.9S, 151.2E", (-33.9, 151.2)),
        ("40 -105", (40.0, -105.0)),
        ("+40 105", (40.0, 105.0)),
        ("91, 0", (91.0, 0.0)),  # read, not range-checked
    ],
)
def test_coordinates(typed: str, point: tuple[float, float]) -> None:
    assert coordinates(typed) == point


@pytest.mark.parametrize("typed", ["80202 80203", "Denver, CO", "39.74", "1, 2, 3"])
def test_not_coordinates(typed: str) -> None:
    assert coordinates(typed) is None


def test_in_lat_lon_range() -> None:
    assert in_lat_lon_range(90.0, -180.0)
    assert in_lat_lon_range(-90.0, 180.0)
    assert not in_lat_lon_range(90.5, 0.0)
    assert not in_lat_lon_range(0.0, -180.5)


def test_trailing_zip() -> None:
    assert trailing_zip("Denver, CO 80202") == ("Denver, CO", "80202")
    assert trailing_zip("123 Main St, Denver, CO 80202-1234") == (
        "123 Main St, Denver, CO",
        "80202",
    )
    assert trailing_zip("80202") is None
    assert trailing_zip("Denver, CO") is None


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("CO 80202", ("80202", "CO")),
        ("80202 Denver", ("80202", "Denver")),
        ("Denver 80202", ("80202", "Denver")),
        ("Denver, CO 80202", ("80202", "Denver, CO")),
        ("80202-1234 Denver", ("80202", "Denver")),
        ("80202, Denver, CO", ("80202", "Denver, CO")),
        ("Denver, CO 80202.", ("80202", "Denver, CO .")),
        ("80202", ("80202", "")),
    ],
)
def test_zip_in_text(typed: str, found: tuple[str, str]) -> None:
    assert zip_in_text(typed) == found


@pytest.mark.parametrize(
    "typed",
    [
        "Denver, CO",
        "1550 Larimer St, Denver, CO 80202",  # a house number: a street address
        "80202 80203",  # two ZIPs
        "39.80202, -104.99",  # decimals, not a ZIP
        "802021 Denver",  # six digits
        "8020 Denver",
    ],
)
def test_no_zip_in_text(typed: str) -> None:
    assert zip_in_text(typed) is None


def test_comma_parts() -> None:
    assert comma_parts(" a , b,, c ,") == ["a", "b", "c"]
    assert comma_parts(" , ") == []


@pytest.mark.parametrize(
    ("query", "tail"),
    [
        ("123 Main St, Denver, CO 80202", "80202"),
        ("1600 Pennsylvania Ave NW, Washington, DC", "Washington, DC"),
        ("Denver, CO", None),
        ("Denver", None),
    ],
)
def test_address_tail(query: str, tail: str | None) -> None:
    assert address_tail(query) == tail


def test_not_found_offers_suggestions_or_the_formats() -> None:
    with_suggestions = not_found("Brooklin, NY", ["Brooklyn, NY", "Brookline, MA"])
    assert isinstance(with_suggestions, PlaceNotFoundError)
    assert str(with_suggestions) == (
        "We couldn't find 'Brooklin, NY'. Did you mean Brooklyn, NY or Brookline, MA?"
    )
    assert with_suggestions.suggestions == ["Brooklyn, NY", "Brookline, MA"]
    without = not_found("asdf", [])
    assert str(without) == f"We couldn't find 'asdf'. {FORMAT_HINT}"
    assert without.suggestions == []


def test_unknown_zip() -> None:
    error = unknown_zip("99999")
    assert isinstance(error, PlaceNotFoundError)
    assert str(error).startswith("We couldn't find ZIP code 99999.")


# ------------------------------------------------------------------------------ Spanish


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Escriba el lugar donde quiere buscar. Pruebe con un código postal (80202)"),
        ("!!!", "Eso no parece un lugar. Pruebe con"),
        ("x" * (MAX_QUERY_CHARS + 1), "Es demasiado largo para ser el nombre de un lugar."),
    ],
)
def test_clean_query_refuses_in_spanish(typed: str, message: str) -> None:
    with i18n.using("es"), pytest.raises(PlaceError) as caught:
        clean_query(typed)
    assert str(caught.value).startswith(message)
    assert "Try a ZIP code" not in str(caught.value)


def test_not_found_and_unknown_zip_in_spanish() -> None:
    with i18n.using("es"):
        offered = not_found("Brooklin, NY", ["Brooklyn, NY", "Brookline, MA", "Brookfield, CT"])
        without = not_found("asdf", [])
        zip_error = unknown_zip("99999")
        hint = format_hint()
    assert str(offered) == (
        "No encontramos “Brooklin, NY”. ¿Quiso decir Brooklyn, NY o Brookline, MA o Brookfield, CT?"
    )
    assert offered.suggestions == ["Brooklyn, NY", "Brookline, MA", "Brookfield, CT"]
    assert str(without) == f"No encontramos “asdf”. {hint}"
    assert hint.startswith("Pruebe con un código postal (80202), una ciudad y un estado")
    assert str(zip_error).startswith("No encontramos el código postal (ZIP) 99999.")


def test_english_messages_are_unchanged_with_english_active() -> None:
    with i18n.using("en"):
        assert format_hint() == FORMAT_HINT
        assert quote("Denver") == "'Denver'"
        assert either(["A", "B", "C"]) == "A or B or C"
        assert either([]) == ""
