"""Tests for directory/online_geocoder.py: rate limit, cache, logs and the switch.

The online service is always a fake (tests/geocoder_fakes.py) or a Nominatim
that is built but never asked: no test touches the network.
"""

from __future__ import annotations

import logging

import pytest
from geopy.geocoders import Nominatim

from directory.errors import QueryError
from directory.online_geocoder import (
    ONLINE_GEOCODING_ENV,
    USER_AGENT_ENV,
    OnlineGeocoder,
    make_online_geocoder,
    online_geocoder_from_env,
)
from tests.geocoder_fakes import (
    WHITE_HOUSE,
    WHITE_HOUSE_ANSWER,
    FakeClock,
    FakeGeocoder,
    make_fake_online,
)


def test_online_geocoder_waits_between_calls_and_caches_answers() -> None:
    fake = FakeGeocoder({WHITE_HOUSE: WHITE_HOUSE_ANSWER})
    clock = FakeClock()
    online = make_fake_online(fake, clock)
    assert online.geocode(WHITE_HOUSE) is WHITE_HOUSE_ANSWER
    assert online.geocode("somewhere else") is None
    assert clock.sleeps == [pytest.approx(1.0)]  # the second call waited its turn
    # Asked again, in any case and spacing: answered from the cache, nothing sent.
    assert online.geocode(WHITE_HOUSE.upper()) is WHITE_HOUSE_ANSWER
    assert online.geocode("somewhere  else") is None
    assert fake.calls == [WHITE_HOUSE, "somewhere else"]
    assert clock.sleeps == [pytest.approx(1.0)]


def test_online_geocoder_cache_is_bounded() -> None:
    fake = FakeGeocoder()
    online = OnlineGeocoder(fake, min_delay_seconds=0.0, cache_size=2)
    for query in ["a", "b", "c", "a"]:
        online.geocode(query)
    assert fake.calls == ["a", "b", "c", "a"]  # "a" was evicted by "c"


def test_geopy_debug_logs_with_the_query_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    make_fake_online(FakeGeocoder(), FakeClock())
    geopy_logger = logging.getLogger("geopy")
    with caplog.at_level(logging.DEBUG, logger="geopy"):
        geopy_logger.debug("Nominatim.geocode: https://nominatim.example/search?q=%s", "Denver")
        geopy_logger.warning("RateLimiter caught an error. Called with (*%r, **%r).", ("x",), {})
        geopy_logger.warning("Invalid Retry-After header: %s", "soon")
    assert [record.getMessage() for record in caplog.records] == [
        "Invalid Retry-After header: soon"
    ]


def test_online_geocoder_needs_a_user_agent() -> None:
    with pytest.raises(QueryError, match="user agent"):
        make_online_geocoder("  ")


def test_default_online_geocoder_is_nominatim_and_sends_nothing_when_built() -> None:
    online = make_online_geocoder("clinic-finder-tests (ops@example.org)")
    assert isinstance(online.geocoder, Nominatim)
    assert online.geocoder.headers["User-Agent"] == "clinic-finder-tests (ops@example.org)"


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {ONLINE_GEOCODING_ENV: "0", USER_AGENT_ENV: "clinic-finder-tests"},
        {ONLINE_GEOCODING_ENV: "1"},  # no user agent: stays off
        {ONLINE_GEOCODING_ENV: "1", USER_AGENT_ENV: "   "},
    ],
)
def test_online_geocoding_is_off_unless_enabled(environ: dict[str, str]) -> None:
    assert online_geocoder_from_env(environ, geocoder_factory=lambda _: FakeGeocoder()) is None


def test_online_geocoding_enabled_from_env() -> None:
    agents: list[str] = []

    def factory(user_agent: str) -> FakeGeocoder:
        agents.append(user_agent)
        return FakeGeocoder()

    environ = {ONLINE_GEOCODING_ENV: "1", USER_AGENT_ENV: "clinic-finder-tests"}
    online = online_geocoder_from_env(environ, geocoder_factory=factory)
    assert isinstance(online, OnlineGeocoder)
    assert agents == ["clinic-finder-tests"]
