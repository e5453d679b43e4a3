"""Reading what a patient typed as a place: ZIP codes, "City, ST" and coordinates.

:func:`clean_query` tidies the text (Unicode forms, spaces, a trailing
"USA") and refuses what cannot be a place; the other functions recognise
the shapes :class:`~directory.offline_geocoder.OfflineGeocoder` answers. The
messages a refusal carries live here too, so that every one of them says
which formats work (:data:`FORMAT_HINT`).
"""

from __future__ import annotations

import re
import unicodedata

from directory.errors import PlaceError, PlaceNotFoundError
from directory.i18n import N_
from directory.i18n import gettext as _

__all__ = [
    "FORMAT_HINT",
    "MAX_QUERY_CHARS",
    "address_tail",
    "clean_query",
    "comma_parts",
    "coordinates",
    "either",
    "format_hint",
    "in_lat_lon_range",
    "is_digits_only",
    "not_found",
    "quote",
    "strip_country",
    "trailing_zip",
    "unknown_zip",
    "zip_code",
    "zip_in_text",
]

# TRANSLATORS: the examples are typed as they are ("39.74, -104.99" with points): they are
# what the place box reads.
FORMAT_HINT = N_(
    "Try a ZIP code (80202), a city and state (Denver, CO), or coordinates (39.74, -104.99)."
)
"""The formats that work, in English; :func:`format_hint` gives it in the page's language."""
#: Longer input is not a place; also keeps the fuzzy matching cheap.
MAX_QUERY_CHARS = 200

_DASHES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-"})
_COUNTRY_SUFFIX = re.compile(
    r"[\s,]+(?:u\.?\s?s\.?(?:\s?a\.?)?|united\s+states(?:\s+of\s+america)?)$", re.IGNORECASE
)
_ZIP = re.compile(r"(\d{5})(?:(?:\s*-\s*|\s?)\d{4})?")
_DIGITS_ONLY = re.compile(r"[\d\s-]+")
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_COORDINATES = re.compile(
    rf"\(?\s*(?P<lat>{_NUMBER})\s*°?\s*(?P<ns>[NSns])?\s*(?P<sep>[,;]|\s)\s*"
    rf"(?P<lon>{_NUMBER})\s*°?\s*(?P<ew>[EWew])?\s*\)?"
)
# A ZIP (or ZIP+4) standing on its own among words: not part of a longer number or a decimal.
_ZIP_IN_TEXT = re.compile(r"(?<!\d)(?<!\d\.)(\d{5})(?:-\d{4})?(?!\d|\.\d)")
_TRAILING_ZIP = re.compile(r"(?P<place>.*[^\W\d_].*?)[\s,]+(?P<zip>\d{5})(?:-\d{4})?")


def clean_query(text: str) -> str:
    """Tidy typed text: Unicode forms, whitespace, a trailing country name.

    Raises :class:`PlaceError` for empty, overlong or symbol-only input.
    """
    if not isinstance(text, str):
        text = ""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    if not text.isprintable():
        # Control characters (and stray surrogates) are never part of a place name.
        text = "".join(
            " " if char.isspace() or unicodedata.category(char)[0] == "C" else char for char in text
        )
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        raise PlaceError(_("That is too long for a place name. {hint}").format(hint=format_hint()))
    text = strip_country(text).strip(" ,;:")
    if not text:
        raise PlaceError(_("Please type a place to search near. {hint}").format(hint=format_hint()))
    if not any(char.isalnum() for char in text):
        raise PlaceError(_("That doesn't look like a place. {hint}").format(hint=format_hint()))
    return text


def strip_country(text: str) -> str:
    """``text`` without a trailing ``", USA"`` or ``" United States"`` (and the like)."""
    return _COUNTRY_SUFFIX.sub("", text)


def zip_code(text: str) -> str | None:
    """The 5-digit ZIP when ``text`` is a ZIP or ZIP+4 (``10001-1234``), else ``None``."""
    found = _ZIP.fullmatch(text)
    return found[1] if found else None


def is_digits_only(text: str) -> bool:
    """Whether ``text`` is nothing but digits, spaces and dashes (a mistyped ZIP)."""
    return _DIGITS_ONLY.fullmatch(text) is not None


def coordinates(text: str) -> tuple[float, float] | None:
    """``(lat, lon)`` when ``text`` is a coordinate pair, signed by any N/S/E/W; else ``None``.

    The numbers are not range-checked (see :func:`in_lat_lon_range`).
    """
    found = _COORDINATES.fullmatch(text)
    if found is None or not _looks_like_coordinates(found):
        return None
    lat = float(found["lat"]) * (-1.0 if (found["ns"] or "n") in "Ss" else 1.0)
    lon = float(found["lon"]) * (-1.0 if (found["ew"] or "e") in "Ww" else 1.0)
    return lat, lon


def _looks_like_coordinates(found: re.Match[str]) -> bool:
    # "80202 80203" is not a point; a decimal point, a sign or a comma says it is.
    text = found.group(0)
    return "." in text or found["sep"] in ",;" or "-" in text or "+" in text or bool(found["ns"])


def in_lat_lon_range(lat: float, lon: float) -> bool:
    """Whether the point is a latitude and longitude at all."""
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def trailing_zip(text: str) -> tuple[str, str] | None:
    """``(place, zip5)`` for text ending in a ZIP after some words (``Denver, CO 80202``)."""
    found = _TRAILING_ZIP.fullmatch(text)
    return (found["place"].strip(" ,"), found["zip"]) if found else None


def zip_in_text(text: str) -> tuple[str, str] | None:
    """``(zip5, rest)`` when ``text`` names exactly one ZIP among words and no other number.

    ``"CO 80202"``, ``"80202 Denver"`` and ``"Denver, CO 80202-1234"`` all
    give ``80202`` (``rest`` is the text around it, tidied). Text with another
    number in it (``"1550 Larimer St, Denver 80202"``) is a street address,
    which gives ``None`` so that the online geocoder, when on, can place it
    exactly.
    """
    found = list(_ZIP_IN_TEXT.finditer(text))
    if len(found) != 1:
        return None
    match = found[0]
    rest = f"{text[: match.start()]} {text[match.end() :]}"
    if any(char.isdigit() for char in rest):
        return None
    return match[1], " ".join(rest.split()).strip(" ,;:")


def comma_parts(text: str) -> list[str]:
    """The non-empty, stripped parts of ``text`` between commas."""
    return [part.strip() for part in text.split(",") if part.strip()]


def address_tail(query: str) -> str | None:
    """The best offline guess for a street address: its trailing ZIP, else its "City, ST" end."""
    trailing = trailing_zip(query)
    if trailing:
        return trailing[1]
    parts = comma_parts(query)
    return ", ".join(parts[-2:]) if len(parts) > 2 else None


# ----------------------------------------------------------------------------- messages


# Every message is looked up when it is raised, in the language of the page run raising it
# (the command line's is English), so nothing here holds translated text across sessions.


def format_hint() -> str:
    """:data:`FORMAT_HINT` in the active language: the sentence every refusal ends with."""
    return _(FORMAT_HINT)


def quote(text: str) -> str:
    """``text`` in quotes, as every message shows what was typed or what a link carried
    (place errors, and the notices about a shared link's values)."""
    # TRANSLATORS: how a message quotes what the patient typed: 'Denver'.
    return _("'{text}'").format(text=text)


def either(places: list[str]) -> str:
    """The places offered, as one choice: ``"Brooklyn, NY or Brookline, MA"``.

    Each pair is joined by "or", not :func:`directory.i18n.join_words`'s "a, b or c": place
    names hold commas ("Brooklyn, NY"), so a list separated by commas would be ambiguous.
    """
    if not places:
        return ""
    joined = places[0]
    for place in places[1:]:
        # TRANSLATORS: two places offered as a choice ("Brooklyn, NY or Brookline, MA");
        # {first} may itself be a choice of places ("A or B").
        joined = _("{first} or {second}").format(first=joined, second=place)
    return joined


def not_found(query: str, suggestions: list[str]) -> PlaceNotFoundError:
    """The error for a place that is not known, offering ``suggestions`` if there are any."""
    if suggestions:
        message = _("We couldn't find {place}. Did you mean {suggestions}?").format(
            place=quote(query), suggestions=either(suggestions)
        )
    else:
        message = _("We couldn't find {place}. {hint}").format(
            place=quote(query), hint=format_hint()
        )
    return PlaceNotFoundError(message, suggestions)


def unknown_zip(zip5: str) -> PlaceNotFoundError:
    """The error for a well-formed ZIP code that does not exist."""
    return PlaceNotFoundError(
        _(
            "We couldn't find ZIP code {zip}. Check the number, or try a city and state "
            "(Denver, CO)."
        ).format(zip=zip5)
    )
