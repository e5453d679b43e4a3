"""The optional online geocoder for street addresses: Nominatim, politely.

Off unless the operator turns it on (:func:`online_geocoder_from_env`).
:class:`OnlineGeocoder` rate-limits and caches any geopy-style geocoder;
:func:`make_online_geocoder` wraps Nominatim, limited to the US, and keeps
searched places out of geopy's logs: where someone looks for ketamine therapy
is health information.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from directory.errors import QueryError
from directory.origin import GeocoderLike

__all__ = [
    "ONLINE_GEOCODING_ENV",
    "USER_AGENT_ENV",
    "US_COUNTRY_CODES",
    "OnlineGeocoder",
    "make_online_geocoder",
    "online_geocoder_from_env",
]

# The name this module's messages have always been logged under (it began in geocoding.py).
logger = logging.getLogger("directory.geocoding")

ONLINE_GEOCODING_ENV = "CLINIC_FINDER_ONLINE_GEOCODING"
USER_AGENT_ENV = "CLINIC_FINDER_GEOCODER_USER_AGENT"
#: ISO codes Nominatim uses for the US and the territories the directory covers.
US_COUNTRY_CODES = ("us", "pr", "vi", "gu", "as", "mp")


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
