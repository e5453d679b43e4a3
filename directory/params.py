"""A search as URL parameters, so it can be shared as a link.

``near`` and ``radius``, then one parameter per filter with the filter's name
(:data:`directory.filters.FILTERS`); a repeated name carries several values. Everything
from a URL is untrusted: a bad value is dropped with a short notice, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from directory import i18n
from directory.errors import QueryError
from directory.filters import (
    DEFAULT_RADIUS_MILES,
    MAX_RADIUS_MILES,
    MAX_TEXT_CHARS,
    FilterValue,
    all_filters,
    check_radius,
    check_values,
    filter_named,
    nearest_radius_choice,
)
from directory.geocoding import Origin
from directory.i18n import gettext as _
from directory.placetext import quote
from directory.search import SearchQuery

PLACE_PARAM = "near"
RADIUS_PARAM = "radius"
STATE_PARAM = "state"
"""``?state=CO`` is read as ``?near=CO``: the whole state (it is written back as ``near``)."""


def param_names() -> tuple[str, ...]:
    """Every URL parameter the search page reads and writes."""
    return (PLACE_PARAM, RADIUS_PARAM, *(entry.name for entry in all_filters()))


@dataclass(frozen=True)
class SearchForm:
    """A search as the page holds it, independent of Streamlit: place, distance, filters.

    ``filters`` holds only the active filters, canonical (see :meth:`Filter.check`), so
    two forms for the same search are equal; ``notices`` explain what a URL lost.
    """

    near: str = ""
    radius_miles: int = DEFAULT_RADIUS_MILES
    filters: Mapping[str, FilterValue] = field(default_factory=dict)
    notices: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "near", " ".join(self.near.split())[:MAX_TEXT_CHARS])
        object.__setattr__(self, "filters", MappingProxyType(check_values(self.filters)))

    def value(self, name: str) -> FilterValue:
        """The value of one filter (its default when it is off)."""
        return self.filters.get(name, filter_named(name).default)

    def with_filter(self, name: str, value: FilterValue) -> SearchForm:
        """The same search with one filter set (to its default: turned off)."""
        return replace(self, filters={**self.filters, name: value}, notices=())

    def without_filters(self) -> SearchForm:
        """The same place and distance, every filter off."""
        return replace(self, filters={}, notices=())

    def to_query(self, origin: Origin) -> SearchQuery:
        """The engine's query for this form, searched from ``origin``."""
        return SearchQuery(
            origin=origin, radius_miles=float(self.radius_miles), filters=self.filters
        )

    def to_params(self) -> dict[str, str | list[str]]:
        """URL parameters for this form; defaults are left out to keep links short."""
        params: dict[str, str | list[str]] = {}
        if self.near:
            params[PLACE_PARAM] = self.near
        if self.radius_miles != DEFAULT_RADIUS_MILES:
            params[RADIUS_PARAM] = str(self.radius_miles)
        for entry in all_filters():
            values = entry.write(self.value(entry.name))
            if values:
                params[entry.name] = values if len(values) > 1 else values[0]
        return params

    def __hash__(self) -> int:
        return hash((self.near, self.radius_miles, tuple(sorted(self.filters.items()))))


def form_from_params(params: Mapping[str, Sequence[str]]) -> SearchForm:
    """Read a form from URL parameters (each name mapped to all its values).

    Unknown names are ignored; bad values are dropped and explained in
    ``form.notices`` in words a patient understands, in the active language.
    """
    notices: list[str] = []

    def last(name: str) -> str | None:
        values = params.get(name) or []
        return str(values[-1])[:MAX_TEXT_CHARS].strip() if values else None

    radius = DEFAULT_RADIUS_MILES
    radius_text = last(RADIUS_PARAM)
    if radius_text:
        try:
            radius = nearest_radius_choice(check_radius(radius_text))
        except QueryError:
            notices.append(
                _("Ignored the distance {value}: use a number of miles up to {most}.").format(
                    value=quote(radius_text[:20]), most=i18n.format_number(MAX_RADIUS_MILES)
                )
            )
    filters: dict[str, FilterValue] = {}
    for entry in all_filters():
        value, dropped = entry.read([str(v) for v in params.get(entry.name) or []])
        filters[entry.name] = value
        notices.extend(dropped)
    return SearchForm(
        near=last(PLACE_PARAM) or last(STATE_PARAM) or "",
        radius_miles=radius,
        filters=filters,
        notices=tuple(notices),
    )
