"""A position the patient's browser reported ("Use my location"), checked and coarsened.

The reply comes from the page, so it is untrusted input: anything may arrive in place of
``{"id": ..., "lat": ..., "lon": ..., "accuracy": ...}`` or ``{"id": ..., "error": ...}``.
:func:`read_reply` never raises; it returns ``None`` for a reply it cannot attribute to a
request (no usable id), and otherwise a :class:`LocationReply` holding either a
:class:`RoundedPosition` or a :class:`LocationProblem`.

A position is rounded to :data:`DECIMALS` places of a degree (about 1 km) before anything
else looks at it, so the exact point is never used, shown, put in the URL or logged.
Where someone looks for ketamine therapy is health information; nothing here logs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from directory.i18n import N_
from directory.i18n import gettext as _

__all__ = [
    "DECIMALS",
    "MAX_ACCURACY_M",
    "LocationProblem",
    "LocationReply",
    "RoundedPosition",
    "problem_message",
    "read_reply",
    "round_position",
]

#: Places of a degree kept: 0.01 degree of latitude is about 1.1 km.
DECIMALS = 2
#: A reported accuracy worse than this (metres) is no better than typing a state.
MAX_ACCURACY_M = 100_000.0
#: Request ids are the short URL-safe tokens the server issued (``secrets.token_urlsafe``).
_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

NearUs = Callable[[float, float], bool]


class LocationProblem(StrEnum):
    """Why no position can be used. The first four are the browser's own answers."""

    DENIED = "denied"
    UNAVAILABLE = "unavailable"
    TIMEOUT = "timeout"
    UNSUPPORTED = "unsupported"
    INVALID = "invalid"  # the reply was not a well-formed position
    IMPRECISE = "imprecise"  # the browser's accuracy was too coarse to search by
    OUTSIDE_US = "outside_us"


_BROWSER_ERRORS = frozenset(
    {
        LocationProblem.DENIED,
        LocationProblem.UNAVAILABLE,
        LocationProblem.TIMEOUT,
        LocationProblem.UNSUPPORTED,
    }
)

# In English; problem_message() gives them in the page's language.
_MESSAGES: Mapping[LocationProblem, str] = {
    LocationProblem.DENIED: N_(
        "Your browser didn't share your location, and that's fine. "
        "You can type your ZIP code or city instead."
    ),
    LocationProblem.OUTSIDE_US: N_(
        "Your location seems to be outside the United States, and this directory only "
        "covers the US. You can type a US ZIP code or city instead."
    ),
}
_DEFAULT_MESSAGE = N_("We couldn't get your location. You can type your ZIP code or city instead.")


def problem_message(problem: LocationProblem) -> str:
    """A plain, calm sentence for the patient that says what to do instead (translated)."""
    return _(_MESSAGES.get(problem, _DEFAULT_MESSAGE))


@dataclass(frozen=True)
class RoundedPosition:
    """A point already rounded to :data:`DECIMALS` places (about 1 km)."""

    lat: float
    lon: float

    @property
    def place_text(self) -> str:
        """The point as the place box and the URL take it: ``"39.74, -104.99"``."""
        return f"{self.lat:.{DECIMALS}f}, {self.lon:.{DECIMALS}f}"


@dataclass(frozen=True)
class LocationReply:
    """One checked reply: exactly one of ``position`` and ``problem`` is set."""

    request_id: str
    position: RoundedPosition | None = None
    problem: LocationProblem | None = None


def round_position(lat: float, lon: float) -> RoundedPosition:
    """Round to about 1 km; ``+ 0.0`` turns ``-0.0`` into ``0.0`` so no "-0.00" shows."""
    return RoundedPosition(round(lat, DECIMALS) + 0.0, round(lon, DECIMALS) + 0.0)


def read_reply(raw: object, near_us: NearUs | None = None) -> LocationReply | None:
    """Check a reply from the page; ``None`` if it names no well-formed request id.

    ``near_us`` decides whether a (rounded) point is in or near the US; by default the
    offline geocoder's rule (:func:`directory.offline_geocoder.is_near_us`). Never raises.
    """
    if not isinstance(raw, Mapping):
        return None
    request_id = raw.get("id")
    if not isinstance(request_id, str) or not _REQUEST_ID.fullmatch(request_id):
        return None
    error = raw.get("error")
    if error is not None:
        # A browser failure of any kind gets the same calm answer; an unknown code is one too.
        known = error if isinstance(error, str) and error in _BROWSER_ERRORS else None
        return LocationReply(request_id, problem=LocationProblem(known or "unavailable"))
    return LocationReply(request_id, *_checked_position(raw, near_us))


def _checked_position(
    raw: Mapping[object, object], near_us: NearUs | None
) -> tuple[RoundedPosition | None, LocationProblem | None]:
    lat, lon, accuracy = _number(raw.get("lat")), _number(raw.get("lon")), raw.get("accuracy")
    if lat is None or lon is None or not (abs(lat) <= 90.0 and abs(lon) <= 180.0):
        return None, LocationProblem.INVALID
    if accuracy is not None:
        metres = _number(accuracy)
        if metres is None or metres < 0.0:
            return None, LocationProblem.INVALID
        if metres > MAX_ACCURACY_M:
            return None, LocationProblem.IMPRECISE
    position = round_position(lat, lon)  # before the point is used for anything
    is_near = near_us if near_us is not None else _near_us_by_gazetteer
    try:
        near = bool(is_near(position.lat, position.lon))
    except Exception:
        # The rule is our own code, but a reply must never raise: treat it as unusable.
        return None, LocationProblem.INVALID
    return (position, None) if near else (None, LocationProblem.OUTSIDE_US)


def _number(value: object) -> float | None:
    """A finite int or float (not a bool, not a numeric string), as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None


def _near_us_by_gazetteer(lat: float, lon: float) -> bool:
    # Imported here so this module (and its tests) stay light until a position arrives.
    from directory.gazetteer import get_gazetteer
    from directory.offline_geocoder import is_near_us

    return is_near_us(get_gazetteer(), lat, lon)
