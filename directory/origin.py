"""The place a search starts from, and the shape of anything that can find one.

:class:`Origin` is what :func:`directory.geocoding.resolve_place` returns and
what search, maps and URL parameters take; :class:`GeocoderLike` is geopy's
``geocode`` method, which the offline and online geocoders (and test fakes)
all have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

__all__ = ["GeocoderLike", "Origin", "Precision"]

Precision = Literal["zip", "city", "coordinates", "address"]


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
