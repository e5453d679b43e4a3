"""The ``zipcodes`` package's USPS ZIP records, turned into the gazetteer's tables.

The package ships the USPS ZIP list with coordinates, so nothing here needs the
network. :func:`build_place_tables` keeps the ZIPs that have a point and a
state the directory covers, and collapses them into one row per city (and one
per other name USPS accepts for a ZIP), all with vectorised pandas and numpy.
:class:`directory.gazetteer.Gazetteer` is built from the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import zipcodes

from directory.placenames import STATE_CODES, normalize_city

__all__ = [
    "PlaceTables",
    "ZipRecord",
    "build_place_tables",
    "list_zip_records",
    "release_zip_records",
    "run_starts",
]

#: One ``zipcodes`` record: zip_code, zip_code_type, city, state, lat, long (strings),
#: acceptable_cities (list) and more.
ZipRecord = Mapping[str, Any]
# zipcodes' Python wrapper is unannotated; its records are documented dicts.
list_zip_records = cast(Callable[[], list[dict[str, Any]]], zipcodes.list_all)


def release_zip_records() -> None:
    """Let go of the records ``zipcodes`` keeps cached for the life of the process.

    ``zipcodes.list_all()`` returns (and keeps) one list of ~42k dicts: about 100 MB of
    resident memory in every server process, although the gazetteer keeps only its own
    compact tables. Dropping the cache frees it; a later call simply loads it again.
    """
    if getattr(zipcodes, "_zips_cache", None) is not None:
        zipcodes._zips_cache = None  # private, but stable since zipcodes 2.0


class PlaceTables(NamedTuple):
    """The frames a :class:`~directory.gazetteer.Gazetteer` holds (see there for columns)."""

    zips: pd.DataFrame
    cities: pd.DataFrame
    aliases: pd.DataFrame


def run_starts(sorted_codes: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Where each run of equal values starts in ``sorted_codes`` (non-negative, grouped)."""
    return np.flatnonzero(np.diff(sorted_codes, prepend=-1) != 0)


def _state_keys(places: pd.DataFrame) -> pd.Series:
    # "ST|key" strings rather than tuples: strings are invisible to the garbage collector.
    return places["state"] + "|" + places["key"]


def _str_series(values: Sequence[Any] | npt.NDArray[Any]) -> pd.Series:
    # An explicit dtype skips pandas' slow per-element type inference.
    return pd.Series(values, dtype="str")


def _float_array(values: Sequence[Any]) -> npt.NDArray[np.float64]:
    try:
        return np.array(values, dtype=np.float64)  # numpy parses numeric strings in C
    except (TypeError, ValueError):
        return np.array([float(v) if v not in (None, "") else math.nan for v in values], np.float64)


def _city_points(places: pd.DataFrame) -> pd.DataFrame:
    """Collapse per-ZIP rows to one row per (state, key), sorted by state and key.

    ``places`` has columns city, state, key, lat, lon, zip and standard (bool).
    """
    # Factorising "ST|key" with sort=True numbers the groups in (state, key) order,
    # so numpy bincounts can do the group arithmetic without a pandas groupby.
    codes, uniques = pd.factorize(_state_keys(places), sort=True)
    n_groups = len(uniques)
    lat = places["lat"].to_numpy(dtype=np.float64)
    lon = places["lon"].to_numpy(dtype=np.float64)
    standard = places["standard"].to_numpy(dtype=np.bool_)
    # Use the STANDARD ZIPs when a city has any: PO boxes and single-firm ZIPs sit at post
    # offices and office buildings, which would drag the centre towards downtown.
    has_standard = np.bincount(codes, weights=standard, minlength=n_groups) > 0
    used = standard | ~has_standard[codes]
    used_count = np.bincount(codes[used], minlength=n_groups)
    centre_lat = np.bincount(codes[used], weights=lat[used], minlength=n_groups) / used_count
    centre_lon = np.bincount(codes[used], weights=lon[used], minlength=n_groups) / used_count
    # The representative ZIP is the used ZIP nearest the centre: sort by group, then distance.
    d_lat = lat - centre_lat[codes]
    d_lon = (lon - centre_lon[codes]) * np.cos(np.radians(centre_lat[codes]))
    distance = np.where(used, d_lat * d_lat + d_lon * d_lon, np.inf)
    order = np.lexsort((distance, codes))
    nearest = order[run_starts(codes[order])]
    first_row = np.zeros(n_groups, dtype=np.intp)
    first_row[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the first spelling seen wins
    frame = places.iloc[first_row][["city", "state"]].reset_index(drop=True)
    frame["lat"] = centre_lat
    frame["lon"] = centre_lon
    frame["zip"] = places["zip"].to_numpy()[nearest]
    frame["key"] = places["key"].to_numpy()[first_row]
    frame["zip_count"] = np.bincount(codes, minlength=n_groups).astype(np.int64)
    return frame


def build_place_tables(records: Sequence[ZipRecord]) -> PlaceTables:
    """Build the ZIP, city and alias tables from ``zipcodes``-style records.

    ZIPs without coordinates (the source stores them as 0, 0), military
    "states" (AA, AE, AP) and anything else outside :data:`STATE_CODES` are
    dropped.
    """
    # One list per field rather than a tuple per record: fewer objects for the collector.
    lat_all = _float_array([r["lat"] for r in records])
    lon_all = _float_array([r["long"] for r in records])
    everything = pd.DataFrame(
        {
            "zip": _str_series([r["zip_code"] for r in records]),
            "state": _str_series([r["state"] for r in records]),
            "city": _str_series([r["city"] for r in records]),
            "lat": lat_all,
            "lon": lon_all,
            "standard": np.array([r["zip_code_type"] == "STANDARD" for r in records], np.bool_),
        }
    )
    with np.errstate(invalid="ignore"):
        has_point = (
            np.isfinite(lat_all)
            & np.isfinite(lon_all)
            & (lat_all != 0.0)
            & (lon_all != 0.0)
            & (np.abs(lat_all) <= 90.0)
            & (np.abs(lon_all) <= 180.0)
        )
    keep = (
        has_point
        & everything["state"].isin(STATE_CODES).to_numpy(dtype=np.bool_)
        & everything["zip"].str.fullmatch(r"\d{5}").to_numpy(dtype=np.bool_, na_value=False)
    )
    kept_rows = np.flatnonzero(keep)
    primary = everything.iloc[kept_rows].reset_index(drop=True)
    name_codes, names = pd.factorize(primary["city"])
    keys = np.array([normalize_city(name) for name in names.tolist()], dtype=object)
    primary["key"] = _str_series(keys[name_codes])

    zips = primary.set_index("zip")[["lat", "lon", "state", "city"]].sort_index()
    cities = _city_points(primary)

    # Other names USPS accepts for a ZIP become aliases unless they are a primary name there.
    states = primary["state"].tolist()
    primary_pairs = set(_state_keys(primary).tolist())
    alias_names: list[str] = []
    alias_keys: list[str] = []
    alias_rows: list[int] = []
    key_of: dict[str, str] = {}
    for row, record_index in enumerate(kept_rows.tolist()):
        for alias in records[record_index].get("acceptable_cities") or ():
            alias_key = key_of.get(alias)
            if alias_key is None:
                alias_key = key_of[alias] = normalize_city(alias)
            if alias_key and f"{states[row]}|{alias_key}" not in primary_pairs:
                alias_names.append(alias)
                alias_keys.append(alias_key)
                alias_rows.append(row)
    alias_places = primary.iloc[alias_rows].reset_index(drop=True)
    alias_places["city"] = _str_series(alias_names)
    alias_places["key"] = _str_series(alias_keys)
    return PlaceTables(zips=zips, cities=cities, aliases=_city_points(alias_places))
