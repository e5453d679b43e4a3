"""Phase 1 of the validation: every column read from its cells into a new, normalised table.

:func:`normalise` is pure: the table of cells from :mod:`directory.csvfile` goes in
untouched; out come the normalised columns and, for each column, which cells could not
be read (kept as typed) and what the checks of phase 2 (:mod:`directory.rules`) need to
say why. A normaliser reads only its own column's cells; the one column whose reading
depends on another, ``modalities`` (``oral`` on a telehealth row means at home), is given
the normalised ``kind`` explicitly. Each distinct cell value is parsed once, so 100k rows
stay fast.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from directory import phones, schema
from directory.csvfile import is_blank
from directory.gazetteer import normalize_state
from directory.locations import Place, normalise_place, place_columns
from directory.schema import Column, ColumnType, Vocabulary

BoolArray = npt.NDArray[np.bool_]

IN_CLINIC_ONLY: tuple[str, ...] = ("iv", "im", "nasal")
"""Modalities only ever given in a clinic: an error on a telehealth row."""
ORAL, AT_HOME = "oral", "at_home"

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(
    # One address, ASCII only: a local part of letters, digits and . _ % + ' - (no dot at
    # either end, none doubled), then a domain of letter-digit-dash labels ending in a
    # letter TLD. Deliberately narrower than RFC 5322: no quotes, brackets, parentheses,
    # spaces, colons or commas, so no mailto:, no second address and no Markdown or HTML.
    r"[A-Za-z0-9_%+'-]+(?:\.[A-Za-z0-9_%+'-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})"
)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_BARE_DOMAIN = re.compile(
    r"^(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:[/?#]\S*)?$"
)
_PRICE_DECORATION = re.compile(r"[$,\s]|usd", re.IGNORECASE)


@dataclass(frozen=True)
class Parsed:
    """One column read from its cells: ``values`` as normalised, ``cells`` as typed.

    ``unparsed`` marks the cells that could not be read; ``values`` keeps those as typed.
    """

    cells: pd.Series
    values: pd.Series
    unparsed: BoolArray


@dataclass(frozen=True)
class ParsedList(Parsed):
    """A column of ``;``-separated values: ``unknown`` maps a cell to its unknown parts."""

    unknown: dict[str, list[str]]


@dataclass(frozen=True)
class ParsedModalities(ParsedList):
    """``modalities``; ``folded`` marks telehealth rows whose ``oral`` was read as at_home."""

    folded: BoolArray


@dataclass(frozen=True)
class ParsedWebAddress(Parsed):
    """A link column: ``fixed`` maps a bare domain to the https:// address it was read as;
    ``schemes`` maps each unparsed cell to its scheme if not http(s), else ``""``."""

    fixed: dict[str, str]
    schemes: dict[str, str]


@dataclass(frozen=True)
class ParsedPrice(Parsed):
    """Prices: ``numbers`` as read (NaN if blank or not a number), ``negative`` below 0."""

    numbers: pd.Series
    negative: BoolArray


@dataclass(frozen=True)
class ParsedDate(Parsed):
    """Dates: ``parsed`` as timestamps (NaT if blank or not a date), ``future`` after today.

    A date in the future is kept as typed: it is an error, never a date to show.
    """

    parsed: pd.Series
    future: BoolArray


P = TypeVar("P", bound=Parsed)


@dataclass(frozen=True)
class Normalised:
    """What phase 1 read from a table of cells: the input of every phase-2 check.

    ``cells`` is the table as read (not changed); ``table`` the new normalised table: the
    same columns in the same order, then the map-point columns. ``missing_columns`` are
    required columns the header lacked.
    """

    cells: pd.DataFrame
    lines: npt.NDArray[np.int64]
    missing_columns: tuple[str, ...]
    columns: dict[str, Parsed]
    """Every schema column but ``zip``, ``latitude`` and ``longitude`` (those are ``place``)."""
    place: Place
    is_clinic: BoolArray
    is_telehealth: BoolArray
    table: pd.DataFrame

    def column(self, name: str, kind: type[P]) -> P:
        """The parsed column ``name``, which must be of type ``kind``."""
        parsed = self.columns[name]
        if not isinstance(parsed, kind):
            raise TypeError(f"column {name!r} is a {type(parsed).__name__}, not {kind.__name__}")
        return parsed


def normalise(cells: pd.DataFrame, today: date) -> Normalised:
    """Read every column of ``cells`` (from :func:`directory.csvfile.build_table`).

    ``today`` decides which dates are in the future (kept as typed). ``cells`` itself is
    never changed.
    """
    kind = _choice(cells["kind"], schema.COLUMNS_BY_NAME["kind"])
    is_telehealth = (kind.values == "telehealth").to_numpy()
    columns: dict[str, Parsed] = {"kind": kind}
    for column in schema.COLUMNS:
        values = cells[column.name]
        if column.name in columns or column.type in _PLACE_TYPES:
            continue
        if column.name == "modalities":
            columns[column.name] = _modalities(values, column, is_telehealth)
        elif column.type is ColumnType.DATE:
            columns[column.name] = _date(values, today)
        else:
            columns[column.name] = _READERS[column.type](values, column)
    place = normalise_place(cells)
    normalised = {name: parsed.values for name, parsed in columns.items()} | place_columns(place)
    table = pd.DataFrame(
        {name: normalised.get(name, cells[name]) for name in cells.columns}
        | {name: normalised[name] for name in _MAP_POINT},
        index=cells.index,
    )
    table.attrs = copy.deepcopy(cells.attrs)
    return Normalised(
        cells=cells,
        lines=cells[schema.LINE].to_numpy(dtype=np.int64),
        missing_columns=tuple(cells.attrs.get("missing_columns", ())),
        columns=columns,
        place=place,
        is_clinic=(kind.values == "clinic").to_numpy(),
        is_telehealth=is_telehealth,
        table=table,
    )


_PLACE_TYPES = (ColumnType.ZIP, ColumnType.LATITUDE, ColumnType.LONGITUDE)
_MAP_POINT = (schema.LAT, schema.LON, schema.COORDINATES_APPROXIMATE)


def _as_typed(values: pd.Series, _column: Column) -> Parsed:
    return Parsed(values, values, np.zeros(len(values), dtype=bool))


def _id(values: pd.Series, _column: Column) -> Parsed:
    malformed = ~values.str.fullmatch(_ID).to_numpy(dtype=bool) & ~is_blank(values)
    return Parsed(values, values, malformed)


def _choice(values: pd.Series, column: Column) -> Parsed:
    vocabulary = vocabulary_of(column)
    codes = values.map({value: vocabulary.code_for(value) for value in values.unique()})
    blank = is_blank(values)
    unknown = codes.isna().to_numpy() & ~blank
    result = codes.fillna("")
    if column.default:
        result = result.mask(pd.Series(blank, index=result.index), column.default)
    return Parsed(values, result.where(~unknown, values).astype(str), unknown)


def vocabulary_of(column: Column) -> Vocabulary:
    """The vocabulary of a column of choices (a TypeError for any other column)."""
    if column.vocabulary is None:
        raise TypeError(f"column {column.name!r} has no vocabulary")
    return column.vocabulary


def _choices(values: pd.Series, column: Column) -> ParsedList:
    vocabulary = vocabulary_of(column)
    normalised: dict[str, str] = {}
    unknown: dict[str, list[str]] = {}
    for value in values.unique():
        codes: set[str] = set()
        bad: list[str] = []
        for token in _tokens(value):
            code = vocabulary.code_for(token)
            if code is None:
                bad.append(token)
            else:
                codes.add(code)
        normalised[value] = _joined(codes, vocabulary)
        if bad:
            unknown[value] = bad
    unparsed = values.isin(list(unknown)).to_numpy() if unknown else _none(values)
    return ParsedList(values, values.map(normalised).astype(str), unparsed, unknown)


def _tokens(value: str) -> list[str]:
    return [token for token in map(str.strip, schema.LIST_SEPARATORS.split(value)) if token]


def _joined(codes: set[str], vocabulary: Vocabulary) -> str:
    """Codes in vocabulary order, ``;``-separated: the one spelling of a list cell."""
    order = {code: i for i, code in enumerate(vocabulary.codes)}
    return schema.CANONICAL_LIST_SEPARATOR.join(sorted(codes, key=order.__getitem__))


def _none(values: pd.Series) -> BoolArray:
    return np.zeros(len(values), dtype=bool)


def _modalities(values: pd.Series, column: Column, is_telehealth: BoolArray) -> ParsedModalities:
    """Modalities; on a telehealth row ``oral`` is folded into ``at_home``.

    Admins write ``at_home;oral`` for sublingual tablets taken at home, which is what
    ``at_home`` means; a telehealth row listing in-clinic-only care (iv, im, nasal) is
    left alone, for phase 2 to reject.
    """
    listed = _choices(values, column)
    codes = listed.values
    vocabulary = vocabulary_of(column)
    folds: dict[str, str] = {}
    for value in codes[is_telehealth].unique():
        parts = set(value.split(schema.CANONICAL_LIST_SEPARATOR))
        if ORAL in parts and not parts.intersection(IN_CLINIC_ONLY):
            folds[value] = _joined((parts - {ORAL}) | {AT_HOME}, vocabulary)
    if not folds:
        return ParsedModalities(listed.cells, codes, listed.unparsed, listed.unknown, _none(values))
    folded = is_telehealth & codes.isin(list(folds)).to_numpy()
    result = codes.mask(pd.Series(folded, index=codes.index), codes.map(folds)).astype(str)
    return ParsedModalities(listed.cells, result, listed.unparsed, listed.unknown, folded)


# Service-state lists repeat the same few dozen names; look each up once.
_state_code = lru_cache(maxsize=4096)(normalize_state)


def _state(values: pd.Series, _column: Column) -> Parsed:
    codes = values.map({value: _state_code(value) for value in values.unique() if value})
    blank = is_blank(values)
    bad = codes.isna().to_numpy() & ~blank
    normalised = codes.where(~pd.Series(bad | blank, index=codes.index), values).astype(str)
    return Parsed(values, normalised, bad)


_ALL_SPELLINGS = (schema.SERVICE_STATES_ALL, "ALL STATES", "NATIONWIDE")


def _service_states(values: pd.Series, _column: Column) -> ParsedList:
    normalised: dict[str, str] = {}
    unknown: dict[str, list[str]] = {}
    for value in values.unique():
        found: set[str] = set()
        bad: list[str] = []
        for token in _tokens(value):
            code = schema.SERVICE_STATES_ALL if token.upper() in _ALL_SPELLINGS else None
            code = code or _state_code(token)
            if code is None:
                bad.append(token)
            else:
                found.add(code)
        normalised[value] = (
            schema.SERVICE_STATES_ALL
            if schema.SERVICE_STATES_ALL in found
            else schema.CANONICAL_LIST_SEPARATOR.join(sorted(found))
        )
        if bad:
            unknown[value] = bad
    unparsed = values.isin(list(unknown)).to_numpy() if unknown else _none(values)
    return ParsedList(values, values.map(normalised).astype(str), unparsed, unknown)


def _phone(values: pd.Series, _column: Column) -> Parsed:
    formatted = phones.format_phones(values)
    bad = formatted.isna().to_numpy() & ~is_blank(values)
    normalised = formatted.where(~pd.Series(bad, index=formatted.index), values)
    return Parsed(values, normalised.fillna("").astype(str), bad)


def _web_address(values: pd.Series, _column: Column) -> ParsedWebAddress:
    fixed: dict[str, str] = {}
    schemes: dict[str, str] = {}
    for value in values.unique():
        if not value or schema.WEB_ADDRESS.fullmatch(value):
            continue
        scheme = _SCHEME.match(value)
        if scheme and scheme.group(1).lower() not in ("http", "https"):
            schemes[value] = scheme.group(1).lower()
        elif not scheme and _BARE_DOMAIN.match(value):
            fixed[value] = "https://" + value
        else:
            schemes[value] = ""
    normalised = values
    if fixed:
        normalised = values.map({value: fixed.get(value, value) for value in values.unique()})
        normalised = normalised.astype(str)
    unparsed = values.isin(list(schemes)).to_numpy() if schemes else _none(values)
    return ParsedWebAddress(values, normalised, unparsed, fixed, schemes)


def _email(values: pd.Series, _column: Column) -> Parsed:
    is_address = {value: bool(_EMAIL.fullmatch(value)) for value in values.unique()}
    malformed = ~values.map(is_address).to_numpy(dtype=bool) & ~is_blank(values)
    return Parsed(values, values, malformed)


def _price(values: pd.Series, _column: Column) -> ParsedPrice:
    cleaned = values.str.replace(_PRICE_DECORATION, "", regex=True)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    not_number = numbers.isna().to_numpy() & ~is_blank(values)
    negative = (numbers < 0).to_numpy(dtype=bool)
    kept = numbers.where(~(negative | not_number)).astype(np.float64)
    return ParsedPrice(values, kept, not_number, numbers, negative)


def _date(values: pd.Series, today: date) -> ParsedDate:
    parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    # Excel often rewrites dates as 9/14/2026; accept that and store it as ISO.
    parsed = parsed.fillna(pd.to_datetime(values, format="%m/%d/%Y", errors="coerce"))
    malformed = parsed.isna().to_numpy() & ~is_blank(values)
    future = (parsed > pd.Timestamp(today)).to_numpy(dtype=bool)
    iso = parsed.dt.strftime("%Y-%m-%d")
    kept = iso.where(~pd.Series(malformed | future, index=iso.index), values)
    return ParsedDate(values, kept.fillna("").astype(str), malformed, parsed, future)


_READERS: dict[ColumnType, Callable[[pd.Series, Column], Parsed]] = {
    ColumnType.ID: _id,
    ColumnType.TEXT: _as_typed,
    ColumnType.CHOICE: _choice,
    ColumnType.CHOICES: _choices,
    ColumnType.STATE: _state,
    ColumnType.STATES: _service_states,
    ColumnType.PHONE: _phone,
    ColumnType.URL: _web_address,
    ColumnType.EMAIL: _email,
    ColumnType.PRICE: _price,
}
