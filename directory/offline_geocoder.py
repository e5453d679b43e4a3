"""The offline geocoder: typed places answered from the bundled gazetteer alone.

:class:`OfflineGeocoder` is shaped like a geopy geocoder (``geocode`` and
``reverse`` return ``Location`` objects) but cannot touch the network. It
understands ZIP codes (alone or among words), ``City, ST`` in its many
spellings, a city alone (the most prominent one, the rest offered too), a
state alone, the nicknames in :data:`directory.placenames.NICKNAMES` and
coordinates, as read by :mod:`directory.placetext`; street addresses are left
to the optional online fallback (:mod:`directory.online_geocoder`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from directory.distance import great_circle_miles
from directory.errors import PlaceError, PlaceNotFoundError
from directory.gazetteer import CityMatch, Gazetteer, get_gazetteer, normalize_state, prominence
from directory.i18n import format_number
from directory.i18n import gettext as _
from directory.origin import Precision
from directory.placenames import Nickname, exact_state, find_nickname, state_name
from directory.placetext import (
    clean_query,
    comma_parts,
    coordinates,
    in_lat_lon_range,
    is_digits_only,
    not_found,
    quote,
    trailing_zip,
    unknown_zip,
    zip_code,
    zip_in_text,
)

__all__ = [
    "MAX_MILES_FROM_US",
    "OFFLINE_USER_AGENT",
    "OfflineGeocoder",
    "is_near_us",
    "nearest_zip_miles",
]

#: A point farther than this from every US ZIP centroid is taken to be outside the US.
#: Generous, because ZIPs are sparse in rural Alaska.
MAX_MILES_FROM_US = 150.0
OFFLINE_USER_AGENT = "ketamine-clinic-finder-offline"


class _NoNetworkAdapter(BaseSyncAdapter):  # type: ignore[misc, unused-ignore]  # geopy: no types
    """A geopy adapter that refuses to make requests, so the offline geocoder cannot."""

    def get_json(self, url: str, *, timeout: float, headers: Mapping[str, str]) -> Any:
        raise GeocoderServiceError("OfflineGeocoder never uses the network.")

    def get_text(self, url: str, *, timeout: float, headers: Mapping[str, str]) -> str:
        raise GeocoderServiceError("OfflineGeocoder never uses the network.")


class OfflineGeocoder(Geocoder):  # type: ignore[misc, unused-ignore]  # geopy: no types
    """A geopy-style geocoder answering from the bundled gazetteer only.

    Understands ZIP codes, ZIP+4, a ZIP among words (``CO 80202``), ``City,
    ST``, ``City, State``, ``City ST``, a city or a state alone, nicknames
    (``Philly``, ``Queens``) and ``lat, lon`` coordinates. ``Location.raw``
    carries ``state``, ``label``, ``precision``, ``city``, ``zip`` (the ZIP
    typed, the city's representative ZIP, or the ZIP nearest typed
    coordinates; ``None`` for a state) and ``query``.
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

        A name with several readings (``"Springfield"``, ``"New York"``) gives
        every one with ``exactly_one=False``, the one to use first, and that
        one with ``exactly_one=True``.
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
        if not (math.isfinite(point.latitude) and math.isfinite(point.longitude)):
            return None
        zip5, miles = nearest_zip_miles(self.gazetteer, point.latitude, point.longitude)
        if not miles <= MAX_MILES_FROM_US:
            return None
        location = self._zip_location(zip5, str(query))
        return location if exactly_one else [location]

    def locate(self, query: str) -> list[Location]:
        """Return every match for ``query``, the one to use first, then the other readings.

        ``"Denver"`` gives Denver, CO then the other Denvers; ``"New York"``
        the state, then New York, NY; ``"LA"`` Los Angeles, then Louisiana.
        When the first two cities are equally prominent (no way to choose) the
        first carries ``raw["tied"] = True``. A ZIP anywhere in the text wins
        over the words around it, even a state that contradicts it (``"NY
        80202"`` is Denver, CO 80202): the ZIP is the most exact thing typed,
        and the label shows where it is.

        Raises :class:`PlaceNotFoundError` (with suggestions) when nothing
        matches, and :class:`PlaceError` for input that cannot be a place,
        such as a 3-digit number or coordinates outside the US.
        """
        text = clean_query(query)
        zip5 = zip_code(text)
        if zip5 is not None:
            return [self._zip_location(zip5, text)]
        if is_digits_only(text):
            raise PlaceError(
                _(
                    "{typed} isn't a ZIP code: ZIP codes have 5 digits, like 80202. "
                    "You can also type a city and state (Denver, CO)."
                ).format(typed=quote(text))
            )
        point = coordinates(text)
        if point is not None:
            return [self._coordinates_location(*point, text)]
        in_text = zip_in_text(text)
        if in_text is not None:
            return [self._zip_location(in_text[0], text)]
        if trailing_zip(text) is not None:
            # A ZIP after a house number: a street address, the online fallback's job.
            raise not_found(text, [])
        parts = comma_parts(text)
        if len(parts) > 2:
            raise not_found(text, [])  # a street address too
        if len(parts) == 2:
            city, state_text = parts
            state = normalize_state(state_text)
            if state is None:
                message = _(
                    "We couldn't find {place}: {state} isn't a US state we know. "
                    "Use its name or two-letter code, like Denver, CO."
                )
                raise PlaceNotFoundError(
                    message.format(place=quote(text), state=quote(state_text)),
                    self.gazetteer.suggest_cities(city),
                )
            return [self._city_in(city, state, text)]
        return self._places_without_comma(" ".join(parts), text)

    # -- the kinds of place

    def _zip_location(self, zip5: str, query: str) -> Location:
        point = self.gazetteer.zip_point(zip5)
        if point is None:
            raise unknown_zip(zip5)
        lat, lon, state, city = point
        label = f"{city}, {state} {zip5}"
        return _location(query, label, lat, lon, state, "zip", city=city, zip5=zip5)

    def _coordinates_location(self, lat: float, lon: float, query: str) -> Location:
        # Coordinates in messages are written as the place box reads them, with a decimal
        # point in every language.
        if not in_lat_lon_range(lat, lon):
            swapped = abs(lon) <= 90.0 and abs(lat) <= 180.0
            if swapped and is_near_us(self.gazetteer, lon, lat):
                message = _(
                    "Latitude must be between -90 and 90 and longitude between -180 and 180, "
                    "like 39.74, -104.99. Latitude comes first: did you mean {lat}, {lon}?"
                ).format(lat=f"{lon:.4f}", lon=f"{lat:.4f}")
            else:
                message = _(
                    "Latitude must be between -90 and 90 and longitude between -180 and 180, "
                    "like 39.74, -104.99."
                )
            raise PlaceError(message)
        try:
            return self._nearest_zip_location(lat, lon, query)
        except PlaceError as outside:
            if lon > 0.0 and is_near_us(self.gazetteer, lat, -lon):
                # TRANSLATORS: {problem} is the sentence saying the point is outside the US.
                message = _("{problem} US longitudes are negative: did you mean {lat}, {lon}?")
                raise PlaceError(
                    message.format(problem=outside, lat=f"{lat:.4f}", lon=f"{-lon:.4f}")
                ) from None
            raise

    def _nearest_zip_location(self, lat: float, lon: float, query: str) -> Location:
        zip5, miles = nearest_zip_miles(self.gazetteer, lat, lon)
        point = self.gazetteer.zip_point(zip5)
        if point is None or not miles <= MAX_MILES_FROM_US:
            message = _(
                "That point ({lat}, {lon}) is about {miles} miles from the nearest US ZIP code, "
                "and this directory only covers the United States."
            )
            raise PlaceError(
                message.format(lat=f"{lat:.4f}", lon=f"{lon:.4f}", miles=format_number(miles))
            )
        state, city = point[2], point[3]
        # Two decimals (about 1 km): what "Use my location" sends, and no false precision.
        # TRANSLATORS: a point the patient gave, shown back with the ZIP code nearest it.
        label = _("{lat}, {lon} (near {place})").format(
            lat=f"{lat:.2f}", lon=f"{lon:.2f}", place=f"{city}, {state} {zip5}"
        )
        return _location(query, label, lat, lon, state, "coordinates", city=city, zip5=zip5)

    def _places_without_comma(self, place: str, query: str) -> list[Location]:
        gazetteer = self.gazetteer
        # Whole-text readings first: a nickname ("Philly", "LA"), then a state's exact name
        # or code ("Colorado", "co"), so "West Virginia" is never West, VA.
        nickname = find_nickname(place)
        if nickname is not None:
            first = self._nickname_location(nickname, query)
            return [first, *self._other_readings(place, first, query)]
        state = exact_state(place)
        if state is not None:
            first = self._state_location(state, query)
            return [first, *self._other_readings(place, first, query)]
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
            found = self._city_or_nickname(city, state, query)
            if found is not None:
                return [found]
            first_guess = first_guess or (city, state)
        matches = gazetteer.find_city(place)
        if matches:
            return _prominent_first(matches, query)
        state = normalize_state(place)  # a state misspelt the way it sounds: "Colorodo"
        if state is not None:
            return [self._state_location(state, query)]
        if first_guess is not None:
            raise not_found(query, gazetteer.suggest_cities(*first_guess))
        raise not_found(query, gazetteer.suggest_cities(place))

    def _other_readings(self, place: str, first: Location, query: str) -> list[Location]:
        """Other places ``place`` names besides ``first``: same-named cities, or the state."""
        state, precision = first.raw["state"], first.raw["precision"]
        # After a nickname, its own state's matches are the same place ("New York City, NY").
        others = [
            _city_location(match, query)
            for match in self.gazetteer.find_city(place)
            if precision == "state" or match.state != state
        ]
        named_state = exact_state(place)
        # A nickname that is also a state's name: "LA" is also Louisiana, and "Nueva York"
        # (the city) also the state. Not "DC": the city of Washington is the whole District.
        if precision != "state" and named_state is not None and named_state != "DC":
            others.append(self._state_location(named_state, query))
        return others

    def _city_in(self, city: str, state: str, query: str) -> Location:
        found = self._city_or_nickname(city, state, query)
        if found is None:
            raise not_found(query, self.gazetteer.suggest_cities(city, state))
        return found

    def _city_or_nickname(self, city: str, state: str, query: str) -> Location | None:
        matches = self.gazetteer.find_city(city, state)
        if matches:
            return _city_location(matches[0], query)
        nickname = find_nickname(city, state)
        return None if nickname is None else self._nickname_location(nickname, query)

    def _nickname_location(self, nickname: Nickname, query: str) -> Location:
        point = self.gazetteer.zip_point(nickname.zip) if nickname.zip else None
        if point is not None:
            lat, lon, state = point[0], point[1], point[2]
            label = f"{nickname.city}, {nickname.state}"
            return _location(
                query, label, lat, lon, state, "city", city=nickname.city, zip5=nickname.zip
            )
        matches = self.gazetteer.find_city(nickname.city, nickname.state)
        if not matches:
            raise not_found(query, [])
        return _city_location(matches[0], query)

    def _state_location(self, state: str, query: str) -> Location:
        centre = self.gazetteer.state_centre(state)
        if centre is None:
            raise not_found(query, [])
        label = state_name(state)
        return _location(query, label, *centre, state, "state", city=None, zip5=None)


def nearest_zip_miles(gazetteer: Gazetteer, lat: float, lon: float) -> tuple[str, float]:
    """The ZIP nearest a point and how far its centroid is, in miles."""
    zip5 = gazetteer.nearest_zip(lat, lon)
    point = gazetteer.zip_point(zip5)
    if point is None:
        return zip5, float("inf")
    return zip5, float(great_circle_miles(lat, lon, point[0], point[1]))


def is_near_us(gazetteer: Gazetteer, lat: float, lon: float) -> bool:
    """Whether the point is within :data:`MAX_MILES_FROM_US` of a US ZIP centroid."""
    return nearest_zip_miles(gazetteer, lat, lon)[1] <= MAX_MILES_FROM_US


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


def _prominent_first(matches: list[CityMatch], query: str) -> list[Location]:
    locations = [_city_location(match, query) for match in matches]
    if len(matches) > 1 and prominence(matches[0])[0] == prominence(matches[1])[0]:
        locations[0].raw["tied"] = True  # as many ZIPs each: nothing to choose by
    return locations


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
