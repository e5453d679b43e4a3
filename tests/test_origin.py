"""Tests for directory/origin.py: the resolved place a search starts from."""

from __future__ import annotations

import dataclasses
import math
from typing import get_args

import pytest

from directory import i18n
from directory.errors import PlaceError
from directory.origin import PRECISIONS, Origin, Precision


def test_origin_is_a_frozen_value() -> None:
    origin = Origin("80202", "Denver, CO 80202", 39.75, -104.99, "CO", "zip")
    assert origin == Origin("80202", "Denver, CO 80202", 39.75, -104.99, "CO", "zip")
    assert hash(origin) == hash(dataclasses.replace(origin))
    with pytest.raises(dataclasses.FrozenInstanceError):
        origin.state = "NY"  # type: ignore[misc]


def test_precision_names_every_kind_of_place() -> None:
    assert set(get_args(Precision)) == {"zip", "city", "coordinates", "address", "state"}
    assert get_args(Precision) == PRECISIONS


def test_alternatives_default_to_none_and_are_kept() -> None:
    origin = Origin("Denver", "Denver, CO", 39.74, -104.98, "CO", "city")
    assert origin.alternatives == ()
    offered = dataclasses.replace(origin, alternatives=("Denver, IA", "Denver, IN"))
    assert offered.alternatives == ("Denver, IA", "Denver, IN")
    assert offered != origin


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (math.nan, 0.0),
        (0.0, math.nan),
        (math.inf, 0.0),
        (0.0, -math.inf),
        (90.5, 0.0),
        (0.0, 180.5),
    ],
)
def test_origin_refuses_points_that_are_not_on_the_map(lat: float, lon: float) -> None:
    with pytest.raises(PlaceError, match="not a point on the map"):
        Origin("x", "x", lat, lon, "CO", "coordinates")


def test_an_impossible_point_is_refused_in_spanish() -> None:
    with i18n.using("es"), pytest.raises(PlaceError) as caught:
        Origin("x", "x", 91.0, 0.0, "CO", "coordinates")
    assert str(caught.value).startswith("Eso no es un punto del mapa: la latitud debe estar")
