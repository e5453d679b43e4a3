"""Find the clinics that fit a patient: near them, and at home in their state.

``index_clinics(table)`` turns the loaded table into numpy arrays once (vocabulary
columns become bit masks, states served become a 64-bit mask); ``search(index,
query)`` is then a handful of vectorised operations with no Python loop per
row. The app and the CLI build the index once per data file and reuse it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from directory import schema
from directory.distance import great_circle_miles
from directory.facts import DISTANCE_COLUMN as DISTANCE_COLUMN
from directory.filters import (
    DEFAULT_RADIUS_MILES,
    FilterValue,
    all_filters,
    check_radius,
    check_values,
    filter_named,
)
from directory.gazetteer import STATE_CODES
from directory.geocoding import Origin

NEAREST_OUTSIDE_COUNT = 3
NEAREST_BOUND_MILES = 250.0
"""The farthest a "nearest clinic further away" may be, unless it is in the patient's state."""

_STATE_BITS: dict[str, int] = {code: bit for bit, code in enumerate(sorted(STATE_CODES))}
_ALL_STATES_MASK = np.uint64((1 << len(_STATE_BITS)) - 1)

BoolArray = npt.NDArray[np.bool_]
MaskArray = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class SearchQuery:
    """What the patient asked for: a place, a distance and the filters that are on.

    ``filters`` maps filter names (:data:`directory.filters.FILTERS`) to values; each is
    checked and made canonical by its filter, and filters left at their default are
    dropped, so two queries asking for the same thing are equal.
    """

    origin: Origin
    radius_miles: float = DEFAULT_RADIUS_MILES
    filters: Mapping[str, FilterValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "radius_miles", check_radius(self.radius_miles))
        object.__setattr__(self, "filters", MappingProxyType(check_values(self.filters)))

    def value(self, name: str) -> FilterValue:
        """The value of one filter (its default when it is off)."""
        return self.filters.get(name, filter_named(name).default)

    def without(self, name: str) -> SearchQuery:
        """The same query with one filter turned off."""
        rest = {key: value for key, value in self.filters.items() if key != name}
        return dataclasses.replace(self, filters=rest)

    def __hash__(self) -> int:
        return hash((self.origin, self.radius_miles, tuple(sorted(self.filters.items()))))


@dataclass(frozen=True)
class SearchResult:
    """Three answers to one query, as tables with every column of the data.

    ``in_person`` and ``nearest_outside_radius`` carry ``distance_miles`` and are
    sorted by distance, then name; ``at_home`` is sorted by name.
    """

    query: SearchQuery
    in_person: pd.DataFrame
    at_home: pd.DataFrame
    nearest_outside_radius: pd.DataFrame

    @property
    def origin(self) -> Origin:
        return self.query.origin


@dataclass(frozen=True)
class ClinicIndex:
    """The usable clinic rows as numpy arrays, built once per data file.

    ``filter_arrays`` holds what each filter's ``prepare`` made of the table.
    """

    table: pd.DataFrame
    is_clinic: BoolArray
    is_telehealth: BoolArray
    lat_deg: npt.NDArray[np.float64]
    lon_deg: npt.NDArray[np.float64]
    states_served: MaskArray
    state: npt.NDArray[np.object_]
    """Each clinic's USPS state code (blank for at-home providers)."""
    filter_arrays: Mapping[str, np.ndarray[Any, Any]]
    name_order: npt.NDArray[np.int64] = field(repr=False)
    records: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    """Each row of ``table`` as a plain dict, made once (see :meth:`head_records`)."""
    row_of: Mapping[str, int] = field(default_factory=dict, repr=False)
    """The row of each clinic ``id``."""

    def __len__(self) -> int:
        return len(self.table)

    def head_records(self, rows: pd.DataFrame, count: int) -> list[dict[str, Any]]:
        """The first ``count`` of ``rows`` (rows of ``table``, such as a search's answer,
        with any columns of its own like ``distance_miles``) as plain dicts.

        A page draws a card per row: pandas costs tens of microseconds a call however small
        the table, so building each row from the table cost more than drawing it.
        """
        head = rows.iloc[:count]
        ids = head["id"].tolist()
        if not ids:
            return []
        if len(self.records) != len(self.table) or any(i not in self.row_of for i in ids):
            return head.to_dict("records")  # type: ignore[return-value]  # not rows of this index
        own = [column for column in head.columns if column not in self.records[0]]
        extra = {column: head[column].tolist() for column in own}
        found = []
        for position, clinic_id in enumerate(ids):
            record = dict(self.records[self.row_of[clinic_id]])
            record.update((column, values[position]) for column, values in extra.items())
            found.append(record)
        return found


def index_clinics(table: pd.DataFrame) -> ClinicIndex:
    """Arrays for fast search over a loaded clinic table (rows without a point are dropped)."""
    kind = table["kind"].to_numpy(dtype=object)
    has_point = ~(table[schema.LAT].isna() | table[schema.LON].isna()).to_numpy()
    keep = (kind == "telehealth") | ((kind == "clinic") & has_point)
    usable = table[keep].reset_index(drop=True)
    name_keys = schema.normalize_keys(usable["name"]).to_numpy(dtype=str)
    # Object columns for the rows searches hand out: every search takes a few rows of every
    # column, and numpy takes them about 3x faster than Arrow-backed strings. The
    # vectorised text work above and in ``prepare`` still runs on the Arrow columns.
    texts = [column for column in usable.columns if _is_arrow_text(usable[column])]
    return ClinicIndex(
        table=usable.astype(dict.fromkeys(texts, object)),
        is_clinic=(usable["kind"] == "clinic").to_numpy(dtype=bool),
        is_telehealth=(usable["kind"] == "telehealth").to_numpy(dtype=bool),
        lat_deg=usable[schema.LAT].to_numpy(dtype=np.float64),
        lon_deg=usable[schema.LON].to_numpy(dtype=np.float64),
        states_served=_state_masks(usable["service_states"]),
        state=usable["state"].fillna("").astype(str).to_numpy(dtype=object),
        filter_arrays={entry.name: entry.prepare(usable) for entry in all_filters()},
        # Rank of each row by name, so ties in distance sort by name without strings.
        name_order=np.argsort(np.argsort(name_keys, kind="stable"), kind="stable").astype(np.int64),
        records=tuple(usable.to_dict("records")),
        row_of={str(clinic_id): row for row, clinic_id in enumerate(usable["id"].tolist())},
    )


def search(clinics: ClinicIndex | pd.DataFrame, query: SearchQuery) -> SearchResult:
    """Clinics that pass every filter near the origin, plus at-home providers for its state.

    Near means within the radius; when the origin is a whole state ("Colorado"), it means
    in that state, listed from its centre outwards but without a distance (a distance from
    the middle of a state would mean nothing to the patient). When nothing is near,
    ``nearest_outside_radius`` holds the nearest matches still within reach: in the same
    state, or within :data:`NEAREST_BOUND_MILES`.
    """
    index = clinics if isinstance(clinics, ClinicIndex) else index_clinics(clinics)
    wanted = _filter_mask(index, query)

    candidates = np.flatnonzero(wanted & index.is_clinic)
    miles = great_circle_miles(
        query.origin.lat, query.origin.lon, index.lat_deg[candidates], index.lon_deg[candidates]
    )
    in_state = index.state[candidates] == query.origin.state
    whole_state = query.origin.precision == "state"
    inside = in_state if whole_state else miles <= query.radius_miles
    in_person = _rows(index, candidates[inside], miles[inside])
    if whole_state:
        in_person[DISTANCE_COLUMN] = np.nan

    state_bit = _STATE_BITS.get(query.origin.state)
    serves_state = (
        (index.states_served & np.uint64(1 << state_bit)) != 0
        if state_bit is not None
        else np.zeros(len(index), dtype=bool)
    )
    at_home_rows = np.flatnonzero(wanted & index.is_telehealth & serves_state)
    at_home_rows = at_home_rows[np.argsort(index.name_order[at_home_rows], kind="stable")]
    at_home = index.table.iloc[at_home_rows].reset_index(drop=True)

    if len(in_person) or whole_state:
        nearest = in_person.iloc[0:0]
    else:
        # Never offer a clinic out of reach (Denver -> Orlando): same state or close enough.
        outside = ~inside & (in_state | (miles <= NEAREST_BOUND_MILES))
        order = np.argsort(miles[outside], kind="stable")[:NEAREST_OUTSIDE_COUNT]
        nearest = _rows(index, candidates[outside][order], miles[outside][order])
    return SearchResult(query, in_person, at_home, nearest)


def _filter_mask(index: ClinicIndex, query: SearchQuery) -> BoolArray:
    wanted = np.ones(len(index), dtype=bool)
    for entry in all_filters():  # in table order: the costly text match comes last
        if entry.name in query.filters:
            wanted = entry.match(index.filter_arrays[entry.name], query.filters[entry.name], wanted)
    return wanted


def _rows(
    index: ClinicIndex, positions: npt.NDArray[np.intp], miles: npt.NDArray[np.float64]
) -> pd.DataFrame:
    order = np.lexsort((index.name_order[positions], miles))
    rows = index.table.iloc[positions[order]].reset_index(drop=True)
    rows.insert(0, DISTANCE_COLUMN, miles[order])
    return rows


def _is_arrow_text(column: pd.Series) -> bool:
    return column.dtype != object and pd.api.types.is_string_dtype(column.dtype)


def _state_masks(values: pd.Series) -> MaskArray:
    lookup: dict[str, np.uint64] = {}
    for value in values.unique():
        codes = str(value).split(schema.CANONICAL_LIST_SEPARATOR)
        if schema.SERVICE_STATES_ALL in codes:
            lookup[value] = _ALL_STATES_MASK
        else:
            lookup[value] = np.uint64(sum(1 << _STATE_BITS[c] for c in codes if c in _STATE_BITS))
    return values.map(lookup).to_numpy(dtype=np.uint64)


@dataclass(frozen=True)
class Relaxation:
    """One filter the patient could turn off, and how many clinics nearby that would show."""

    filter: str
    """The filter's name (:data:`directory.filters.FILTERS`)."""
    description: str
    in_person_count: int


def suggest_relaxations(index: ClinicIndex, query: SearchQuery) -> list[Relaxation]:
    """For each active filter, how many clinics within the radius turning it off would show.

    Only filters that would bring back at least one clinic are listed, most helpful
    first, so an empty page can say which filter is in the way.
    """
    found: list[Relaxation] = []
    for entry in all_filters():
        if entry.name not in query.filters:
            continue
        count = len(search(index, query.without(entry.name)).in_person)
        if count:
            found.append(Relaxation(entry.name, entry.relax, count))
    return sorted(found, key=lambda r: -r.in_person_count)


def suggest_wider_radius(
    index: ClinicIndex, query: SearchQuery, choices: tuple[int, ...]
) -> tuple[int, int] | None:
    """The smallest of ``choices`` beyond the query's radius that finds a clinic, and how many.

    None when even the widest finds none (or the radius is already the widest).
    """
    for miles in choices:
        if miles <= query.radius_miles:
            continue
        count = len(search(index, dataclasses.replace(query, radius_miles=float(miles))).in_person)
        if count:
            return miles, count
    return None
