"""The bundled offline US gazetteer: ZIP centroids and city points.

Everything comes from the ``zipcodes`` package, which ships the USPS ZIP list
with coordinates, so looking a place up never needs the network. The data is
held as pandas frames for vectorised work (the validator reindexes
:attr:`Gazetteer.zips` by a column of ZIPs) plus small dictionaries and numpy
arrays so that single lookups stay well under a millisecond.

The tables are built in :mod:`directory.zipdata`; state and city names are
read by :mod:`directory.placenames`, whose names this module re-exports. The
frames keep the USPS spellings (``"Mcallen"``, other modules build on them);
every name the lookups hand out is proper-cased (``"McAllen"``, see
:func:`~directory.placenames.proper_city_name`).
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import gc
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from directory.placenames import STATE_CODES, normalize_city, normalize_state, proper_city_name
from directory.zipdata import (
    ZipRecord,
    build_place_tables,
    list_zip_records,
    release_zip_records,
    run_starts,
)

__all__ = [
    "STATE_CODES",
    "CityMatch",
    "Gazetteer",
    "ZipRecord",
    "build_gazetteer",
    "get_gazetteer",
    "load_gazetteer",
    "normalize_city",
    "normalize_state",
    "prominence",
    "shown_city",
]

# Proper-cased on first use rather than at load: only names that are shown need it.
shown_city = functools.lru_cache(maxsize=32_768)(proper_city_name)


@dataclass(frozen=True)
class CityMatch:
    """One city (or an alternative USPS name for one) found in the gazetteer."""

    city: str
    state: str
    lat: float
    lon: float
    zip: str
    zip_count: int
    is_alias: bool = False

    @property
    def label(self) -> str:
        """The city as people write it, like ``"Denver, CO"``."""
        return f"{self.city}, {self.state}"


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """Vectorised US places: one row per ZIP, one row per city.

    ``zips`` is indexed by the 5-character ZIP (index name ``zip``) with
    columns ``lat``, ``lon``, ``state`` and ``city``, sorted by ZIP.

    ``cities`` has one row per primary USPS city name and state, sorted by
    state and key, with columns ``city``, ``state``, ``lat``, ``lon`` (the mean
    of the city's STANDARD ZIP centroids, or of all its ZIPs when it has no
    STANDARD one), ``zip`` (the ZIP nearest that point), ``key`` (see
    :func:`normalize_city`) and ``zip_count`` (how many ZIPs carry the name, a
    rough size used to rank ambiguous names).

    ``aliases`` has the same columns for the other names USPS accepts for a
    ZIP (``acceptable_cities``), minus any that are already a primary name in
    the same state: primary names always win.
    """

    zips: pd.DataFrame
    cities: pd.DataFrame
    aliases: pd.DataFrame
    _zip_rows: dict[str, int] = field(init=False, repr=False)
    _zip_codes: list[str] = field(init=False, repr=False)
    _zip_lat: npt.NDArray[np.float64] = field(init=False, repr=False)
    _zip_lon: npt.NDArray[np.float64] = field(init=False, repr=False)
    _zip_states: list[str] = field(init=False, repr=False)
    _zip_cities: list[str] = field(init=False, repr=False)
    _places: _PlaceIndex = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Plain lists and dicts: single lookups on them cost nanoseconds, pandas costs microseconds.
        zip_codes: list[str] = self.zips.index.tolist()
        set_field = object.__setattr__  # frozen dataclass: derived fields are set once, here
        set_field(self, "_zip_codes", zip_codes)
        set_field(self, "_zip_rows", dict(zip(zip_codes, range(len(zip_codes)), strict=True)))
        set_field(self, "_zip_lat", self.zips["lat"].to_numpy(dtype=np.float64))
        set_field(self, "_zip_lon", self.zips["lon"].to_numpy(dtype=np.float64))
        set_field(self, "_zip_states", self.zips["state"].tolist())
        set_field(self, "_zip_cities", self.zips["city"].tolist())
        set_field(self, "_places", _PlaceIndex.from_frames(self.cities, self.aliases))

    @functools.cached_property
    def _keys_by_state(self) -> dict[str, list[str]]:
        # Only misspellings need these, so they are built on first use.
        keys: dict[str, set[str]] = {}
        for key, state in zip(self._places.key, self._places.state, strict=True):
            keys.setdefault(state, set()).add(key)
        return {state: sorted(state_keys) for state, state_keys in keys.items()}

    @functools.cached_property
    def _state_centres(self) -> dict[str, tuple[float, float]]:
        frame = pd.DataFrame(
            {"state": self._zip_states, "lat": self._zip_lat, "lon": self._zip_lon}
        )
        means = frame.groupby("state", sort=True)[["lat", "lon"]].mean()
        return {
            str(state): (float(lat), float(lon))
            for state, lat, lon in zip(means.index, means["lat"], means["lon"], strict=True)
        }

    def zip_point(self, zip5: str) -> tuple[float, float, str, str] | None:
        """Return ``(lat, lon, state, city)`` for a 5-digit ZIP, or ``None`` if unknown.

        The city is proper-cased (``"McAllen"``, not the USPS ``"Mcallen"``).
        """
        row = self._zip_rows.get(zip5)
        if row is None:
            return None
        return (
            float(self._zip_lat[row]),
            float(self._zip_lon[row]),
            self._zip_states[row],
            shown_city(self._zip_cities[row]),
        )

    def state_centre(self, state: str) -> tuple[float, float] | None:
        """``(lat, lon)`` of a state's people, roughly: the mean of its ZIP centroids.

        No installed package gives population offline; ZIPs are denser where
        people are, so the mean leans a little towards the towns (Colorado's
        is about 35 miles south-west of Denver). Good for centring a map, not
        for distances. ``None`` for an unknown code.
        """
        return self._state_centres.get(state)

    def nearest_zip(self, lat: float, lon: float) -> str:
        """Return the ZIP whose centroid is nearest to the point (vectorised over all ZIPs)."""
        # An equirectangular distance ranks neighbours well enough and is cheap to vectorise;
        # wrapping the longitude keeps Guam and American Samoa right across the antimeridian.
        d_lat = self._zip_lat - lat
        d_lon = (self._zip_lon - lon + 180.0) % 360.0 - 180.0
        d_lon *= math.cos(math.radians(lat))
        row = int(np.argmin(d_lat * d_lat + d_lon * d_lon))
        return self._zip_codes[row]

    def find_city(self, name: str, state: str | None = None) -> list[CityMatch]:
        """Return the cities called ``name`` (in ``state`` when given), most prominent first.

        Prominence is the number of ZIP codes carrying the name, ties by state
        code (:func:`prominence`): the one order every list of places uses.

        Primary USPS names are searched first; other accepted names for a ZIP
        (``"Hollywood"`` for part of Los Angeles) only when no primary name
        matches. An unknown ``state`` gives an empty list.
        """
        state_code: str | None = None
        if state is not None:
            state_code = normalize_state(state)
            if state_code is None:
                return []
        places = self._places
        found = [
            i
            for i in places.positions(normalize_city(name))
            if state_code is None or places.state[i] == state_code
        ]
        primary = [i for i in found if not places.is_alias[i]]
        return [places.match(i) for i in primary or found]

    def suggest_cities(self, name: str, state: str | None = None, limit: int = 3) -> list[str]:
        """Return up to ``limit`` labels like ``"Brooklyn, NY"`` for a misspelt city name.

        Close spellings (``difflib``) within ``state`` come first, bigger
        places before tiny ones when the spellings are about as close (equal
        scores go by :func:`prominence`, then label); when
        there are none, the same name in other states is offered
        (``"Denver, CA"`` suggests ``"Denver, CO"``). Without a state, close
        spellings in every state count.
        """
        key = normalize_city(name)
        if not key or limit <= 0:
            return []
        state_code = normalize_state(state) if state else None
        all_keys = self._places.keys
        pool = self._keys_by_state.get(state_code, []) if state_code else all_keys
        labels = self._rank_labels(key, pool, state_code, limit)
        if state_code and not labels:
            labels = self._rank_labels(key, all_keys, None, limit)
        return labels

    def _rank_labels(
        self, key: str, pool: Sequence[str], state_code: str | None, limit: int
    ) -> list[str]:
        places = self._places
        matcher = difflib.SequenceMatcher(b=key)
        scored: dict[str, tuple[float, int]] = {}
        for close_key in difflib.get_close_matches(key, pool, n=limit * 4, cutoff=0.75):
            matcher.set_seq1(close_key)
            ratio = matcher.ratio()
            for i in places.positions(close_key):
                if state_code is not None and places.state[i] != state_code:
                    continue
                # A small size bonus: "Pheonix" means Phoenix, AZ more often than Phenix, VA.
                score = ratio + 0.02 * math.log(places.zip_count[i]) - 0.05 * places.is_alias[i]
                label = places.label(i)
                if score > scored.get(label, (-math.inf,))[0]:
                    scored[label] = (score, places.zip_count[i])
        return sorted(scored, key=lambda label: (-scored[label][0], -scored[label][1], label))[
            :limit
        ]


@dataclass(frozen=True)
class _PlaceIndex:
    """Primary cities and aliases as parallel lists, grouped by key for fast single lookups.

    Rows are sorted by key, then primary before alias, then biggest first, so
    the rows for one key are one contiguous run.
    """

    city: list[str]
    state: list[str]
    lat: list[float]
    lon: list[float]
    zip: list[str]
    key: list[str]
    zip_count: list[int]
    is_alias: list[bool]
    keys: list[str]  # the distinct keys, sorted
    starts: dict[str, int]
    stops: dict[str, int]

    @classmethod
    def from_frames(cls, cities: pd.DataFrame, aliases: pd.DataFrame) -> _PlaceIndex:
        both = pd.concat(
            [cities.assign(is_alias=False), aliases.assign(is_alias=True)], ignore_index=True
        )
        key_codes, keys = pd.factorize(both["key"], sort=True)
        state_codes, _ = pd.factorize(both["state"], sort=True)
        zip_count = both["zip_count"].to_numpy(dtype=np.int64)
        is_alias = both["is_alias"].to_numpy(dtype=np.bool_)
        # np.lexsort sorts by its last array first.
        order = np.lexsort((state_codes, -zip_count, is_alias, key_codes))
        sorted_codes = key_codes[order]
        starts = run_starts(sorted_codes)
        stops = np.append(starts[1:], len(order))[: len(starts)]
        key_list: list[str] = keys.tolist()

        def column(name: str) -> list[Any]:
            return list(both[name].to_numpy()[order].tolist())

        return cls(
            city=column("city"),
            state=column("state"),
            lat=column("lat"),
            lon=column("lon"),
            zip=column("zip"),
            key=column("key"),
            zip_count=column("zip_count"),
            is_alias=column("is_alias"),
            keys=key_list,
            starts=dict(zip(key_list, starts.tolist(), strict=True)),
            stops=dict(zip(key_list, stops.tolist(), strict=True)),
        )

    def positions(self, key: str) -> range:
        start = self.starts.get(key)
        return range(0) if start is None else range(start, self.stops[key])

    def label(self, i: int) -> str:
        return f"{shown_city(self.city[i])}, {self.state[i]}"

    def match(self, i: int) -> CityMatch:
        return CityMatch(
            city=shown_city(self.city[i]),
            state=self.state[i],
            lat=self.lat[i],
            lon=self.lon[i],
            zip=self.zip[i],
            zip_count=self.zip_count[i],
            is_alias=self.is_alias[i],
        )


def prominence(match: CityMatch) -> tuple[int, str]:
    """Sort key putting the most prominent place first: most ZIP codes, then state code."""
    return (-match.zip_count, match.state)


def build_gazetteer(records: Sequence[ZipRecord]) -> Gazetteer:
    """Build a :class:`Gazetteer` from ``zipcodes``-style records.

    Which ZIPs are kept, and how cities and aliases are made of them, is
    :func:`directory.zipdata.build_place_tables`.
    """
    zips, cities, aliases = build_place_tables(records)
    return Gazetteer(zips=zips, cities=cities, aliases=aliases)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, restoring its previous state afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_gazetteer() -> Gazetteer:
    """Build the gazetteer from the ``zipcodes`` package's bundled data (no network)."""
    # zipcodes materialises ~170k dicts and lists on first use, none of them in reference
    # cycles; with the collector running it rescans them over and over, which measured
    # as about half of a cold load. Nothing here needs collecting, so pause it briefly.
    with _collector_paused():
        gazetteer = build_gazetteer(list_zip_records())
    # The ~42k record dicts would otherwise stay cached in zipcodes for good (~100 MB).
    release_zip_records()
    return gazetteer


@functools.lru_cache(maxsize=1)
def get_gazetteer() -> Gazetteer:
    """Return the process-wide gazetteer, building it on first use."""
    return load_gazetteer()
