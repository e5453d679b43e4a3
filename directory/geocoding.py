"""Where is the patient? Turning a typed place into a point with a state.

:func:`resolve_place` is the one function the app calls. It understands a ZIP
code (``80202``, ``10001-1234``, or among words: ``Denver, CO 80202``), a city
and state (``Denver, CO``, ``Denver, Colorado``, ``Denver CO``), a city alone
(``Denver``: the most prominent, with the others in ``Origin.alternatives``), a
state alone (``Colorado``), a few nicknames and boroughs (``Philly``,
``Queens``) and coordinates (``39.74, -104.99``), all answered offline from
the bundled gazetteer by :class:`OfflineGeocoder`,
which is shaped like a geopy geocoder. Street addresses need the optional
online fallback (Nominatim, rate-limited and cached), which stays off unless
the operator turns it on (:func:`online_geocoder_from_env`).

The parts live in their own modules and are re-exported here:
:mod:`directory.origin` (:class:`Origin`, :class:`GeocoderLike`),
:mod:`directory.placetext` (reading typed text, :data:`FORMAT_HINT`),
:mod:`directory.offline_geocoder` and :mod:`directory.online_geocoder`.

Searched places are never logged: where someone looks for ketamine therapy is
health information.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any

from geopy.location import Location

from directory.errors import AmbiguousPlaceError, PlaceError, PlaceNotFoundError
from directory.gazetteer import STATE_CODES, get_gazetteer
from directory.i18n import gettext as _
from directory.i18n import ngettext
from directory.offline_geocoder import (
    MAX_MILES_FROM_US,
    OFFLINE_USER_AGENT,
    OfflineGeocoder,
    nearest_zip_miles,
)
from directory.online_geocoder import (
    ONLINE_GEOCODING_ENV,
    US_COUNTRY_CODES,
    USER_AGENT_ENV,
    OnlineGeocoder,
    make_online_geocoder,
    online_geocoder_from_env,
)
from directory.origin import PRECISIONS, GeocoderLike, Origin, Precision
from directory.placetext import (
    FORMAT_HINT,
    MAX_QUERY_CHARS,
    address_tail,
    clean_query,
    format_hint,
    in_lat_lon_range,
    not_found,
    quote,
    strip_country,
)

__all__ = [
    "FORMAT_HINT",
    "MAX_MILES_FROM_US",
    "MAX_QUERY_CHARS",
    "OFFLINE_USER_AGENT",
    "ONLINE_GEOCODING_ENV",
    "USER_AGENT_ENV",
    "US_COUNTRY_CODES",
    "GeocoderLike",
    "OfflineGeocoder",
    "OnlineGeocoder",
    "Origin",
    "Precision",
    "make_online_geocoder",
    "online_geocoder_from_env",
    "resolve_place",
]

#: How many states an ambiguous-city message names before saying "and N more".
_STATES_NAMED = 8


@functools.lru_cache(maxsize=1)
def _default_geocoder() -> OfflineGeocoder:
    return OfflineGeocoder()


def resolve_place(
    text: str,
    geocoder: GeocoderLike | None = None,
    online_fallback: GeocoderLike | None = None,
) -> Origin:
    """Turn what the patient typed into an :class:`Origin` (a point and its state).

    ``geocoder`` defaults to the shared :class:`OfflineGeocoder`. The
    ``online_fallback`` (see :func:`make_online_geocoder`) is asked only when
    the offline lookup finds nothing; when it is off or finds nothing too, a
    street address still resolves to the ZIP or city at its end.

    A name with several readings resolves to the most prominent (most ZIP
    codes) and lists the rest in ``Origin.alternatives``, in the same order
    as every other list of places.

    Raises only :class:`PlaceError` and its subclasses:
    :class:`PlaceNotFoundError` (with ``suggestions``) for unknown or
    misspelt places, :class:`AmbiguousPlaceError` (with ``candidates``) only
    for a city name whose top places are exactly as prominent (two towns of
    one ZIP each: nothing to choose by), and :class:`PlaceError` for empty or
    unusable input; every message says what to type instead.
    """
    query = clean_query(text)
    offline = geocoder if geocoder is not None else _default_geocoder()
    try:
        return _resolve_with(offline, query)
    except PlaceNotFoundError as offline_miss:
        if online_fallback is not None:
            origin = _resolve_online(online_fallback, query)
            if origin is not None:
                return origin
        tail = address_tail(query)
        if tail is not None and isinstance(offline, OfflineGeocoder):
            with contextlib.suppress(PlaceError):
                return _resolve_with(offline, tail, query=query)
        raise offline_miss from None


def _resolve_with(geocoder: GeocoderLike, text: str, *, query: str | None = None) -> Origin:
    shown_query = query if query is not None else text
    if isinstance(geocoder, OfflineGeocoder):
        locations = geocoder.locate(text)
    else:
        locations = _geocode_elsewhere(geocoder, text)
    first, *others = locations
    raw = first.raw if isinstance(first.raw, dict) else {}
    if others and raw.get("tied"):
        raise _ambiguous(text, [str(location.address) for location in locations])
    alternatives = tuple(
        str(other.raw["label"])
        for other in others
        if isinstance(other.raw, dict) and "label" in other.raw
    )
    origin = _origin_from_location(shown_query, first, alternatives=alternatives)
    if origin is None:
        raise not_found(shown_query, [])
    return origin


def _geocode_elsewhere(geocoder: GeocoderLike, text: str) -> list[Location]:
    """Ask a geocoder that is not ours, turning anything it raises into a PlaceError."""
    try:
        found = geocoder.geocode(text, exactly_one=False)
    except Exception as error:
        # Third-party geocoders raise all sorts (timeouts, HTTP errors); the patient
        # needs one kind of message, not a traceback.
        message = _("We couldn't look up {place} right now. {hint}")
        raise PlaceError(message.format(place=quote(text), hint=format_hint())) from error
    if found is None:
        found = []
    elif not isinstance(found, list):
        found = [found]
    if not found:
        raise not_found(text, [])
    return found


def _resolve_online(online: GeocoderLike, query: str) -> Origin | None:
    try:
        found = online.geocode(query, exactly_one=True)
    except Exception:
        # The online service is an optional extra: when it fails, the offline answer stands.
        return None
    if isinstance(found, list):
        found = found[0] if found else None
    if found is None:
        return None
    return _origin_from_location(query, found, default_precision="address")


def _origin_from_location(
    query: str,
    location: Any,
    *,
    default_precision: Precision = "address",
    alternatives: tuple[str, ...] = (),
) -> Origin | None:
    """Make an Origin from any geopy Location; ``None`` if it is not a usable US point."""
    try:
        lat = float(location.latitude)
        lon = float(location.longitude)
        raw = location.raw if isinstance(location.raw, dict) else {}
        address = str(location.address or "")
    except (AttributeError, TypeError, ValueError):
        return None
    if not in_lat_lon_range(lat, lon):
        return None
    precision = raw.get("precision")
    state = raw.get("state")
    label = raw.get("label")
    if precision in PRECISIONS and state in STATE_CODES and label:
        return Origin(query, str(label), lat, lon, str(state), precision, alternatives)
    # Someone else's answer: the state is that of the nearest ZIP, if it is in the US at all.
    gazetteer = get_gazetteer()
    zip5, miles = nearest_zip_miles(gazetteer, lat, lon)
    zip_point = gazetteer.zip_point(zip5)
    if zip_point is None or not miles <= MAX_MILES_FROM_US:
        return None
    label = strip_country(address).strip(" ,") or query
    return Origin(query, label, lat, lon, zip_point[2], default_precision)


def _ambiguous(city: str, labels: list[str]) -> AmbiguousPlaceError:
    states = [label.rsplit(", ", 1)[-1] for label in labels]
    named = ", ".join(states[:_STATES_NAMED])
    more = len(states) - _STATES_NAMED
    if more > 0:
        # TRANSLATORS: {states} is a list of state codes ("CO, PA, NC").
        listed = ngettext("{states} and {count} more", "{states} and {count} more", more)
        listed = listed.format(states=named, count=more)
    else:
        listed = named
    message = ngettext(
        "There are places called {city} in {count} state ({states}). "
        "Add the state, like {example}.",
        "There are places called {city} in {count} states ({states}). "
        "Add the state, like {example}.",
        len(states),
    )
    return AmbiguousPlaceError(
        message.format(city=city, count=len(states), states=listed, example=labels[0]), labels
    )
