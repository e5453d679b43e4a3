"""US place names as people type them: state codes and names, city-name keys and labels.

:func:`normalize_state` turns ``"Colorado"``, ``"co"`` or ``"D.C."`` into a USPS
code from :data:`STATE_CODES` (:func:`exact_state` does the same without the
sounds-like matching); :func:`normalize_city` turns a city name into the key
the gazetteer looks cities up by, so ``"St. Louis"`` and ``"Saint Louis"`` are
the same place; :func:`proper_city_name` turns the USPS spelling
(``"Mcallen"``, ``"O Fallon"``) into the one people write (``"McAllen"``,
``"O'Fallon"``); :data:`NICKNAMES` is the one table of nicknames and New York
City boroughs.

Spanish names of states and of a few well-known cities (``"Nuevo México"``,
``"Carolina del Norte"``, ``"Nueva York"``, ``"Filadelfia"``) are synonyms here: data,
not translations, so they find the same place whatever language the page is in, and the
place is shown back under its English name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import us

__all__ = [
    "NICKNAMES",
    "STATE_CODES",
    "Nickname",
    "exact_state",
    "find_nickname",
    "normalize_city",
    "normalize_state",
    "proper_city_name",
    "state_name",
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
    # Spanish names (accents are dropped before the lookup: "nuevo méxico" is "nuevo mexico").
    # Names that are the same in both languages (Florida, California, Texas, Oregón...) need
    # no entry, and names `us` already matches by sound ("Luisiana", "Pensilvania") are
    # here anyway, so they are exact (and so found when typed alone).
    "carolina del norte": "NC",
    "carolina del sur": "SC",
    "dakota del norte": "ND",
    "dakota del sur": "SD",
    "luisiana": "LA",
    "misisipi": "MS",
    "misuri": "MO",
    "nueva jersey": "NJ",
    "nuevo hampshire": "NH",
    "nueva hampshire": "NH",
    "nuevo mexico": "NM",
    "nuevo mejico": "NM",
    "nueva york": "NY",
    "estado de nueva york": "NY",
    "pensilvania": "PA",
    "hawai": "HI",
    "tenesi": "TN",
    "virginia occidental": "WV",
    "distrito de columbia": "DC",
    "islas virgenes": "VI",
    "islas virgenes de los estados unidos": "VI",
    "islas virgenes estadounidenses": "VI",
    "samoa americana": "AS",
    "islas marianas del norte": "MP",
    "marianas del norte": "MP",
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
# Prefixes USPS writes apart and people write together ("Mc Allister" / "McAllister",
# "De Kalb" / "DeKalb", "O Fallon" / "O'Fallon"): the key joins them to the next word.
_JOINED_PREFIXES = frozenset({"mc", "mac", "o", "d", "de", "la", "le", "du"})

_NON_WORD = re.compile(r"[^\w\s]|_")
_ASCII_PUNCTUATION_TO_SPACE = str.maketrans(
    {char: " " for char in map(chr, range(128)) if not (char.isalnum() or char.isspace())}
)


def normalize_city(name: str) -> str:
    """Return the lookup key for a city name.

    The key is casefolded, stripped of accents and punctuation, has
    ``Saint``/``St.``, ``Fort``/``Ft`` and similar pairs folded to one form,
    has ``Mc``, ``Mac``, ``O``, ``D``, ``De``, ``La``, ``Le`` and ``Du`` joined
    to the word after them, and has whitespace collapsed: ``"St. Louis"`` and
    ``"Saint Louis"`` both give ``"st louis"``, ``"O'Fallon"`` and
    ``"O Fallon"`` both ``"ofallon"``.
    """
    name = name.replace("&", " and ")
    if name.isascii():
        spaced = name.translate(_ASCII_PUNCTUATION_TO_SPACE)  # much faster than a regex
    else:
        decomposed = unicodedata.normalize("NFKD", name)
        stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
        spaced = _NON_WORD.sub(" ", stripped)
    words = _CITY_WORDS
    folded = [words.get(word, word) for word in spaced.casefold().split()]
    if not _JOINED_PREFIXES.isdisjoint(folded[:-1]):
        folded = _join_prefixes(folded)
    return " ".join(folded)


def _join_prefixes(words: list[str]) -> list[str]:
    joined: list[str] = []
    carry = ""
    for word in words[:-1]:
        if word in _JOINED_PREFIXES:
            carry += word
        else:
            joined.append(carry + word)
            carry = ""
    joined.append(carry + words[-1])
    return joined


# ----------------------------------------------------------------------- city labels

# Whole USPS names whose proper form no general rule gives (keys casefolded).
_NAME_EXCEPTIONS: dict[str, str] = {
    "saint jo": "Saint Jo",  # Texas spells it out
    "winston salem": "Winston-Salem",
    "wilkes barre": "Wilkes-Barre",
    "sedro woolley": "Sedro-Woolley",
    "pointe a la hache": "Pointe a la Hache",
}
# Single words USPS writes as one lower-case run; name-only, so keep to unambiguous ones.
_WORD_EXCEPTIONS: dict[str, str] = {
    "dekalb": "DeKalb",
    "desoto": "DeSoto",
    "dewitt": "DeWitt",
    "lagrange": "LaGrange",
    "labelle": "LaBelle",
    "defuniak": "DeFuniak",
    "deridder": "DeRidder",
    "dequincy": "DeQuincy",
    "debary": "DeBary",
    "deforest": "DeForest",
    "demotte": "DeMotte",
    "deland": "DeLand",
    "mcbh": "MCBH",  # Marine Corps Base Hawaii
    "jbsa": "JBSA",  # Joint Base San Antonio
    "afb": "AFB",  # Air Force Base
}
_ABBREVIATIONS: dict[str, str] = {
    "saint": "St.",
    "st": "St.",
    "sainte": "Ste.",
    "ste": "Ste.",
    "mt": "Mt.",
    "ft": "Ft.",
}
# Little words written in lower case inside a name ("Isle of Palms", "Fond du Lac").
_SMALL_WORDS = frozenset({"of", "the", "by", "in", "on", "or", "and", "du", "a"})


def proper_city_name(name: str) -> str:
    """Return a USPS city name the way people write it.

    The ``zipcodes`` data writes ``"Mcallen"``, ``"Mc Allister"``,
    ``"O Fallon"``, ``"Saint Louis"``, ``"Dekalb"`` and ``"Winston-salem"``;
    this gives ``"McAllen"``, ``"McAllister"``, ``"O'Fallon"``,
    ``"St. Louis"``, ``"DeKalb"`` and ``"Winston-Salem"``. ``Mc`` always
    capitalises the next letter; ``Mac`` only when USPS writes it apart
    (``"Mac Arthur"``), so ``"Mack"`` and ``"Macon"`` stay; a lone ``O`` or
    ``D`` takes an apostrophe (``"Coeur d'Alene"``); anything else is a small
    exceptions table. :func:`normalize_city` gives the result the same key as
    the input, so a label typed back finds the same place.
    """
    words = name.split()
    exception = _NAME_EXCEPTIONS.get(" ".join(words).casefold())
    if exception is not None:
        return exception
    out: list[str] = []
    last = len(words) - 1
    i = 0
    while i <= last:
        word = words[i]
        lower = word.casefold()
        if i < last and lower in ("mc", "mac"):
            out.append(lower.capitalize() + _proper_word(words[i + 1]))  # "Mc Allister"
            i += 2
            continue
        if i < last and lower in ("o", "d"):
            prefix = "d'" if lower == "d" and i > 0 else lower.upper() + "'"
            out.append(prefix + _proper_word(words[i + 1]))  # "O Fallon", "Coeur D Alene"
            i += 2
            continue
        if lower in _ABBREVIATIONS:
            out.append(_ABBREVIATIONS[lower])
        elif i > 0 and lower in _SMALL_WORDS:
            out.append(lower)
        elif i < last and len(word) == 1:
            out.append(word.upper() + ".")  # an initial: "Fort George G. Meade"
        else:
            out.append(_proper_word(word))
        i += 1
    return " ".join(out)


def _proper_word(word: str) -> str:
    return "-".join(_proper_part(part) for part in word.split("-"))


def _proper_part(part: str) -> str:
    lower = part.casefold()
    exception = _WORD_EXCEPTIONS.get(lower)
    if exception is not None:
        return exception
    if lower.startswith("mc") and len(lower) > 2:
        return "Mc" + lower[2:].capitalize()  # "Mcallen" -> "McAllen"
    return lower[:1].upper() + lower[1:]


# ----------------------------------------------------------------------------- states


def _clean_state_text(text: str) -> str:
    # Periods go without a trace so "D.C." becomes "dc"; other punctuation splits words.
    without_periods = text.replace(".", "")
    if not without_periods.isascii():  # accents go too: "Hawái" is "hawai"
        decomposed = unicodedata.normalize("NFKD", without_periods)
        without_periods = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NON_WORD.sub(" ", without_periods).casefold().split())


_EXACT_STATES: dict[str, str] = {
    **{
        _clean_state_text(spelling): state.abbr
        for state in [*us.states.STATES_AND_TERRITORIES, us.states.DC]
        if state.abbr in STATE_CODES
        for spelling in (state.abbr, state.name)
    },
    **_STATE_ALIASES,
}


def exact_state(text: str) -> str | None:
    """The USPS code when ``text`` is exactly a state's code or name (any case), else ``None``.

    Unlike :func:`normalize_state` nothing is matched by sound, so a city that
    sounds like a state (``"Ute"``, ``"Utah"``) is not taken for one.
    """
    return _EXACT_STATES.get(_clean_state_text(text))


def state_name(code: str) -> str:
    """The name of the state with USPS ``code`` (``"CO"`` gives ``"Colorado"``)."""
    state = us.states.lookup(code) if code in STATE_CODES else None
    return str(state.name) if state is not None else code


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
    exact = _EXACT_STATES.get(cleaned)
    if exact is not None:
        return exact
    try:
        state = us.states.lookup(cleaned)
    except (ValueError, TypeError, IndexError):
        # The phonetic matcher inside `us` is not written for arbitrary text.
        return None
    if state is None or state.abbr not in STATE_CODES:
        return None
    return str(state.abbr)


# -------------------------------------------------------------------------- nicknames


@dataclass(frozen=True)
class Nickname:
    """Where a nickname points: a gazetteer city, or a named place at one ZIP's centroid."""

    city: str  # as shown: "Philadelphia", "Queens"
    state: str
    zip: str | None = None  # set for places USPS has no city for (Queens, Manhattan)


_NYC = Nickname("New York", "NY")
_DC = Nickname("Washington", "DC")
_LA = Nickname("Los Angeles", "CA")
_SF = Nickname("San Francisco", "CA")
_BRONX = Nickname("Bronx", "NY")
_PHILADELPHIA = Nickname("Philadelphia", "PA")
_NEW_ORLEANS = Nickname("New Orleans", "LA")

#: Nicknames and New York City boroughs, keyed by :func:`normalize_city`. Kept small on
#: purpose: each one is a name a patient plausibly types alone and means one place by.
#: "LA" is Los Angeles, not Louisiana, and "DC" is the city of Washington (a radius search
#: from it also finds Maryland and Virginia); both answers offer the other reading.
#: Queens has no USPS city (its ZIPs are named for neighbourhoods), so it stands at 11367,
#: between Jamaica and Flushing; Manhattan (USPS "New York") at 10036, Midtown.
NICKNAMES: dict[str, Nickname] = {
    "philly": _PHILADELPHIA,
    "nyc": _NYC,
    "n y c": _NYC,
    "new york city": _NYC,
    "ny city": _NYC,
    "la": _LA,
    "l a": _LA,
    "sf": _SF,
    "s f": _SF,
    "san fran": _SF,
    "dc": _DC,  # also "D.C.": the key joins a lone D to what follows
    "washington dc": _DC,
    "vegas": Nickname("Las Vegas", "NV"),
    "nola": _NEW_ORLEANS,
    "queens": Nickname("Queens", "NY", zip="11367"),
    "manhattan": Nickname("Manhattan", "NY", zip="10036"),
    "brooklyn": Nickname("Brooklyn", "NY"),
    "bronx": _BRONX,
    "the bronx": _BRONX,
    "staten island": Nickname("Staten Island", "NY"),
    # Spanish names of cities (see the module docstring). "Nueva York" alone is the city, as
    # Spanish speakers use it, and the state is offered too ("estado de Nueva York" is the
    # state); Spanish names that are the same as the English (San Antonio, Los Ángeles, San
    # Francisco) need no entry.
    "nueva york": _NYC,
    normalize_city("ciudad de Nueva York"): _NYC,
    "filadelfia": _PHILADELPHIA,
    "nueva orleans": _NEW_ORLEANS,  # also "Nueva Orleáns": keys have no accents
    "cayo hueso": Nickname("Key West", "FL"),
}


def find_nickname(text: str, state: str | None = None) -> Nickname | None:
    """The :data:`NICKNAMES` entry for ``text`` (in ``state``, a USPS code, if given)."""
    found = NICKNAMES.get(normalize_city(text))
    if found is None or (state is not None and found.state != state):
        return None
    return found
