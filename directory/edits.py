"""Edits the admin tools make to a loaded table before saving it.

Each takes a table from :func:`~directory.dataset.load_clinics` and returns a
changed copy (the caller's table, perhaps cached and shared, is never
modified); saving is :func:`directory.storage.save_clinics`' job.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

from directory import schema
from directory.csvfile import number_texts
from directory.dataset import COORDINATE_TOLERANCE_MILES
from directory.distance import great_circle_miles
from directory.errors import QueryError
from directory.gazetteer import get_gazetteer

COORDINATE_DECIMALS = 5
"""About 1 m: as precise as a street address is, without pretending more."""

FillPrecision = Literal["zip", "address", "none"]


@dataclass(frozen=True)
class CoordinateFill:
    """How one clinic's blank coordinates were filled.

    ``precision`` is ``"address"`` (geocoded online from the street address),
    ``"zip"`` (the ZIP code's centre, offline) or ``"none"`` (not placed: the
    ZIP is unknown and nothing was found online); then ``lat``/``lon`` are None.
    """

    id: str
    line: int
    precision: FillPrecision
    lat: float | None
    lon: float | None


def fill_coordinates(
    table: pd.DataFrame,
    *,
    online: Any | None = None,
    progress: Callable[[CoordinateFill], None] | None = None,
) -> tuple[pd.DataFrame, list[CoordinateFill]]:
    """Fill blank latitude/longitude of clinic rows; returns the new table and what was done.

    Offline, a row gets its ZIP code's centroid from the bundled gazetteer.
    With ``online`` (anything with geopy's ``geocode(query)``, such as
    :func:`~directory.geocoding.make_online_geocoder`, which is rate-limited
    and cached) the street address is tried first; an answer more than
    ``COORDINATE_TOLERANCE_MILES`` from the ZIP's centre is taken to be a
    wrong match and the ZIP centroid is used instead, as it is when the
    service fails. Telehealth rows have no place and are left alone.

    ``progress`` is called with each row's fill as it is decided: online, at
    one request a second, a long list takes minutes.
    """
    out = table.copy()
    latitude = pd.to_numeric(out["latitude"], errors="coerce").to_numpy(np.float64, copy=True)
    longitude = pd.to_numeric(out["longitude"], errors="coerce").to_numpy(np.float64, copy=True)
    is_clinic = out["kind"].astype(str).eq("clinic").to_numpy(dtype=bool)
    targets = np.flatnonzero(is_clinic & np.isnan(latitude) & np.isnan(longitude))
    if not len(targets):
        return out, []

    zips = out["zip"].astype(str).str.slice(0, 5).to_numpy(dtype=object)[targets]
    centroids = get_gazetteer().zips.reindex(pd.Index(zips, dtype=str))
    centroid_lat = centroids["lat"].to_numpy(dtype=np.float64)
    centroid_lon = centroids["lon"].to_numpy(dtype=np.float64)
    ids = out["id"].astype(str).to_numpy(dtype=object)
    lines = (
        out[schema.LINE].to_numpy(dtype=np.int64)
        if schema.LINE in out.columns
        else np.arange(2, len(out) + 2, dtype=np.int64)
    )
    fills: list[CoordinateFill] = []
    for k, row in enumerate(targets.tolist()):
        centre = (float(centroid_lat[k]), float(centroid_lon[k]))
        known_zip = not math.isnan(centre[0])
        point: tuple[float, float] | None = None
        precision: FillPrecision = "none"
        if online is not None:
            point = _geocode_address(online, out.iloc[row], centre if known_zip else None)
            precision = "address" if point is not None else precision
        if point is None and known_zip:
            point, precision = centre, "zip"
        if point is not None:
            point = (round(point[0], COORDINATE_DECIMALS), round(point[1], COORDINATE_DECIMALS))
            latitude[row], longitude[row] = point
        fill = CoordinateFill(
            id=str(ids[row]),
            line=int(lines[row]),
            precision=precision,
            lat=point[0] if point else None,
            lon=point[1] if point else None,
        )
        fills.append(fill)
        if progress is not None:
            progress(fill)
    filled = np.array([fill.lat is not None for fill in fills], dtype=bool)
    _set_numbers(out, "latitude", latitude)
    _set_numbers(out, "longitude", longitude)
    # Keep the derived columns consistent with the data until the next load recomputes them.
    if schema.LAT in out.columns and schema.LON in out.columns:
        out[schema.LAT] = np.where(np.isnan(latitude), out[schema.LAT], latitude)
        out[schema.LON] = np.where(np.isnan(longitude), out[schema.LON], longitude)
    if schema.COORDINATES_APPROXIMATE in out.columns:
        approximate = out[schema.COORDINATES_APPROXIMATE].to_numpy(dtype=bool, copy=True)
        approximate[targets[filled]] = False
        out[schema.COORDINATES_APPROXIMATE] = approximate
    return out, fills


def _geocode_address(
    online: Any, row: pd.Series, centre: tuple[float, float] | None
) -> tuple[float, float] | None:
    """The street address's point from the online geocoder, or None if it cannot be trusted."""
    parts = [str(row.get(name, "") or "").strip() for name in ("address", "city", "state", "zip")]
    address, city, state, zip_code = parts
    if not address:
        return None
    query = f"{address}, {city}, {state} {zip_code}".strip(" ,")
    try:
        found = online.geocode(query)
        if isinstance(found, list):
            found = found[0] if found else None
        if found is None:
            return None
        lat, lon = float(found.latitude), float(found.longitude)
    except Exception:
        # An optional service that failed (timeout, quota, odd answer): the ZIP centroid stands.
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    if centre is not None and great_circle_miles(lat, lon, *centre) > COORDINATE_TOLERANCE_MILES:
        return None  # a same-named street in another state, most likely
    return lat, lon


def _set_numbers(table: pd.DataFrame, column: str, values: np.ndarray[Any, Any]) -> None:
    if pd.api.types.is_numeric_dtype(table[column].dtype):
        table[column] = values
        return
    # A table of raw strings (not from the loader): write text the CSV can hold.
    text = number_texts(values.tolist())
    original = table[column].astype(object).where(table[column].notna(), "").astype(str)
    table[column] = np.where(np.isnan(values), original.to_numpy(dtype=object), text)


def mark_verified(table: pd.DataFrame, ids: Iterable[str], today: date) -> pd.DataFrame:
    """A copy of ``table`` with ``last_verified`` set to ``today`` for the clinics ``ids``.

    Raises :class:`QueryError` naming any id that is not in the table, before
    changing anything.
    """
    wanted = list(dict.fromkeys(str(clinic) for clinic in ids))
    present = table["id"].astype(str)
    unknown = sorted(set(wanted) - set(present.tolist()))
    if unknown:
        shown = ", ".join(repr(clinic) for clinic in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise QueryError(f"no clinic with id {shown}{more}; nothing was marked verified")
    out = table.copy()
    out.loc[present.isin(wanted).to_numpy(dtype=bool), "last_verified"] = today.isoformat()
    return out
