"""Test doubles for the geocoders: a fake online service and a fake clock.

Shared by the resolver tests (tests/test_geocoding.py) and the online
geocoder's (tests/test_online_geocoder.py). Nothing here touches the network.
"""

from __future__ import annotations

from typing import Any

from geopy.location import Location

from directory.online_geocoder import OnlineGeocoder, make_online_geocoder


class FakeGeocoder:
    """Stands in for Nominatim: same ``geocode`` signature, answers from a dict."""

    def __init__(self, answers: dict[str, Location | None] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[str] = []
        self.error: Exception | None = None

    def geocode(self, query: str, exactly_one: bool = True, **kwargs: Any) -> Location | None:
        self.calls.append(query)
        if self.error is not None:
            raise self.error
        return self.answers.get(query)


WHITE_HOUSE = "1600 Pennsylvania Ave NW, Washington, DC"
WHITE_HOUSE_ANSWER = Location(
    "White House, 1600, Pennsylvania Avenue Northwest, Washington, District of Columbia, "
    "20500, United States",
    (38.8977, -77.0365),
    {"place_id": 1},
)


class FakeClock:
    """Time for geopy's RateLimiter: sleeping moves the clock on instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_fake_online(
    fake: FakeGeocoder, clock: FakeClock, agents: list[str] | None = None
) -> OnlineGeocoder:
    def factory(user_agent: str) -> FakeGeocoder:
        if agents is not None:
            agents.append(user_agent)
        return fake

    return make_online_geocoder(
        "clinic-finder-tests", geocoder_factory=factory, sleep=clock.sleep, clock=clock
    )
