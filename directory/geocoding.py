"""Where is the patient? Turning a typed place into a point with a state.

:func:`resolve_place` is the one function the app calls. It understands a ZIP
code (``80202``, ``10001-1234``), a city and state (``Denver, CO``,
``Denver, Colorado``, ``Denver CO``) and coordinates (``39.74, -104.99``),
all answered offline from the bundled gazetteer by :class:`OfflineGeocoder`,
which is shaped like a geopy geocoder. Street addresses need the optional
online fallback (Nominatim, rate-limited and cached), which stays off unless
the operator turns it on (:func:`online_geocoder_from_env`).

Searched places are never logged: where someone looks for ketamine therapy is
health information.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from directory.distance import great_circle_miles
from directory.errors import AmbiguousPlaceError, PlaceError, PlaceNotFoundError, QueryError
from directory.gazetteer import STATE_CODES, CityMatch, Gazetteer, get_gazetteer, normalize_state

__all__ = [
    "FORMAT_HINT",
    "ONLINE_GEOCODING_ENV",
    "USER_AGENT_ENV",
    "GeocoderLike",
    "OfflineGeocoder",
    "OnlineGeocoder",
    "Origin",
    "Precision",
    "make_online_geocoder",
    "online_geocoder_from_env",
    "resolve_place",
]

logger = logging.getLogger(__name__)

Precision = Literal["zip", "city", "coordinates", "address"]

FORMAT_HINT = (
    "Try a ZIP code (80202), a city and state (Denver, CO), or coordinates (39.74, -104.99)."
)
#: Longer input is not a place; also keeps the fuzzy matching cheap.
MAX_QUERY_CHARS = 200
#: A point farther than this from every US ZIP centroid is taken to be outside the US.
#: Generous, because ZIPs are sparse in rural Alaska.
MAX_MILES_FROM_US = 150.0
#: How many states an ambiguous-city message names before saying "and N more".
_STATES_NAMED = 8

ONLINE_GEOCODING_ENV = "CLINIC_FINDER_ONLINE_GEOCODING"
USER_AGENT_ENV = "CLINIC_FINDER_GEOCODER_USER_AGENT"
#: ISO codes Nominatim uses for the US and the territories the directory covers.
US_COUNTRY_CODES = ("us", "pr", "vi", "gu", "as", "mp")
OFFLINE_USER_AGENT = "ketamine-clinic-finder-offline"


class GeocoderLike(Protocol):
    """Anything with geopy's ``geocode`` method: geopy geocoders, ours, and test fakes."""

    def geocode(self, query: str, exactly_one: bool = True, **kwargs: Any) -> Any:
        """Return a geopy ``Location``, a list of them, or ``None``."""
        ...


@dataclass(frozen=True)
class Origin:
    """The resolved place a search starts from."""

    query: str  # what was typed, tidied
    label: str  # how to show it back: "Denver, CO 80202", "Denver, CO", ...
    lat: float
    lon: float
    state: str  # USPS code, always known
    precision: Precision


# ----------------------------------------------------------------------------- parsing

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
_TRAILING_ZIP = re.compile(r"(?P<place>.*[^\W\d_].*?)[\s,]+(?P<zip>\d{5})(?:-\d{4})?")


def _clean_query(text: str) -> str:
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
        raise PlaceError(f"That is too long for a place name. {FORMAT_HINT}")
    text = _COUNTRY_SUFFIX.sub("", text).strip(" ,;:")
    if not text:
        raise PlaceError(f"Please type a place to search near. {FORMAT_HINT}")
    if not any(char.isalnum() for char in text):
        raise PlaceError(f"That doesn't look like a place. {FORMAT_HINT}")
    return text


def _quote(text: str) -> str:
    return f"'{text}'"


def _not_found(query: str, suggestions: list[str]) -> PlaceNotFoundError:
    if suggestions:
        message = f"We couldn't find {_quote(query)}. Did you mean {' or '.join(suggestions)}?"
    else:
        message = f"We couldn't find {_quote(query)}. {FORMAT_HINT}"
    return PlaceNotFoundError(message, suggestions)


def _unknown_zip(zip5: str) -> PlaceNotFoundError:
    return PlaceNotFoundError(
        f"We couldn't find ZIP code {zip5}. Check the number, or try a city and state (Denver, CO)."
    )


# ----------------------------------------------------------------------------- offline


class _NoNetworkAdapter(BaseSyncAdapter):  # type: ignore[misc, unused-ignore]  # geopy: no types
    """A geopy adapter that refuses to make requests, so the offline geocoder cannot."""

    def get_json(self, url: str, *, timeout: float, headers: Mapping[str, str]) -> Any:
        raise GeocoderServiceError("OfflineGeocoder never uses the network.")

    def get_text(self, url: str, *, timeout: float, headers: Mapping[str, str]) -> str:
        raise GeocoderServiceError("OfflineGeocoder never uses the network.")


class OfflineGeocoder(Geocoder):  # type: ignore[misc, unused-ignore]  # geopy: no types
    """A geopy-style geocoder answering from the bundled gazetteer only.

    Understands ZIP codes, ZIP+4, ``City, ST``, ``City, State``, ``City ST``,
    ``City, ST ZIP`` and ``lat, lon`` coordinates. ``Location.raw`` carries
    ``state``, ``label``, ``precision``, ``city``, ``zip`` (the ZIP typed, the
    city's representative ZIP, or the ZIP nearest typed coordinates) and ``query``.
    """

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        *,
        user_agent: str = OFFLINE_USER_AGENT,
    ) -> None:
        # Explicit scheme, proxies and SSL context, and an adapter that refuses requests:
        # building this never reads network settings or certificates, let alone connects.
        super().__init__(
            scheme="https",
            timeout=None,
            proxies={},
            user_agent=user_agent,
            ssl_context=None,
            adapter_factory=_NoNetworkAdapter,
        )
        self._gazetteer = gazetteer

    @property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer answering queries (the shared one unless another was given)."""
        return self._gazetteer if self._gazetteer is not None else get_gazetteer()

    def geocode(
        self, query: str, exactly_one: bool = True, **kwargs: Any
    ) -> Location | list[Location] | None:
        """Return the place for ``query``, geopy-style: ``None`` when nothing matches.

        A city name found in several states gives every match with
        ``exactly_one=False`` and the biggest with ``exactly_one=True``.
        """
        try:
            locations = self.locate(query)
        except PlaceError:
            return None
        return locations[0] if exactly_one else locations

    def reverse(
        self, query: Any, exactly_one: bool = True, **kwargs: Any
    ) -> Location | list[Location] | None:
        """Return the ZIP nearest a point (``"lat, lon"``, a pair, or a geopy ``Point``)."""
        try:
            point = Point(query)
        except (TypeError, ValueError):
            return None
        zip5, miles = _nearest_zip_miles(self.gazetteer, point.latitude, point.longitude)
        if miles > MAX_MILES_FROM_US:
            return None
        location = self._zip_location(zip5, str(query))
        return location if exactly_one else [location]

    def locate(self, query: str) -> list[Location]:
        """Return every match for ``query`` (several only for a city without a state).

        Raises :class:`PlaceNotFoundError` (with suggestions) when nothing
        matches, and :class:`PlaceError` for input that cannot be a place,
        such as a 3-digit number or coordinates outside the US.
        """
        text = _clean_query(query)
        zip_match = _ZIP.fullmatch(text)
        if zip_match:
            return [self._zip_location(zip_match[1], text)]
        if _DIGITS_ONLY.fullmatch(text):
            raise PlaceError(
                f"{_quote(text)} isn't a ZIP code: ZIP codes have 5 digits, like 80202. "
                "You can also type a city and state (Denver, CO)."
            )
        coordinates = _COORDINATES.fullmatch(text)
        if coordinates and _looks_like_coordinates(coordinates):
            return [self._coordinates_location(coordinates, text)]
        trailing = _TRAILING_ZIP.fullmatch(text)
        if trailing is None:
            return self._city_locations(text, text)
        place, zip5 = trailing["place"].strip(" ,"), trailing["zip"]
        zip_point = self.gazetteer.zip_point(zip5)
        # "Denver, CO 80202": the ZIP gives the point once the rest checks out as a city.
        # Anything else before a ZIP (a street address) is left to the online fallback.
        city_states = {location.raw["state"] for location in self._city_locations(place, text)}
        if zip_point is None:
            raise _unknown_zip(zip5)
        if zip_point[2] not in city_states:
            raise PlaceError(
                f"ZIP code {zip5} is in {zip_point[2]}, not {', '.join(sorted(city_states))}. "
                "Check the ZIP code or the city and state."
            )
        return [self._zip_location(zip5, text)]

    # -- the kinds of place

    def _zip_location(self, zip5: str, query: str) -> Location:
        point = self.gazetteer.zip_point(zip5)
        if point is None:
            raise _unknown_zip(zip5)
        lat, lon, state, city = point
        label = f"{city}, {state} {zip5}"
        return _location(query, label, lat, lon, state, "zip", city=city, zip5=zip5)

    def _coordinates_location(self, found: re.Match[str], query: str) -> Location:
        lat = float(found["lat"]) * (-1.0 if (found["ns"] or "n") in "Ss" else 1.0)
        lon = float(found["lon"]) * (-1.0 if (found["ew"] or "e") in "Ww" else 1.0)
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            swapped = abs(lon) <= 90.0 and abs(lat) <= 180.0
            if swapped and _nearest_zip_miles(self.gazetteer, lon, lat)[1] <= MAX_MILES_FROM_US:
                hint = f" Latitude comes first: did you mean {lon:.4f}, {lat:.4f}?"
            else:
                hint = ""
            raise PlaceError(
                "Latitude must be between -90 and 90 and longitude between -180 and 180, "
                f"like 39.74, -104.99.{hint}"
            )
        try:
            return self._nearest_zip_location(lat, lon, query)
        except PlaceError as outside:
            if lon > 0.0 and _nearest_zip_miles(self.gazetteer, lat, -lon)[1] <= MAX_MILES_FROM_US:
                raise PlaceError(
                    f"{outside} US longitudes are negative: did you mean {lat:.4f}, {-lon:.4f}?"
                ) from None
            raise

    def _nearest_zip_location(self, lat: float, lon: float, query: str) -> Location:
        zip5, miles = _nearest_zip_miles(self.gazetteer, lat, lon)
        point = self.gazetteer.zip_point(zip5)
        if point is None or miles > MAX_MILES_FROM_US:
            raise PlaceError(
                f"That point ({lat:.4f}, {lon:.4f}) is about {miles:,.0f} miles from the nearest "
                "US ZIP code, and this directory only covers the United States."
            )
        _, _, state, city = point
        label = f"{lat:.4f}, {lon:.4f} (near {city}, {state})"
        return _location(query, label, lat, lon, state, "coordinates", city=city, zip5=zip5)

    def _city_locations(self, place: str, query: str) -> list[Location]:
        gazetteer = self.gazetteer
        parts = [part.strip() for part in place.split(",") if part.strip()]
        if len(parts) == 2:
            city, state_text = parts
            state = normalize_state(state_text)
            if state is None:
                raise PlaceNotFoundError(
                    f"We couldn't find {_quote(query)}: {_quote(state_text)} isn't a US state "
                    "we know. Use its name or two-letter code, like Denver, CO.",
                    gazetteer.suggest_cities(city),
                )
            return self._cities_in(city, state, query)
        if len(parts) > 2:
            # A street address: the online fallback's job, if the operator turned it on.
            raise _not_found(query, [])
        return self._cities_without_comma(place, query)

    def _cities_without_comma(self, place: str, query: str) -> list[Location]:
        gazetteer = self.gazetteer
        words = place.split()
        first_guess: tuple[str, str] | None = None
        # "Denver CO", "Charlotte North Carolina", "Washington District of Columbia".
        for state_words in (1, 2, 3):
            if len(words) <= state_words:
                break
            state = normalize_state(" ".join(words[-state_words:]))
            if state is None:
                continue
            city = " ".join(words[:-state_words])
            matches = gazetteer.find_city(city, state)
            if matches:
                return [_city_location(matches[0], query)]
            first_guess = first_guess or (city, state)
        matches = gazetteer.find_city(place)
        if matches:
            return [_city_location(match, query) for match in matches]
        state = normalize_state(place)
        if state == "DC":
            return self._cities_in("Washington", "DC", query)
        if state is not None:
            raise PlaceError(
                f"{_quote(place)} is a whole state. Add a city or a ZIP code, "
                f"like {_biggest_city_label(gazetteer, state)}."
            )
        if first_guess is not None:
            raise _not_found(query, gazetteer.suggest_cities(*first_guess))
        raise _not_found(query, gazetteer.suggest_cities(place))

    def _cities_in(self, city: str, state: str, query: str) -> list[Location]:
        matches = self.gazetteer.find_city(city, state)
        if not matches:
            raise _not_found(query, self.gazetteer.suggest_cities(city, state))
        return [_city_location(matches[0], query)]


def _nearest_zip_miles(gazetteer: Gazetteer, lat: float, lon: float) -> tuple[str, float]:
    """The ZIP nearest a point and how far its centroid is, in miles."""
    zip5 = gazetteer.nearest_zip(lat, lon)
    point = gazetteer.zip_point(zip5)
    if point is None:
        return zip5, float("inf")
    return zip5, float(great_circle_miles(lat, lon, point[0], point[1]))


def _looks_like_coordinates(found: re.Match[str]) -> bool:
    # "80202 80203" is not a point; a decimal point, a sign or a comma says it is.
    text = found.group(0)
    return "." in text or found["sep"] in ",;" or "-" in text or "+" in text or bool(found["ns"])


def _biggest_city_label(gazetteer: Gazetteer, state: str) -> str:
    cities = gazetteer.cities
    in_state = cities[cities["state"] == state]
    if in_state.empty:
        return "Denver, CO"
    biggest = int(in_state["zip_count"].to_numpy().argmax())
    return f"{in_state['city'].iloc[biggest]}, {state}"


def _location(
    query: str,
    label: str,
    lat: float,
    lon: float,
    state: str,
    precision: Precision,
    *,
    city: str | None,
    zip5: str | None,
) -> Location:
    raw = {
        "query": query,
        "label": label,
        "precision": precision,
        "state": state,
        "city": city,
        "zip": zip5,
        "lat": lat,
        "lon": lon,
    }
    return Location(label, (lat, lon), raw)


def _city_location(match: CityMatch, query: str) -> Location:
    return _location(
        query,
        match.label,
        match.lat,
        match.lon,
        match.state,
        "city",
        city=match.city,
        zip5=match.zip,
    )


@functools.lru_cache(maxsize=1)
def _default_geocoder() -> OfflineGeocoder:
    return OfflineGeocoder()


# ----------------------------------------------------------------------------- resolving


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

    Raises only :class:`PlaceError` and its subclasses:
    :class:`PlaceNotFoundError` (with ``suggestions``) for unknown or
    misspelt places, :class:`AmbiguousPlaceError` (with ``candidates``) for a
    city name found in several states, and :class:`PlaceError` for empty or
    unusable input; every message says what to type instead.
    """
    query = _clean_query(text)
    offline = geocoder if geocoder is not None else _default_geocoder()
    try:
        return _resolve_with(offline, query)
    except PlaceNotFoundError as not_found:
        if online_fallback is not None:
            origin = _resolve_online(online_fallback, query)
            if origin is not None:
                return origin
        tail = _address_tail(query)
        if tail is not None and isinstance(offline, OfflineGeocoder):
            with contextlib.suppress(PlaceError):
                return _resolve_with(offline, tail, query=query)
        raise not_found from None


def _resolve_with(geocoder: GeocoderLike, text: str, *, query: str | None = None) -> Origin:
    shown_query = query if query is not None else text
    if isinstance(geocoder, OfflineGeocoder):
        locations = geocoder.locate(text)
    else:
        locations = _geocode_elsewhere(geocoder, text)
    first = locations[0]
    raw = first.raw if isinstance(first.raw, dict) else {}
    if len(locations) > 1 and raw.get("precision") == "city":
        raise _ambiguous(text, [str(location.address) for location in locations])
    origin = _origin_from_location(shown_query, first)
    if origin is None:
        raise _not_found(shown_query, [])
    return origin


def _geocode_elsewhere(geocoder: GeocoderLike, text: str) -> list[Location]:
    """Ask a geocoder that is not ours, turning anything it raises into a PlaceError."""
    try:
        found = geocoder.geocode(text, exactly_one=False)
    except Exception as error:
        # Third-party geocoders raise all sorts (timeouts, HTTP errors); the patient
        # needs one kind of message, not a traceback.
        raise PlaceError(f"We couldn't look up {_quote(text)} right now. {FORMAT_HINT}") from error
    if found is None:
        found = []
    elif not isinstance(found, list):
        found = [found]
    if not found:
        raise _not_found(text, [])
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
    query: str, location: Any, *, default_precision: Precision = "address"
) -> Origin | None:
    """Make an Origin from any geopy Location; ``None`` if it is not a usable US point."""
    try:
        lat = float(location.latitude)
        lon = float(location.longitude)
        raw = location.raw if isinstance(location.raw, dict) else {}
        address = str(location.address or "")
    except (AttributeError, TypeError, ValueError):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    precision = raw.get("precision")
    state = raw.get("state")
    label = raw.get("label")
    if precision in ("zip", "city", "coordinates", "address") and state in STATE_CODES and label:
        return Origin(query, str(label), lat, lon, str(state), precision)
    # Someone else's answer: the state is that of the nearest ZIP, if it is in the US at all.
    gazetteer = get_gazetteer()
    zip5, miles = _nearest_zip_miles(gazetteer, lat, lon)
    zip_point = gazetteer.zip_point(zip5)
    if zip_point is None or miles > MAX_MILES_FROM_US:
        return None
    label = _COUNTRY_SUFFIX.sub("", address).strip(" ,") or query
    return Origin(query, label, lat, lon, zip_point[2], default_precision)


def _address_tail(query: str) -> str | None:
    """The best offline guess for a street address: its trailing ZIP, else its "City, ST" end."""
    trailing = _TRAILING_ZIP.fullmatch(query)
    if trailing:
        return trailing["zip"]
    parts = [part.strip() for part in query.split(",") if part.strip()]
    return ", ".join(parts[-2:]) if len(parts) > 2 else None


def _ambiguous(city: str, labels: list[str]) -> AmbiguousPlaceError:
    states = [label.rsplit(", ", 1)[-1] for label in labels]
    named = ", ".join(states[:_STATES_NAMED])
    more = len(states) - _STATES_NAMED
    listed = f"{named} and {more} more" if more > 0 else named
    message = (
        f"There is a {city} in {len(states)} states ({listed}). Add the state, like {labels[0]}."
    )
    return AmbiguousPlaceError(message, labels)


# ----------------------------------------------------------------------------- online


class OnlineGeocoder:
    """A polite wrapper for an online geocoder: rate-limited, and cached in memory.

    Calls go through geopy's :class:`~geopy.extra.rate_limiter.RateLimiter`
    (at most one per ``min_delay_seconds``, as Nominatim's usage policy asks)
    and answers, including "nothing found", are kept in a small LRU cache so
    the same address is asked once. ``sleep`` and ``clock`` replace the rate
    limiter's own, for tests. Thread-safe.
    """

    def __init__(
        self,
        geocoder: GeocoderLike,
        *,
        min_delay_seconds: float = 1.0,
        cache_size: int = 256,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        **geocode_kwargs: Any,
    ) -> None:
        limiter = RateLimiter(
            geocoder.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=0,  # a patient is waiting: no retries with multi-second back-off
            error_wait_seconds=min_delay_seconds,
            swallow_exceptions=False,
        )
        # RateLimiter looks these up on the instance, which is how its own tests fake time.
        if sleep is not None:
            limiter._sleep = sleep
        if clock is not None:
            limiter._clock = clock
        self.geocoder = geocoder
        self.cache_size = cache_size
        self._rate_limited_geocode: Callable[..., Any] = limiter
        self._geocode_kwargs = geocode_kwargs
        self._cache: OrderedDict[tuple[str, bool, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    def geocode(self, query: str, exactly_one: bool = True, **kwargs: Any) -> Any:
        """Geocode ``query`` online unless the same query was answered before."""
        options = {**self._geocode_kwargs, **kwargs}
        key = (" ".join(query.casefold().split()), exactly_one, repr(sorted(options.items())))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        result = self._rate_limited_geocode(query, exactly_one=exactly_one, **options)
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return result


class _NoPlacesInLogs(logging.Filter):
    """Drops geopy log records that can carry a searched place.

    Nominatim logs each request URL (with the query) at DEBUG, and
    RateLimiter's retry warnings include the call's arguments.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING and "Called with" not in str(record.msg)


def _keep_places_out_of_geopy_logs() -> None:
    geopy_logger = logging.getLogger("geopy")
    if not any(isinstance(f, _NoPlacesInLogs) for f in geopy_logger.filters):
        geopy_logger.addFilter(_NoPlacesInLogs())


def make_online_geocoder(
    user_agent: str,
    *,
    min_delay_seconds: float = 1.0,
    cache_size: int = 256,
    timeout_seconds: float = 5.0,
    geocoder_factory: Callable[[str], GeocoderLike] | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> OnlineGeocoder:
    """Build the online fallback: Nominatim, limited to the US, rate-limited and cached.

    ``geocoder_factory`` (called with the user agent) replaces Nominatim, for
    tests or another service. Nothing is sent until ``geocode`` is called.
    """
    agent = user_agent.strip()
    if not agent:
        raise QueryError(
            "Online geocoding needs a user agent that names this app "
            f"(set {USER_AGENT_ENV}); Nominatim's usage policy requires one."
        )
    _keep_places_out_of_geopy_logs()
    geocode_kwargs: dict[str, Any] = {}
    if geocoder_factory is None:
        service: GeocoderLike = Nominatim(user_agent=agent, timeout=timeout_seconds)
        geocode_kwargs["country_codes"] = list(US_COUNTRY_CODES)
    else:
        service = geocoder_factory(agent)
    return OnlineGeocoder(
        service,
        min_delay_seconds=min_delay_seconds,
        cache_size=cache_size,
        sleep=sleep,
        clock=clock,
        **geocode_kwargs,
    )


def online_geocoder_from_env(
    environ: Mapping[str, str] | None = None,
    *,
    geocoder_factory: Callable[[str], GeocoderLike] | None = None,
) -> OnlineGeocoder | None:
    """Return the online fallback if the operator enabled it, else ``None``.

    Enabled by ``CLINIC_FINDER_ONLINE_GEOCODING=1`` together with
    ``CLINIC_FINDER_GEOCODER_USER_AGENT`` (Nominatim requires an identifying
    user agent); without the user agent it stays off, with a warning.
    """
    env = os.environ if environ is None else environ
    if env.get(ONLINE_GEOCODING_ENV, "").strip().lower() not in {"1", "true", "yes", "on"}:
        return None
    agent = env.get(USER_AGENT_ENV, "").strip()
    if not agent:
        logger.warning(
            "%s is set but %s is empty, so online geocoding stays off.",
            ONLINE_GEOCODING_ENV,
            USER_AGENT_ENV,
        )
        return None
    return make_online_geocoder(agent, geocoder_factory=geocoder_factory)
