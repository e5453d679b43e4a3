"""The place a search starts from, and the shape of anything that can find one.

:class:`Origin` is what :func:`directory.geocoding.resolve_place` returns and
what search, maps and URL parameters take; :class:`GeocoderLike` is geopy's
``geocode`` method, which the offline and online geocoders (and test fakes)
all have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from directory.errors import PlaceError
from directory.i18n import gettext as _

__all__ = ["PRECISIONS", "GeocoderLike", "Origin", "Precision"]

#: How exact an origin is. ``"state"`` is a whole state typed alone ("Colorado"): its
#: point is the mean of the state's ZIP centroids, good for centring a map, not for distances.
Precision = Literal["zip", "city", "coordinates", "address", "state"]
PRECISIONS: tuple[Precision, ...] = ("zip", "city", "coordinates", "address", "state")


class GeocoderLike(Protocol):
    """Anything with geopy's ``geocode`` method: geopy geocoders, ours, and test fakes."""

    def geocode(self, query: str, exactly_one: bool = True, **kwargs: Any) -> Any:
        """Return a geopy ``Location``, a list of them, or ``None``."""
        ...


@dataclass(frozen=True)
class Origin:
    """The resolved place a search starts from.

    ``alternatives`` are the other places the text could have meant, as labels
    that resolve to them when typed ("Denver, PA", "Louisiana"), most
    prominent first: "Denver" resolves to Denver, CO and offers the rest.
    Coordinates that are not finite or not a latitude and longitude raise
    :class:`~directory.errors.PlaceError`.
    """

    query: str  # what was typed, tidied
    label: str  # how to show it back: "Denver, CO 80202", "Denver, CO", "Colorado", ...
    lat: float
    lon: float
    state: str  # USPS code, always known
    precision: Precision
    alternatives: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        lat, lon = self.lat, self.lon
        if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
            raise PlaceError(
                _(
                    "That is not a point on the map: latitude must be between -90 and 90 and "
                    "longitude between -180 and 180, like 39.74, -104.99."
                )
            )
