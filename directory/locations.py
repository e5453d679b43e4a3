"""Where a clinic is: its ZIP code and coordinates, checked against each other.

Part of the validation in :mod:`directory.dataset`, which calls
:func:`check_location` once per table. ZIP codes are normalised (Excel's dropped
leading zeros, ``802021234`` as ZIP+4), coordinates are range-checked and compared
with the ZIP code's centre, and a clinic without coordinates gets that centre as an
approximate map point (``_lat``, ``_lon``, ``_coordinates_approximate``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from directory import schema
from directory.csvfile import is_blank
from directory.distance import great_circle_miles
from directory.gazetteer import STATE_CODES, get_gazetteer
from directory.report import Checker, quote_value

COORDINATE_TOLERANCE_MILES = 50.0
#: Coordinates this close to the ZIP centre (about a metre) are taken to be the centre.
ZIP_CENTRE_DEGREES = 1e-5
"""Coordinates farther than this from their ZIP code's centre get a warning."""

_ZIP5 = re.compile(r"^\d{5}$")
_ZIP4 = re.compile(r"^\d{5}-\d{4}$")
_ZIP9 = re.compile(r"^\d{9}$")
_ZIP_SHORT = re.compile(r"^\d{3,4}$")
_EXCEL_FLOAT = re.compile(r"^(\d{3,5})\.0+$")


def check_location(
    table: pd.DataFrame, raw: pd.DataFrame, is_clinic: npt.NDArray[np.bool_], check: Checker
) -> None:
    """Check and normalise ``zip``, ``latitude`` and ``longitude``; add the map point columns.

    ``raw`` holds the cells as read, ``table`` receives the normalised values;
    ``is_clinic`` marks in-person rows (only those need a place on the map).
    """
    zips = check_zip(table, raw, check)
    lat_raw, lon_raw = raw["latitude"], raw["longitude"]
    lat = pd.to_numeric(lat_raw, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    lon = pd.to_numeric(lon_raw, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    lat_blank, lon_blank = is_blank(lat_raw), is_blank(lon_raw)
    lat_bad = (np.isnan(lat) & ~lat_blank) | (np.abs(lat) > 90)
    lon_bad = (np.isnan(lon) & ~lon_blank) | (np.abs(lon) > 180)
    # -104.99 in latitude next to 39.75 in longitude: the two columns are swapped (in the East,
    # where both fit either range, the distance check below notices instead).
    looks_swapped = lat_bad & (np.abs(lat) <= 180) & (np.abs(lon) <= 90)
    for mask, hint in ((lat_bad & ~looks_swapped, ""), (looks_swapped, _SWAPPED_HINT)):
        check.flag("error", mask, "latitude", lat_raw, _not_a_latitude(hint))
    check.flag(
        "error",
        lon_bad,
        "longitude",
        lon_raw,
        lambda v: (
            f"{quote_value(v)} is not a longitude; use decimal degrees between -180 "
            "and 180 (negative in the US), e.g. -104.9996"
        ),
    )
    lat[lat_bad] = np.nan
    lon[lon_bad] = np.nan
    half = (lat_blank != lon_blank) & ~lat_bad & ~lon_bad
    check.flag(
        "error",
        half & lon_blank,
        "longitude",
        lon_raw,
        lambda _v: "is empty but latitude is given; give both or leave both blank",
    )
    check.flag(
        "error",
        half & lat_blank,
        "latitude",
        lat_raw,
        lambda _v: "is empty but longitude is given; give both or leave both blank",
    )
    lat[half] = np.nan
    lon[half] = np.nan

    zips_frame = get_gazetteer().zips
    centroid = zips_frame.reindex(zips.str.slice(0, 5))
    centroid_lat = centroid["lat"].to_numpy(dtype=np.float64)
    centroid_lon = centroid["lon"].to_numpy(dtype=np.float64)
    centroid_state = centroid["state"].fillna("").to_numpy(dtype=object)
    known_zip = ~np.isnan(centroid_lat)
    zip_given = ~is_blank(zips)
    check.flag(
        "warning",
        zip_given & ~known_zip & is_clinic,
        "zip",
        zips,
        lambda v: f"{quote_value(v)} is not a ZIP code we know; check it",
    )
    state = table["state"].to_numpy(dtype=object)
    # An invalid state already has its own error; comparing it with the ZIP's adds only noise.
    valid_state = table["state"].isin(STATE_CODES).to_numpy(dtype=bool)
    mismatch = known_zip & is_clinic & valid_state & (centroid_state != state)
    zip_states = dict(zip(zips[mismatch], centroid_state[mismatch], strict=True))
    check.flag(
        "warning",
        mismatch,
        "zip",
        zips,
        lambda v: (
            f"{quote_value(v)} is a ZIP code in {zip_states.get(v, '?')}, not in "
            "the row's state; check the ZIP and the state"
        ),
    )

    has_coordinates = ~np.isnan(lat) & ~np.isnan(lon)
    with np.errstate(invalid="ignore"):
        miles = great_circle_miles(lat, lon, centroid_lat, centroid_lon)
        swapped_miles = great_circle_miles(lon, lat, centroid_lat, centroid_lon)
    far = has_coordinates & known_zip & is_clinic & (miles > COORDINATE_TOLERANCE_MILES)
    swapped = far & (swapped_miles <= COORDINATE_TOLERANCE_MILES)
    distance_by_line = dict(zip(check.lines[far], miles[far], strict=True))
    lines_series = pd.Series(check.lines, index=table.index)
    check.flag(
        "warning",
        swapped,
        "latitude",
        lat_raw,
        lambda _v: (
            "latitude and longitude look swapped: swapped back they fall inside the ZIP code's area"
        ),
    )
    far_only = far & ~swapped & ~check.misread
    for position in np.flatnonzero(far_only):
        line = int(lines_series.iloc[position])
        check.report.warning(
            line,
            "latitude",
            f"{lat_raw.iloc[position]}, {lon_raw.iloc[position]}",
            f"the coordinates are {distance_by_line[line]:.0f} miles from ZIP "
            f"{zips.iloc[position]}; check for a typo",
        )

    approximate = ~has_coordinates & known_zip & ~lat_bad & ~lon_bad & ~half
    missing_point = ~has_coordinates & ~approximate & is_clinic & ~lat_bad & ~lon_bad & ~half
    check.flag(
        "error",
        missing_point & zip_given,
        "zip",
        zips,
        lambda v: (
            f"cannot place this clinic on the map: ZIP {quote_value(v)} is unknown "
            "and latitude/longitude are blank; give the coordinates or a known ZIP"
        ),
    )
    table["latitude"] = np.where(lat_bad | half, np.nan, lat)
    table["longitude"] = np.where(lon_bad | half, np.nan, lon)
    table[schema.LAT] = np.where(has_coordinates, lat, np.where(approximate, centroid_lat, np.nan))
    table[schema.LON] = np.where(has_coordinates, lon, np.where(approximate, centroid_lon, np.nan))
    # Coordinates that are exactly the ZIP centre (as `python -m directory geocode` or the
    # admin page's "fill coordinates" write them) are still only approximate.
    with np.errstate(invalid="ignore"):
        at_centroid = (
            has_coordinates
            & known_zip
            & (np.abs(lat - centroid_lat) < ZIP_CENTRE_DEGREES)
            & (np.abs(lon - centroid_lon) < ZIP_CENTRE_DEGREES)
        )
    table[schema.COORDINATES_APPROXIMATE] = approximate | at_centroid


_SWAPPED_HINT = " (it looks like a longitude: are latitude and longitude swapped?)"


def _not_a_latitude(hint: str) -> Callable[[str], str]:
    return lambda v: (
        f"{quote_value(v)} is not a latitude; use decimal degrees between -90 "
        f"and 90, e.g. 39.7501{hint}"
    )


def check_zip(table: pd.DataFrame, raw: pd.DataFrame, check: Checker) -> pd.Series:
    """Normalise ``zip`` in ``table``; the ZIP codes to look up (blank where invalid)."""
    values = raw["zip"]
    fixed: dict[str, str] = {}
    bad: list[str] = []
    padded: list[str] = []
    for value in values.unique():
        if not value or _ZIP5.match(value) or _ZIP4.match(value):
            continue
        excel = _EXCEL_FLOAT.match(value)
        digits = excel.group(1) if excel else value
        if _ZIP9.match(digits):
            fixed[value] = f"{digits[:5]}-{digits[5:]}"
        elif _ZIP5.match(digits):
            fixed[value] = digits
        elif _ZIP_SHORT.match(digits):
            fixed[value] = digits.zfill(5)
            padded.append(value)
        else:
            bad.append(value)
    check.flag(
        "warning",
        values.isin(padded).to_numpy(),
        "zip",
        values,
        lambda v: (
            f"{quote_value(v)} is missing leading zeros (a spreadsheet dropped "
            f"them); read as {quote_value(fixed[v])}. Format the column as text"
        ),
    )
    check.flag(
        "error",
        values.isin(bad).to_numpy(),
        "zip",
        values,
        lambda v: f"{quote_value(v)} is not a ZIP code; use 5 digits (80202) or ZIP+4 (80202-1234)",
    )
    normalised = values.map(lambda v: fixed.get(v, v)) if fixed else values
    table["zip"] = normalised.where(~values.isin(bad), values).astype(str)
    return table["zip"].where(~values.isin(bad), "")
