"""Where a clinic is: its ZIP code and coordinates, read and then checked against each other.

Both phases of the validation (see :mod:`directory.dataset`) for ``zip``, ``latitude`` and
``longitude``. :func:`normalise_place` reads the cells: ZIP codes are normalised (Excel's
dropped leading zeros, ``802021234`` as ZIP+4), coordinates are parsed and range-checked,
and a clinic without coordinates gets its ZIP code's centre as an approximate map point
(``_lat``, ``_lon``, ``_coordinates_approximate``). :func:`place_findings` then reports
what is wrong, comparing the coordinates with the ZIP code's centre.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from directory import schema
from directory.csvfile import is_blank
from directory.distance import great_circle_miles
from directory.gazetteer import STATE_CODES, get_gazetteer
from directory.report import Finding, Flag, RowProblem, quote_value

COORDINATE_TOLERANCE_MILES = 50.0
"""Coordinates farther than this from their ZIP code's centre get a warning."""
#: Coordinates this close to the ZIP centre (about a metre) are taken to be the centre.
ZIP_CENTRE_DEGREES = 1e-5

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

_ZIP5 = re.compile(r"^\d{5}$")
_ZIP4 = re.compile(r"^\d{5}-\d{4}$")
_ZIP9 = re.compile(r"^\d{9}$")
_ZIP_SHORT = re.compile(r"^\d{3,4}$")
_EXCEL_FLOAT = re.compile(r"^(\d{3,5})\.0+$")


@dataclass(frozen=True)
class Place:
    """The location columns of a table, read from the cells (phase 1 of the validation).

    ``zip``, ``latitude`` and ``longitude`` are the normalised columns (invalid cells as
    typed, invalid coordinates NaN); the ``*_cells`` are the cells as typed, for messages.
    ``lookup`` is the ZIP code to look up, blank where the cell is not a ZIP code, and the
    ``centroid_*`` arrays are what the gazetteer knows of it (NaN / ``""`` if nothing).
    """

    zip_cells: pd.Series
    latitude_cells: pd.Series
    longitude_cells: pd.Series
    zip: pd.Series
    lookup: pd.Series
    zip_fixed: dict[str, str]
    zip_padded: BoolArray
    zip_unparsed: BoolArray
    latitude: FloatArray
    longitude: FloatArray
    latitude_blank: BoolArray
    longitude_blank: BoolArray
    latitude_unparsed: BoolArray
    longitude_unparsed: BoolArray
    looks_swapped: BoolArray
    """An unreadable latitude that would be a fine longitude, next to a fine latitude."""
    half: BoolArray
    """Only one of the two coordinates given (both are then NaN)."""
    centroid_lat: FloatArray
    centroid_lon: FloatArray
    centroid_state: npt.NDArray[np.object_]
    known_zip: BoolArray
    has_coordinates: BoolArray
    approximate: BoolArray
    """No coordinates given, so the map point is the ZIP code's centre."""
    map_lat: FloatArray
    map_lon: FloatArray
    map_approximate: BoolArray
    """The map point is approximate: the ZIP centre, taken or given as coordinates."""


def normalise_place(cells: pd.DataFrame) -> Place:
    """Read ``zip``, ``latitude`` and ``longitude`` from the raw cells; nothing else."""
    zip_cells, zips, lookup, fixed, padded, zip_bad = _read_zips(cells["zip"])
    lat_cells, lon_cells = cells["latitude"], cells["longitude"]
    lat = pd.to_numeric(lat_cells, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    lon = pd.to_numeric(lon_cells, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    lat_blank, lon_blank = is_blank(lat_cells), is_blank(lon_cells)
    lat_bad = (np.isnan(lat) & ~lat_blank) | (np.abs(lat) > 90)
    lon_bad = (np.isnan(lon) & ~lon_blank) | (np.abs(lon) > 180)
    # -104.99 in latitude next to 39.75 in longitude: the two columns are swapped (in the East,
    # where both fit either range, the distance check notices instead).
    looks_swapped = lat_bad & (np.abs(lat) <= 180) & (np.abs(lon) <= 90)
    half = (lat_blank != lon_blank) & ~lat_bad & ~lon_bad
    lat[lat_bad | half] = np.nan
    lon[lon_bad | half] = np.nan

    centroid = get_gazetteer().zips.reindex(lookup.str.slice(0, 5))
    centroid_lat = centroid["lat"].to_numpy(dtype=np.float64)
    centroid_lon = centroid["lon"].to_numpy(dtype=np.float64)
    known_zip = ~np.isnan(centroid_lat)
    has_coordinates = ~np.isnan(lat) & ~np.isnan(lon)
    approximate = ~has_coordinates & known_zip & ~lat_bad & ~lon_bad & ~half
    # Coordinates that are exactly the ZIP centre (as `python -m directory geocode` or the
    # admin page's "fill coordinates" write them) are still only approximate.
    with np.errstate(invalid="ignore"):
        at_centroid = (
            has_coordinates
            & known_zip
            & (np.abs(lat - centroid_lat) < ZIP_CENTRE_DEGREES)
            & (np.abs(lon - centroid_lon) < ZIP_CENTRE_DEGREES)
        )
    return Place(
        zip_cells=zip_cells,
        latitude_cells=lat_cells,
        longitude_cells=lon_cells,
        zip=zips,
        lookup=lookup,
        zip_fixed=fixed,
        zip_padded=padded,
        zip_unparsed=zip_bad,
        latitude=lat,
        longitude=lon,
        latitude_blank=lat_blank,
        longitude_blank=lon_blank,
        latitude_unparsed=lat_bad,
        longitude_unparsed=lon_bad,
        looks_swapped=looks_swapped,
        half=half,
        centroid_lat=centroid_lat,
        centroid_lon=centroid_lon,
        centroid_state=centroid["state"].fillna("").to_numpy(dtype=object),
        known_zip=known_zip,
        has_coordinates=has_coordinates,
        approximate=approximate,
        map_lat=np.where(has_coordinates, lat, np.where(approximate, centroid_lat, np.nan)),
        map_lon=np.where(has_coordinates, lon, np.where(approximate, centroid_lon, np.nan)),
        map_approximate=approximate | at_centroid,
    )


def _read_zips(
    values: pd.Series,
) -> tuple[pd.Series, pd.Series, pd.Series, dict[str, str], BoolArray, BoolArray]:
    """Cells, normalised ZIP codes, codes to look up, fixes, padded and unreadable cells."""
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
    is_bad = values.isin(bad)
    normalised = values.map(lambda v: fixed.get(v, v)) if fixed else values
    zips = normalised.where(~is_bad, values).astype(str)
    lookup = zips.where(~is_bad, "")
    return values, zips, lookup, fixed, values.isin(padded).to_numpy(), is_bad.to_numpy()


def place_findings(place: Place, state: pd.Series, is_clinic: BoolArray) -> list[Finding]:
    """What is wrong with where each clinic is (phase 2 of the validation); changes nothing.

    ``state`` is the normalised ``state`` column; ``is_clinic`` marks in-person rows (only
    those need a place on the map).
    """
    zip_cells, lat_cells, lon_cells = place.zip_cells, place.latitude_cells, place.longitude_cells
    fixed, lookup = place.zip_fixed, place.lookup
    findings: list[Finding] = [
        Flag(
            "warning",
            place.zip_padded,
            "zip",
            zip_cells,
            lambda v: (
                f"{quote_value(v)} is missing leading zeros (a spreadsheet dropped "
                f"them); read as {quote_value(fixed[v])}. Format the column as text"
            ),
        ),
        Flag(
            "error",
            place.zip_unparsed,
            "zip",
            zip_cells,
            lambda v: (
                f"{quote_value(v)} is not a ZIP code; use 5 digits (80202) or ZIP+4 (80202-1234)"
            ),
        ),
    ]
    lat_bad, lon_bad, swapped_cells = (
        place.latitude_unparsed,
        place.longitude_unparsed,
        place.looks_swapped,
    )
    for mask, hint in ((lat_bad & ~swapped_cells, ""), (swapped_cells, _SWAPPED_HINT)):
        findings.append(Flag("error", mask, "latitude", lat_cells, _not_a_latitude(hint)))
    half = place.half
    findings += [
        Flag(
            "error",
            lon_bad,
            "longitude",
            lon_cells,
            lambda v: (
                f"{quote_value(v)} is not a longitude; use decimal degrees between -180 "
                "and 180 (negative in the US), e.g. -104.9996"
            ),
        ),
        Flag(
            "error",
            half & place.longitude_blank,
            "longitude",
            lon_cells,
            lambda _v: "is empty but latitude is given; give both or leave both blank",
        ),
        Flag(
            "error",
            half & place.latitude_blank,
            "latitude",
            lat_cells,
            lambda _v: "is empty but longitude is given; give both or leave both blank",
        ),
    ]

    known_zip, zip_given = place.known_zip, ~is_blank(lookup)
    findings.append(
        Flag(
            "warning",
            zip_given & ~known_zip & is_clinic,
            "zip",
            lookup,
            lambda v: f"{quote_value(v)} is not a ZIP code we know; check it",
        )
    )
    # An invalid state already has its own error; comparing it with the ZIP's adds only noise.
    valid_state = state.isin(STATE_CODES).to_numpy(dtype=bool)
    centroid_state = place.centroid_state
    mismatch = known_zip & is_clinic & valid_state & (centroid_state != state.to_numpy(object))
    zip_states = dict(zip(lookup[mismatch], centroid_state[mismatch], strict=True))
    findings.append(
        Flag(
            "warning",
            mismatch,
            "zip",
            lookup,
            lambda v: (
                f"{quote_value(v)} is a ZIP code in {zip_states.get(v, '?')}, not in "
                "the row's state; check the ZIP and the state"
            ),
        )
    )

    lat, lon = place.latitude, place.longitude
    with np.errstate(invalid="ignore"):
        miles = great_circle_miles(lat, lon, place.centroid_lat, place.centroid_lon)
        swapped_miles = great_circle_miles(lon, lat, place.centroid_lat, place.centroid_lon)
    far = place.has_coordinates & known_zip & is_clinic & (miles > COORDINATE_TOLERANCE_MILES)
    swapped = far & (swapped_miles <= COORDINATE_TOLERANCE_MILES)
    findings.append(
        Flag(
            "warning",
            swapped,
            "latitude",
            lat_cells,
            lambda _v: (
                "latitude and longitude look swapped: swapped back they fall inside the "
                "ZIP code's area"
            ),
        )
    )
    # The message names the distance, which differs row by row: one problem per row.
    findings += [
        RowProblem(
            "warning",
            int(position),
            "latitude",
            f"{lat_cells.iloc[position]}, {lon_cells.iloc[position]}",
            f"the coordinates are {miles[position]:.0f} miles from ZIP "
            f"{lookup.iloc[position]}; check for a typo",
        )
        for position in np.flatnonzero(far & ~swapped)
    ]

    usable = ~lat_bad & ~lon_bad & ~half
    missing_point = ~place.has_coordinates & ~place.approximate & is_clinic & usable
    findings.append(
        Flag(
            "error",
            missing_point & zip_given,
            "zip",
            lookup,
            lambda v: (
                f"cannot place this clinic on the map: ZIP {quote_value(v)} is unknown "
                "and latitude/longitude are blank; give the coordinates or a known ZIP"
            ),
        )
    )
    return findings


_SWAPPED_HINT = " (it looks like a longitude: are latitude and longitude swapped?)"


def _not_a_latitude(hint: str) -> Callable[[str], str]:
    return lambda v: (
        f"{quote_value(v)} is not a latitude; use decimal degrees between -90 "
        f"and 90, e.g. 39.7501{hint}"
    )


def place_columns(place: Place) -> dict[str, pd.Series | FloatArray | BoolArray]:
    """The columns :func:`normalise_place` contributes to the normalised table."""
    return {
        "zip": place.zip,
        "latitude": place.latitude,
        "longitude": place.longitude,
        schema.LAT: place.map_lat,
        schema.LON: place.map_lon,
        schema.COORDINATES_APPROXIMATE: place.map_approximate,
    }
