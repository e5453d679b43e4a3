"""The bundled offline US gazetteer: ZIP centroids and city points.

Everything comes from the ``zipcodes`` package, which ships the USPS ZIP list
with coordinates, so looking a place up never needs the network. The data is
held as pandas frames for vectorised work (the validator reindexes
:attr:`Gazetteer.zips` by a column of ZIPs) plus small dictionaries and numpy
arrays so that single lookups stay well under a millisecond.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import gc
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import us
import zipcodes

__all__ = [
    "STATE_CODES",
    "CityMatch",
    "Gazetteer",
    "build_gazetteer",
    "get_gazetteer",
    "load_gazetteer",
    "normalize_city",
    "normalize_state",
]

#: USPS codes the directory accepts: the 50 states, DC and the inhabited territories.
STATE_CODES: frozenset[str] = frozenset(
    {state.abbr for state in us.STATES} | {"DC", "PR", "VI", "GU", "AS", "MP"}
)

# Spellings `us.states.lookup` does not know; keys are already cleaned (see _clean_state_text).
_STATE_ALIASES: dict[str, str] = {
    "washington dc": "DC",
    "washington d c": "DC",
    "d c": "DC",
    "us virgin islands": "VI",
    "usvi": "VI",
    "united states virgin islands": "VI",
    "virgin islands of the united states": "VI",
    "cnmi": "MP",
    "northern marianas": "MP",
}

# Word forms people type interchangeably in US place names; both sides map to the short form.
_CITY_WORDS: dict[str, str] = {
    "saint": "st",
    "sainte": "ste",
    "fort": "ft",
    "mount": "mt",
    "mountain": "mtn",
    "point": "pt",
    "heights": "hts",
    "springs": "spgs",
    "junction": "jct",
    "township": "twp",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
}

_NON_WORD = re.compile(r"[^\w\s]|_")
_ASCII_PUNCTUATION_TO_SPACE = str.maketrans(
    {char: " " for char in map(chr, range(128)) if not (char.isalnum() or char.isspace())}
)

#: One ``zipcodes`` record: zip_code, zip_code_type, city, state, lat, long (strings),
#: acceptable_cities (list) and more.
ZipRecord = Mapping[str, Any]
# zipcodes' Python wrapper is unannotated; its records are documented dicts.
_list_zip_records = cast(Callable[[], list[dict[str, Any]]], zipcodes.list_all)


def normalize_city(name: str) -> str:
    """Return the lookup key for a city name.

    The key is casefolded, stripped of accents and punctuation, has
    ``Saint``/``St.``, ``Fort``/``Ft`` and similar pairs folded to one form, and
    has whitespace collapsed: ``"St. Louis"`` and ``"Saint Louis"`` both give
    ``"st louis"``.
    """
    name = name.replace("&", " and ")
    if name.isascii():
        spaced = name.translate(_ASCII_PUNCTUATION_TO_SPACE)  # much faster than a regex
    else:
        decomposed = unicodedata.normalize("NFKD", name)
        stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
        spaced = _NON_WORD.sub(" ", stripped)
    words = _CITY_WORDS
    return " ".join([words.get(word, word) for word in spaced.casefold().split()])


def _clean_state_text(text: str) -> str:
    # Periods go without a trace so "D.C." becomes "dc"; other punctuation splits words.
    without_periods = text.replace(".", "")
    return " ".join(_NON_WORD.sub(" ", without_periods).casefold().split())


def normalize_state(text: str) -> str | None:
    """Return the USPS code for a state written as a code or a name, or ``None``.

    Case and punctuation do not matter: ``"colorado"``, ``"CO"``,
    ``"Puerto Rico"``, ``"District of Columbia"`` and ``"D.C."`` are all
    understood, and so is a name misspelt the way it sounds (``"Colorodo"``,
    matched phonetically by ``us``). Digits (FIPS codes) are not. Only codes
    in :data:`STATE_CODES` are returned, so military (``"AE"``) and freely
    associated states (``"FM"``) give ``None``.
    """
    cleaned = _clean_state_text(text)
    if len(cleaned) < 2 or cleaned.isdigit():
        # `us` reads two digits as a FIPS code; "08" is not how anyone types Colorado.
        return None
    alias = _STATE_ALIASES.get(cleaned)
    if alias is not None:
        return alias
    try:
        state = us.states.lookup(cleaned)
    except (ValueError, TypeError, IndexError):
        # The phonetic matcher inside `us` is not written for arbitrary text.
        return None
    if state is None or state.abbr not in STATE_CODES:
        return None
    return str(state.abbr)


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

    def zip_point(self, zip5: str) -> tuple[float, float, str, str] | None:
        """Return ``(lat, lon, state, city)`` for a 5-digit ZIP, or ``None`` if unknown."""
        row = self._zip_rows.get(zip5)
        if row is None:
            return None
        return (
            float(self._zip_lat[row]),
            float(self._zip_lon[row]),
            self._zip_states[row],
            self._zip_cities[row],
        )

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
        """Return the cities called ``name`` (in ``state`` when given), biggest first.

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
        places before tiny ones when the spellings are about as close; when
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
        scored: dict[str, float] = {}
        for close_key in difflib.get_close_matches(key, pool, n=limit * 4, cutoff=0.75):
            matcher.set_seq1(close_key)
            ratio = matcher.ratio()
            for i in places.positions(close_key):
                if state_code is not None and places.state[i] != state_code:
                    continue
                # A small size bonus: "Pheonix" means Phoenix, AZ more often than Phenix, VA.
                score = ratio + 0.02 * math.log(places.zip_count[i]) - 0.05 * places.is_alias[i]
                label = places.label(i)
                scored[label] = max(score, scored.get(label, -math.inf))
        return sorted(scored, key=lambda label: -scored[label])[:limit]


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
        run_starts = np.flatnonzero(np.diff(sorted_codes, prepend=-1) != 0)
        run_stops = np.append(run_starts[1:], len(order))[: len(run_starts)]
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
            starts=dict(zip(key_list, run_starts.tolist(), strict=True)),
            stops=dict(zip(key_list, run_stops.tolist(), strict=True)),
        )

    def positions(self, key: str) -> range:
        start = self.starts.get(key)
        return range(0) if start is None else range(start, self.stops[key])

    def label(self, i: int) -> str:
        return f"{self.city[i]}, {self.state[i]}"

    def match(self, i: int) -> CityMatch:
        return CityMatch(
            city=self.city[i],
            state=self.state[i],
            lat=self.lat[i],
            lon=self.lon[i],
            zip=self.zip[i],
            zip_count=self.zip_count[i],
            is_alias=self.is_alias[i],
        )


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
    codes, uniques = pd.factorize(places["state"] + "|" + places["key"], sort=True)
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
    nearest = order[np.flatnonzero(np.diff(codes[order], prepend=-1) != 0)]
    first_row = np.zeros(n_groups, dtype=np.intp)
    first_row[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the first spelling seen wins
    frame = places.iloc[first_row][["city", "state"]].reset_index(drop=True)
    frame["lat"] = centre_lat
    frame["lon"] = centre_lon
    frame["zip"] = places["zip"].to_numpy()[nearest]
    frame["key"] = places["key"].to_numpy()[first_row]
    frame["zip_count"] = np.bincount(codes, minlength=n_groups).astype(np.int64)
    return frame


def build_gazetteer(records: Sequence[ZipRecord]) -> Gazetteer:
    """Build a :class:`Gazetteer` from ``zipcodes``-style records.

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
    # "ST|key" strings rather than tuples: strings are invisible to the garbage collector.
    primary_pairs = set((primary["state"] + "|" + primary["key"]).tolist())
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
    return Gazetteer(zips=zips, cities=cities, aliases=_city_points(alias_places))


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
        return build_gazetteer(_list_zip_records())


@functools.lru_cache(maxsize=1)
def get_gazetteer() -> Gazetteer:
    """Return the process-wide gazetteer, building it on first use."""
    return load_gazetteer()
