"""US place names as people type them: state codes and names, and city-name keys.

:func:`normalize_state` turns ``"Colorado"``, ``"co"`` or ``"D.C."`` into a USPS
code from :data:`STATE_CODES`; :func:`normalize_city` turns a city name into
the key the gazetteer looks cities up by, so ``"St. Louis"`` and
``"Saint Louis"`` are the same place.
"""

from __future__ import annotations

import re
import unicodedata

import us

__all__ = ["STATE_CODES", "normalize_city", "normalize_state"]

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
