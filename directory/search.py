"""Find the clinics that fit a patient: near them, and at home in their state.

``index_clinics(table)`` turns the loaded table into numpy arrays once (vocabulary
columns become bit masks, states served become a 64-bit mask); ``search(index,
query)`` is then a handful of vectorised operations with no Python loop per
row. The app and the CLI build the index once per data file and reuse it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from directory import schema
from directory.distance import great_circle_miles
from directory.errors import QueryError
from directory.gazetteer import STATE_CODES
from directory.geocoding import Origin
from directory.schema import Vocabulary

DEFAULT_RADIUS_MILES = 25.0
MAX_RADIUS_MILES = 3000.0
NEAREST_OUTSIDE_COUNT = 3
DISTANCE_COLUMN = "distance_miles"

_STATE_BITS: dict[str, int] = {code: bit for bit, code in enumerate(sorted(STATE_CODES))}
_ALL_STATES_MASK = np.uint64((1 << len(_STATE_BITS)) - 1)
_FILTERED_VOCABULARIES = {
    "modalities": schema.MODALITIES,
    "conditions": schema.CONDITIONS,
    "payment": schema.PAYMENT,
}

BoolArray = npt.NDArray[np.bool_]
MaskArray = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class SearchQuery:
    """What the patient asked for. Codes are checked against the schema's vocabularies.

    ``modalities`` and ``payment`` match any of the given codes; ``conditions``
    must all be treated (a patient with PTSD and depression needs both).
    """

    origin: Origin
    radius_miles: float = DEFAULT_RADIUS_MILES
    modalities: frozenset[str] = frozenset()
    conditions: frozenset[str] = frozenset()
    payment: frozenset[str] = frozenset()
    va: bool = False
    no_therapist_required: bool = False
    max_price_usd: float | None = None
    accepting: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        if not np.isfinite(self.radius_miles) or not 0 < self.radius_miles <= MAX_RADIUS_MILES:
            raise QueryError(
                f"radius must be more than 0 and at most {MAX_RADIUS_MILES:.0f} miles, not "
                f"{self.radius_miles!r}"
            )
        if self.max_price_usd is not None and (
            not np.isfinite(self.max_price_usd) or self.max_price_usd < 0
        ):
            raise QueryError(
                f"maximum price must be 0 or more US dollars, not {self.max_price_usd!r}"
            )
        for column, vocabulary in _FILTERED_VOCABULARIES.items():
            unknown = sorted(set(getattr(self, column)) - set(vocabulary.codes))
            if unknown:
                raise QueryError(
                    f"{', '.join(map(repr, unknown))} is not a {vocabulary.noun}; "
                    f"use {vocabulary.allowed_text()}"
                )


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
    """The usable clinic rows as numpy arrays, built once per data file."""

    table: pd.DataFrame
    is_clinic: BoolArray
    is_telehealth: BoolArray
    lat_deg: npt.NDArray[np.float64]
    lon_deg: npt.NDArray[np.float64]
    masks: Mapping[str, MaskArray]
    states_served: MaskArray
    va_covered: BoolArray
    therapist_required: BoolArray
    price_usd: npt.NDArray[np.float64]
    accepting: BoolArray
    name_keys: pd.Series
    name_order: npt.NDArray[np.int64] = field(repr=False)

    def __len__(self) -> int:
        return len(self.table)


def index_clinics(table: pd.DataFrame) -> ClinicIndex:
    """Arrays for fast search over a loaded clinic table (rows without a point are dropped)."""
    kind = table["kind"].to_numpy(dtype=object)
    has_point = ~(table[schema.LAT].isna() | table[schema.LON].isna()).to_numpy()
    keep = (kind == "telehealth") | ((kind == "clinic") & has_point)
    usable = table[keep].reset_index(drop=True)
    name_keys = schema.normalize_keys(usable["name"])
    return ClinicIndex(
        table=usable,
        is_clinic=(usable["kind"] == "clinic").to_numpy(dtype=bool),
        is_telehealth=(usable["kind"] == "telehealth").to_numpy(dtype=bool),
        lat_deg=usable[schema.LAT].to_numpy(dtype=np.float64),
        lon_deg=usable[schema.LON].to_numpy(dtype=np.float64),
        masks={
            column: _bit_masks(usable[column], vocabulary)
            for column, vocabulary in _FILTERED_VOCABULARIES.items()
        },
        states_served=_state_masks(usable["service_states"]),
        va_covered=usable["va_coverage"].isin(list(schema.VA_COVERED)).to_numpy(dtype=bool),
        therapist_required=(usable["therapist_requirement"] == "required").to_numpy(dtype=bool),
        price_usd=pd.to_numeric(usable["price_per_session_usd"], errors="coerce").to_numpy(
            dtype=np.float64
        ),
        accepting=(usable["accepting_new_patients"] == "yes").to_numpy(dtype=bool),
        name_keys=name_keys,
        # Rank of each row by name, so ties in distance sort by name without strings.
        name_order=np.argsort(
            np.argsort(name_keys.to_numpy(dtype=str), kind="stable"), kind="stable"
        ).astype(np.int64),
    )


def search(clinics: ClinicIndex | pd.DataFrame, query: SearchQuery) -> SearchResult:
    """Clinics within the radius that pass every filter, plus at-home providers for the state."""
    index = clinics if isinstance(clinics, ClinicIndex) else index_clinics(clinics)
    wanted = _filter_mask(index, query)

    candidates = np.flatnonzero(wanted & index.is_clinic)
    miles = great_circle_miles(
        query.origin.lat, query.origin.lon, index.lat_deg[candidates], index.lon_deg[candidates]
    )
    inside = miles <= query.radius_miles
    in_person = _rows(index, candidates[inside], miles[inside])

    state_bit = _STATE_BITS.get(query.origin.state)
    serves_state = (
        (index.states_served & np.uint64(1 << state_bit)) != 0
        if state_bit is not None
        else np.zeros(len(index), dtype=bool)
    )
    at_home_rows = np.flatnonzero(wanted & index.is_telehealth & serves_state)
    at_home_rows = at_home_rows[np.argsort(index.name_order[at_home_rows], kind="stable")]
    at_home = index.table.iloc[at_home_rows].reset_index(drop=True)

    if len(in_person):
        nearest = in_person.iloc[0:0]
    else:
        outside = ~inside
        order = np.argsort(miles[outside], kind="stable")[:NEAREST_OUTSIDE_COUNT]
        nearest = _rows(index, candidates[outside][order], miles[outside][order])
    return SearchResult(query, in_person, at_home, nearest)


def _filter_mask(index: ClinicIndex, query: SearchQuery) -> BoolArray:
    wanted = np.ones(len(index), dtype=bool)
    if query.modalities:
        wanted &= (index.masks["modalities"] & _mask_of(query.modalities, schema.MODALITIES)) != 0
    if query.conditions:
        needed = _mask_of(query.conditions, schema.CONDITIONS)
        wanted &= (index.masks["conditions"] & needed) == needed
    if query.payment:
        wanted &= (index.masks["payment"] & _mask_of(query.payment, schema.PAYMENT)) != 0
    if query.va:
        wanted &= index.va_covered
    if query.no_therapist_required:
        wanted &= ~index.therapist_required
    if query.max_price_usd is not None:
        # NaN (no price listed) compares False, so unpriced rows drop out as documented.
        wanted &= index.price_usd <= query.max_price_usd
    if query.accepting:
        wanted &= index.accepting
    name = schema.normalize_key(query.name)
    if name:
        # Text matching is the slow part: run it only on rows that passed the rest.
        survivors = np.flatnonzero(wanted)
        matches = index.name_keys.iloc[survivors].str.contains(name, regex=False)
        wanted[survivors[~matches.to_numpy(dtype=bool)]] = False
    return wanted


def _rows(
    index: ClinicIndex, positions: npt.NDArray[np.intp], miles: npt.NDArray[np.float64]
) -> pd.DataFrame:
    order = np.lexsort((index.name_order[positions], miles))
    rows = index.table.iloc[positions[order]].reset_index(drop=True)
    rows.insert(0, DISTANCE_COLUMN, miles[order])
    return rows


def _mask_of(codes: Iterable[str], vocabulary: Vocabulary) -> np.uint64:
    bits = {code: 1 << i for i, code in enumerate(vocabulary.codes)}
    return np.uint64(sum(bits[code] for code in set(codes)))


def _bit_masks(values: pd.Series, vocabulary: Vocabulary) -> MaskArray:
    bits = {code: 1 << i for i, code in enumerate(vocabulary.codes)}
    lookup = {
        value: sum(
            bits.get(code, 0) for code in set(str(value).split(schema.CANONICAL_LIST_SEPARATOR))
        )
        for value in values.unique()
    }
    return values.map(lookup).to_numpy(dtype=np.uint64)


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
    """One filter the patient could drop, and how many clinics that would show."""

    param: str
    description: str
    in_person_count: int


_RELAXABLE: tuple[tuple[str, str, dict[str, object]], ...] = (
    ("modality", "any treatment type", {"modalities": frozenset()}),
    ("condition", "fewer conditions", {"conditions": frozenset()}),
    ("payment", "any payment option", {"payment": frozenset()}),
    ("va", "clinics outside the VA", {"va": False}),
    ("no_therapist", "clinics that require a therapist", {"no_therapist_required": False}),
    ("max_price", "any price", {"max_price_usd": None}),
    ("accepting", "clinics that may not take new patients", {"accepting": False}),
    ("name", "any clinic name", {"name": ""}),
)


def suggest_relaxations(index: ClinicIndex, query: SearchQuery) -> list[Relaxation]:
    """For each active filter, how many clinics within the radius dropping it would show.

    Only filters that would bring back at least one clinic are listed, most helpful
    first, so an empty page can say which filter is in the way.
    """
    found: list[Relaxation] = []
    for param, description, reset in _RELAXABLE:
        looser = dataclasses.replace(query, **reset)  # type: ignore[arg-type]
        if looser == query:
            continue
        count = len(search(index, looser).in_person)
        if count:
            found.append(Relaxation(param, description, count))
    return sorted(found, key=lambda r: -r.in_person_count)
