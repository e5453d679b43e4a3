"""Great-circle distances in miles (directory.distance), checked against geopy's own."""

from __future__ import annotations

import numpy as np
import pytest
from geopy.distance import great_circle
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.distance import EARTH_RADIUS_MILES, great_circle_miles


@pytest.mark.parametrize(
    ("a", "b", "miles"),
    [
        ((40.7128, -74.0060), (34.0522, -118.2437), 2445),  # New York - Los Angeles
        ((39.7392, -104.9903), (38.2544, -104.6091), 104),  # Denver - Pueblo
        ((61.2181, -149.9003), (21.3069, -157.8583), 2780),  # Anchorage - Honolulu
        ((18.4655, -66.1057), (18.0111, -66.6141), 46),  # San Juan - Ponce
        ((39.0, -105.0), (39.0, -105.0), 0),
    ],
)
def test_great_circle_miles_matches_known_city_pairs(a, b, miles):
    computed = float(great_circle_miles(a[0], a[1], b[0], b[1]))
    assert computed == pytest.approx(great_circle(a, b).miles, rel=1e-3, abs=1e-6)
    assert computed == pytest.approx(miles, rel=0.01, abs=1)


@settings(max_examples=200)
@given(st.floats(-89.9, 89.9), st.floats(-180, 180), st.floats(-89.9, 89.9), st.floats(-180, 180))
def test_great_circle_miles_agrees_with_geopy_within_a_thousandth(lat1, lon1, lat2, lon2):
    expected = great_circle((lat1, lon1), (lat2, lon2)).miles
    computed = float(great_circle_miles(lat1, lon1, lat2, lon2))
    assert computed == pytest.approx(expected, rel=1e-3, abs=1e-6)


def test_great_circle_miles_broadcasts_one_point_against_many() -> None:
    lats = np.array([39.7392, 38.2544, 40.7128])
    lons = np.array([-104.9903, -104.6091, -74.0060])
    miles = great_circle_miles(39.7392, -104.9903, lats, lons)
    assert miles.shape == (3,)
    assert miles.dtype == np.float64
    expected = [
        great_circle((39.7392, -104.9903), (a, b)).miles for a, b in zip(lats, lons, strict=True)
    ]
    assert miles == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_antipodes_are_half_the_earth_around() -> None:
    assert float(great_circle_miles(0.0, 0.0, 0.0, 180.0)) == pytest.approx(
        np.pi * EARTH_RADIUS_MILES
    )
    assert float(great_circle_miles(90.0, 0.0, -90.0, 0.0)) == pytest.approx(
        np.pi * EARTH_RADIUS_MILES
    )


def test_a_missing_coordinate_gives_nan_not_an_error() -> None:
    with np.errstate(invalid="ignore"):
        miles = great_circle_miles(
            np.array([np.nan, 39.0]), np.array([-105.0, -105.0]), 39.0, -105.0
        )
    assert np.isnan(miles[0])
    assert miles[1] == 0.0
