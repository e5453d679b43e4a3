"""Great-circle distances in miles, vectorised with numpy.

The formula and Earth radius are geopy's (``geopy.distance.great_circle`` with
``EARTH_RADIUS``), so results agree with it; numpy lets one call measure a
whole table of clinics without a Python loop per row.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from geopy.distance import EARTH_RADIUS  # kilometres

KM_PER_MILE = 1.609344
EARTH_RADIUS_MILES = EARTH_RADIUS / KM_PER_MILE

FloatArray = npt.NDArray[np.float64]


def great_circle_miles(
    lat_deg: float | FloatArray,
    lon_deg: float | FloatArray,
    other_lat_deg: float | FloatArray,
    other_lon_deg: float | FloatArray,
) -> FloatArray:
    """Great-circle distance in miles between points given in degrees (broadcasts).

    Uses the same spherical formula as ``geopy.distance.great_circle``
    (atan2 form, stable for tiny and antipodal distances).
    """
    lat1 = np.radians(lat_deg)
    lat2 = np.radians(other_lat_deg)
    delta_lon = np.radians(np.asarray(other_lon_deg, dtype=np.float64) - lon_deg)
    sin_lat1, cos_lat1 = np.sin(lat1), np.cos(lat1)
    sin_lat2, cos_lat2 = np.sin(lat2), np.cos(lat2)
    sin_dlon, cos_dlon = np.sin(delta_lon), np.cos(delta_lon)
    numerator = np.hypot(cos_lat2 * sin_dlon, cos_lat1 * sin_lat2 - sin_lat1 * cos_lat2 * cos_dlon)
    denominator = sin_lat1 * sin_lat2 + cos_lat1 * cos_lat2 * cos_dlon
    return np.asarray(EARTH_RADIUS_MILES * np.arctan2(numerator, denominator), dtype=np.float64)
