"""How filters narrow the clinic rows: vectorised masks over the search index.

Each filter in :data:`directory.filters.FILTERS` names a ``prepare`` (an array built once
per data file from the usable table) and a ``match`` (the rows that pass, given the
filter's value and the rows still wanted). They are here, apart from the filter table's
words and value rules, and none loops over rows in Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from directory.vocabularies import Vocabulary, normalize_key, normalize_keys, split_cell

BoolArray = npt.NDArray[np.bool_]
Array = np.ndarray[Any, Any]
Prepare = Callable[[pd.DataFrame], Array]
Match = Callable[[Array, Any, BoolArray], BoolArray]


def bit_masks(column: str, vocabulary: Vocabulary) -> Prepare:
    """One uint64 per row with bit i set when the row lists the vocabulary's i-th code."""

    def prepare(table: pd.DataFrame) -> Array:
        bits = {code: 1 << i for i, code in enumerate(vocabulary.codes)}
        values = table[column]
        # Cells repeat a few hundred combinations: look each distinct one up once.
        lookup = {
            cell: sum(bits.get(c, 0) for c in set(split_cell(cell))) for cell in values.unique()
        }
        return values.map(lookup).to_numpy(dtype=np.uint64)

    return prepare


def mask_of(codes: Sequence[str], vocabulary: Vocabulary) -> np.uint64:
    """The bit mask of some codes, as :func:`bit_masks` sets them."""
    bits = {code: 1 << i for i, code in enumerate(vocabulary.codes)}
    return np.uint64(sum(bits[code] for code in set(codes)))


def any_of(vocabulary: Vocabulary) -> Match:
    return lambda masks, codes, wanted: np.asarray(
        wanted & ((masks & mask_of(codes, vocabulary)) != 0), dtype=bool
    )


def all_of(vocabulary: Vocabulary) -> Match:
    def match(masks: Array, codes: Any, wanted: BoolArray) -> BoolArray:
        needed = mask_of(codes, vocabulary)
        return np.asarray(wanted & ((masks & needed) == needed), dtype=bool)

    return match


def rows_where(test: Callable[[pd.DataFrame], pd.Series]) -> Prepare:
    return lambda table: test(table).to_numpy(dtype=bool)


def speaks(spellings: Sequence[str]) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows whose free-text ``languages`` name one of ``spellings`` as a whole word.

    "English; Spanish", "Español" and "spanish/ASL" match "spanish" (keys fold case and
    accents, :func:`normalize_keys`); "Spanglish" does not.
    """
    pattern = r"\b(?:" + "|".join(re.escape(s) for s in spellings) + r")\b"
    return lambda table: normalize_keys(table["languages"].fillna("")).str.contains(
        pattern, regex=True
    )


def flag(prepared: Array, _value: Any, wanted: BoolArray) -> BoolArray:
    return np.asarray(wanted & prepared, dtype=bool)


def at_most(prepared: Array, value: Any, wanted: BoolArray) -> BoolArray:
    # NaN (no price listed) compares False, so unpriced rows drop out, as the help says.
    return np.asarray(wanted & (prepared <= value), dtype=bool)


def prices(table: pd.DataFrame) -> Array:
    return pd.to_numeric(table["price_per_session_usd"], errors="coerce").to_numpy(np.float64)


def name_keys(table: pd.DataFrame) -> Array:
    return normalize_keys(table["name"]).to_numpy(dtype=object)


def name_contains(keys: Array, text: Any, wanted: BoolArray) -> BoolArray:
    key = normalize_key(str(text))
    if not key:
        return wanted
    # Text matching is the slow part: run it only on the rows that passed the rest.
    survivors = np.flatnonzero(wanted)
    matches = pd.Series(keys[survivors], dtype=str).str.contains(key, regex=False)
    narrowed = wanted.copy()
    narrowed[survivors[~matches.to_numpy(dtype=bool)]] = False
    return narrowed
