"""Every search filter, defined once: its name, words, value rules and how it matches.

:data:`FILTERS` is the table the rest of the app loops over. Each :class:`Filter`
holds the URL parameter (also the page's session-state key and the key in a
:class:`~directory.search.SearchQuery`), the CLI flags, the page's label and help,
the chip and relaxation wording, the value rules and the vectorised match. So:

* :mod:`directory.params` reads and writes URLs by looping over it;
* :mod:`directory.cli` builds its ``search`` options from it;
* the search page draws its controls, chips and relaxation buttons from it;
* :mod:`directory.search` builds one index array per filter with :attr:`Filter.prepare`
  and narrows the rows with :attr:`Filter.match`.

Adding a filter is one entry here. The place and distance are not filters (every
search has them); their rules are the ``RADIUS_*`` constants and :func:`check_radius`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from directory import i18n, matching
from directory import vocabularies as vocab
from directory.errors import QueryError
from directory.i18n import N_
from directory.i18n import gettext as _
from directory.placetext import quote
from directory.vocabularies import Vocabulary

BoolArray = npt.NDArray[np.bool_]
Array = np.ndarray[Any, Any]
FilterValue = tuple[str, ...] | bool | float | str | None
"""A filter's value: codes (a choice filter), a flag, a number or None, or text."""

MAX_TEXT_CHARS = 200
"""The longest place or name text taken from the page, a URL or the command line."""

# ---------------------------------------------------------------- place and distance

DEFAULT_RADIUS_MILES = 25
RADIUS_CHOICES_MILES: tuple[int, ...] = (5, 10, 25, 50, 100, 250, 500)
"""The distances the page offers (a fixed set is easier to use with one hand)."""
MAX_RADIUS_MILES = RADIUS_CHOICES_MILES[-1]
# Marked for the catalog; the page shows them with ``_()`` (the CLI keeps them in English).
PLACE_LABEL = N_("Your ZIP code or city")
PLACE_HELP = N_("A ZIP code, or a city and state (like Austin, TX), to search from.")
RADIUS_LABEL = N_("Distance (miles)")
RADIUS_HELP = N_("How far from that place to look for clinics, in miles.")


def check_radius(miles: object) -> float:
    """The radius as a float, or :class:`QueryError`: more than 0, at most 500 miles.

    The one radius rule, for the URL, the command line and the engine alike.
    """
    number = _number(miles)
    if number is None or not 0 < number <= MAX_RADIUS_MILES:
        raise QueryError(
            f"the distance must be a number of miles more than 0 and at most "
            f"{MAX_RADIUS_MILES}, not {_shown(miles)}"
        )
    return number


def nearest_radius_choice(miles: float) -> int:
    """The page's distance option closest to ``miles``."""
    return min(RADIUS_CHOICES_MILES, key=lambda choice: (abs(choice - miles), choice))


# ---------------------------------------------------------------- the filter table


class FilterKind(Enum):
    """What a filter's value is, and so how it is read, written and drawn."""

    ANY_OF = "any of"  # codes; a clinic matches if it has any of them
    ALL_OF = "all of"  # codes; a clinic matches if it has every one
    FLAG = "flag"  # on or off
    AT_MOST = "at most"  # a number, or None for no limit
    TEXT = "text"  # part of a text


SPANISH_SPELLINGS = ("spanish", "espanol", "castellano")
"""How a listing's free-text ``languages`` may name Spanish (as :func:`normalize_key` keys)."""

_TRUE = frozenset({"1", "true", "yes", "on", "y"})
_FALSE = frozenset({"0", "false", "no", "off", "n", ""})


@dataclass(frozen=True)
class Chip:
    """One active filter value in plain words, and the filter's value once it is removed."""

    filter: str
    label: str
    value_without: FilterValue


@dataclass(frozen=True)
class Filter:
    """One search filter. See the module docstring for who reads which field."""

    name: str
    """URL parameter, session-state key and :class:`SearchQuery` key (``max_price``)."""
    kind: FilterKind
    label: str
    """The control's label on the page (English, marked ``N_``: see :meth:`shown_label`)."""
    help: str
    """One sentence: the control's tooltip and the CLI option's help (English)."""
    relax: str
    """What removing it does, as a button: ``Drop the price limit``."""
    cli_flags: tuple[str, ...]
    prepare: Callable[[pd.DataFrame], Array]
    """Index array(s) for this filter from the usable clinic table, built once per file."""
    match: Callable[[Array, Any, BoolArray], BoolArray]
    """``match(prepared, value, wanted)``: ``wanted`` narrowed to the rows that pass."""
    vocabulary: Vocabulary | None = None
    chip: str = ""
    """Chip wording for a flag (``Works with VA``), a number (``Up to ${value}``, filled with
    the number as the language writes it) or text (``Name has "{value}"``)."""
    bounds: tuple[float, float] = (0.0, math.inf)
    """Allowed range of an :attr:`FilterKind.AT_MOST` value."""
    step: float = 1.0
    unit: str = ""
    """What a number counts, for messages: ``US dollars`` (marked ``N_``: patients read it)."""
    noun: str = ""
    """What a number is called in the command line's messages: ``maximum price``."""
    metavar: str = field(default="")

    # The page's words in the active language: the one place each is translated (the
    # fields themselves stay English, for the command line).

    def shown_label(self) -> str:
        """The control's label in the active language."""
        return _(self.label)

    def shown_help(self) -> str:
        """The control's tooltip in the active language."""
        return _(self.help)

    def shown_relax(self) -> str:
        """The relaxation button's words in the active language."""
        return _(self.relax)

    @property
    def default(self) -> FilterValue:
        """The value meaning "not filtering"."""
        defaults: dict[FilterKind, FilterValue] = {
            FilterKind.ANY_OF: (),
            FilterKind.ALL_OF: (),
            FilterKind.FLAG: False,
            FilterKind.AT_MOST: None,
            FilterKind.TEXT: "",
        }
        return defaults[self.kind]

    def is_active(self, value: FilterValue) -> bool:
        """True when ``value`` narrows the search."""
        return self.check(value) != self.default

    def check(self, value: object) -> FilterValue:
        """The canonical value, or :class:`QueryError` saying what is allowed.

        Codes come back deduplicated in vocabulary order, numbers as floats, text
        trimmed; spellings a person types ("Spravato") are accepted for codes.
        """
        if self.kind in (FilterKind.ANY_OF, FilterKind.ALL_OF):
            return self._codes(value)
        if self.kind is FilterKind.FLAG:
            if not isinstance(value, bool | np.bool_):
                raise QueryError(f"{self.name} must be on or off, not {_shown(value)}")
            return bool(value)
        if self.kind is FilterKind.AT_MOST:
            if value is None:
                return None
            number = _number(value)
            low, high = self.bounds
            if number is None or not low <= number <= high:
                raise QueryError(
                    f"the {self.noun} must be a number of {self.unit} from {low:g} to "
                    f"{high:,.0f}, not {_shown(value)}"
                )
            return number
        if not isinstance(value, str):
            raise QueryError(f"{self.name} must be text, not {_shown(value)}")
        return " ".join(value.split())[:MAX_TEXT_CHARS]

    def _codes(self, value: object) -> tuple[str, ...]:
        vocabulary = self.vocabulary
        assert vocabulary is not None  # noqa: S101 (choice filters always have one)
        texts = [value] if isinstance(value, str) else value
        if not isinstance(texts, Sequence | frozenset | set):
            raise QueryError(f"{self.name} must be a list of codes, not {_shown(value)}")
        found: set[str] = set()
        for text in texts:
            code = vocabulary.code_for(str(text)[:MAX_TEXT_CHARS])
            if code is None:
                raise QueryError(
                    f"{_shown(text)} is not a {vocabulary.noun}; use {vocabulary.allowed_text()}"
                )
            found.add(code)
        return tuple(code for code in vocabulary.codes if code in found)

    def read(self, texts: Sequence[str]) -> tuple[FilterValue, list[str]]:
        """The value carried by a URL's parameter values, and notices for what was dropped.

        Untrusted input: a bad value is left out and explained, never raised.
        """
        if self.kind in (FilterKind.ANY_OF, FilterKind.ALL_OF):
            codes: list[str] = []
            notices: list[str] = []
            for text in texts:
                try:
                    codes.extend(self._codes(str(text)))
                except QueryError:
                    notices.append(
                        _("Ignored {value}: it is not a {noun} we know ({allowed}).").format(
                            value=quote(str(text)[:40]), noun=self._noun(), allowed=self._allowed()
                        )
                    )
            return self._codes(codes), notices
        if not texts:
            return self.default, []
        text = str(texts[-1])[:MAX_TEXT_CHARS].strip()
        if self.kind is FilterKind.FLAG:
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE, []
            return False, [
                _("Ignored {name}={value}: use 1 or 0.").format(
                    name=self.name, value=quote(text[:20])
                )
            ]
        if self.kind is FilterKind.AT_MOST:
            if not text:
                return None, []
            number = _number(text.replace(",", "").replace("$", ""))
            try:
                return self.check(text if number is None else number), []
            except QueryError:
                return None, [
                    _("Ignored the {label} {value}: use a number of {unit}.").format(
                        label=self.shown_label().lower(), value=quote(text[:20]), unit=_(self.unit)
                    )
                ]
        return self.check(text), []

    def write(self, value: FilterValue) -> list[str]:
        """The URL parameter values for ``value`` (none for the default: links stay short)."""
        value = self.check(value)
        if value == self.default:
            return []
        if isinstance(value, tuple):
            return list(value)
        if isinstance(value, bool):
            return ["1"]
        if isinstance(value, float):
            return [f"{value:g}" if value.is_integer() else repr(value)]
        return [str(value)]

    def chips(self, value: FilterValue) -> list[Chip]:
        """The active value in plain words, one chip per code, each removable on its own."""
        value = self.check(value)
        if value == self.default:
            return []
        if isinstance(value, tuple):
            assert self.vocabulary is not None  # noqa: S101
            return [
                Chip(
                    self.name, self.vocabulary.label_for(code), tuple(c for c in value if c != code)
                )
                for code in value
            ]
        if isinstance(value, float):
            return [Chip(self.name, _(self.chip).format(value=i18n.format_number(value)), None)]
        if isinstance(value, str):
            return [Chip(self.name, _(self.chip).format(value=value), "")]
        return [Chip(self.name, _(self.chip), False)]

    def _noun(self) -> str:
        return self.vocabulary.shown_noun() if self.vocabulary is not None else self.name

    def _allowed(self) -> str:
        """``iv, im, nasal, oral or at_home``: the codes a URL may carry, for a notice."""
        if self.vocabulary is None:
            return ""
        return i18n.join_words(self.vocabulary.codes, last="or")


def _flag_filter(name: str, test: Callable[[pd.DataFrame], pd.Series], **words: Any) -> Filter:
    """A yes/no filter keeping the rows where ``test`` holds."""
    return Filter(
        name=name,
        kind=FilterKind.FLAG,
        prepare=matching.rows_where(test),
        match=matching.flag,
        **words,
    )


def _choice_filter(
    name: str, column: str, vocabulary: Vocabulary, kind: FilterKind, **words: Any
) -> Filter:
    match = (
        matching.any_of(vocabulary) if kind is FilterKind.ANY_OF else matching.all_of(vocabulary)
    )
    return Filter(
        name=name,
        kind=kind,
        vocabulary=vocabulary,
        prepare=matching.bit_masks(column, vocabulary),
        match=match,
        cli_flags=(f"--{name.replace('_', '-')}",),
        metavar="CODE",
        **words,
    )


FILTERS: tuple[Filter, ...] = (
    _choice_filter(
        "modality",
        "modalities",
        vocab.MODALITIES,
        FilterKind.ANY_OF,
        label=N_("Treatment type"),
        help=N_("Show clinics that offer any of the ways of giving ketamine you pick."),
        relax=N_("Any treatment type"),
    ),
    _choice_filter(
        "condition",
        "conditions",
        vocab.CONDITIONS,
        FilterKind.ALL_OF,
        label=N_("Conditions treated (all of them)"),
        help=N_("Show clinics that say they treat every condition you pick."),
        relax=N_("Fewer conditions"),
    ),
    _choice_filter(
        "payment",
        "payment",
        vocab.PAYMENT,
        FilterKind.ANY_OF,
        label=N_("Payment"),
        help=N_("Show clinics that take any of the payment options you pick."),
        relax=N_("Any payment option"),
    ),
    _flag_filter(
        "va",
        lambda t: t["va_coverage"].isin(sorted(vocab.VA_COVERED)),
        label=N_("Works with VA (Community Care or VA facility)"),
        help=N_(
            "Show only clinics that work with the VA, through VA Community Care or at a VA "
            "medical center."
        ),
        chip=N_("Works with VA"),
        relax=N_("Include clinics that don't work with the VA"),
        cli_flags=("--va",),
    ),
    _flag_filter(
        "no_therapist",
        lambda t: t["therapist_requirement"] != "required",
        label=N_("I don't have a therapist yet"),
        help=N_("Hide clinics that will only treat you if you already see a licensed therapist."),
        chip=N_("No therapist needed"),
        relax=N_("Include clinics that require a therapist"),
        cli_flags=("--no-therapist-required", "--no-therapist"),
    ),
    Filter(
        name="max_price",
        kind=FilterKind.AT_MOST,
        label=N_("Maximum price per session (US dollars)"),
        help=N_(
            "Show clinics whose usual self-pay price per session (per month for at-home care) "
            "is at or below this amount, leaving out clinics with no listed price."
        ),
        chip=N_("Up to ${value}"),
        relax=N_("Drop the price limit"),
        cli_flags=("--max-price",),
        metavar="USD",
        bounds=(0.0, 100_000.0),
        step=50.0,
        unit=N_("US dollars"),
        noun="maximum price",
        prepare=matching.prices,
        match=matching.at_most,
    ),
    _flag_filter(
        "accepting",
        lambda t: t["accepting_new_patients"] == "yes",
        label=N_("Accepting new patients"),
        help=N_("Show only clinics that say they are taking new patients."),
        chip=N_("Accepting new patients"),
        relax=N_("Include clinics that may not take new patients"),
        cli_flags=("--accepting",),
    ),
    _flag_filter(
        "spanish",
        matching.speaks(SPANISH_SPELLINGS),
        label=N_("Staff speak Spanish"),
        help=N_("Show only clinics that list Spanish among the languages their staff speak."),
        chip=N_("Speaks Spanish"),
        relax=N_("Any language"),
        cli_flags=("--spanish",),
    ),
    # Last: text matching runs only on the rows every other filter let through.
    Filter(
        name="name",
        kind=FilterKind.TEXT,
        label=N_("Clinic name"),
        help=N_("Find a clinic by part of its name."),
        chip=N_('Name has "{value}"'),
        relax=N_("Any clinic name"),
        cli_flags=("--name",),
        metavar="TEXT",
        prepare=matching.name_keys,
        match=matching.name_contains,
    ),
)


def all_filters() -> Iterator[Filter]:
    """The filters, in table order (read at call time, so a test can add one)."""
    return iter(FILTERS)


def filter_named(name: str) -> Filter:
    """The filter called ``name``; :class:`QueryError` if there is none."""
    for entry in FILTERS:
        if entry.name == name:
            return entry
    names = ", ".join(entry.name for entry in FILTERS)
    raise QueryError(f"there is no filter called {name!r}; use {names}")


def chip_count(values: Mapping[str, FilterValue]) -> int:
    """How many filters are on, counting each chosen value: as many as there are chips."""
    return sum(len(filter_named(name).chips(value)) for name, value in values.items())


def check_values(values: Mapping[str, object]) -> dict[str, FilterValue]:
    """Canonical values of the active filters only (:class:`QueryError` for a bad one)."""
    checked: dict[str, FilterValue] = {}
    for name, value in values.items():
        entry = filter_named(name)
        canonical = entry.check(value)
        if canonical != entry.default:
            checked[name] = canonical
    return checked


def _number(value: object) -> float | None:
    """A finite float from a number or numeric text; None otherwise (bools included)."""
    if isinstance(value, bool | np.bool_):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _shown(value: object) -> str:
    return repr(value)[:40]
