"""Search filters as URL parameters, so a search can be shared as a link.

The names are the CLI's (``near``, ``radius``, ``modality``, ``condition``,
``payment``, ``va``, ``no_therapist``, ``max_price``, ``accepting``, ``name``);
a repeated name carries several values. Everything from a URL is untrusted:
a bad value is dropped with a short notice, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from directory import schema
from directory.geocoding import Origin
from directory.search import DEFAULT_RADIUS_MILES, SearchQuery

RADIUS_CHOICES_MILES: tuple[int, ...] = (5, 10, 25, 50, 100, 250, 500)
MAX_TEXT_CHARS = 200
PARAM_NAMES: tuple[str, ...] = (
    "near", "radius", "modality", "condition", "payment", "va", "no_therapist", "max_price",
    "accepting", "name",
)  # fmt: skip
_TRUE = frozenset({"1", "true", "yes", "on", "y"})
_FALSE = frozenset({"0", "false", "no", "off", "n", ""})


@dataclass(frozen=True)
class SearchForm:
    """The search page's controls, independent of Streamlit."""

    near: str = ""
    radius_miles: int = int(DEFAULT_RADIUS_MILES)
    modalities: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    payment: tuple[str, ...] = ()
    va: bool = False
    no_therapist: bool = False
    max_price_usd: int | None = None
    accepting: bool = False
    name: str = ""
    notices: tuple[str, ...] = field(default=(), compare=False)

    def to_query(self, origin: Origin) -> SearchQuery:
        """The engine's query for this form, searched from ``origin``."""
        return SearchQuery(
            origin=origin,
            radius_miles=float(self.radius_miles),
            modalities=frozenset(self.modalities),
            conditions=frozenset(self.conditions),
            payment=frozenset(self.payment),
            va=self.va,
            no_therapist_required=self.no_therapist,
            max_price_usd=None if self.max_price_usd is None else float(self.max_price_usd),
            accepting=self.accepting,
            name=self.name,
        )

    def to_params(self) -> dict[str, str | list[str]]:
        """URL parameters for this form; defaults are left out to keep links short."""
        params: dict[str, str | list[str]] = {}
        if self.near:
            params["near"] = self.near
        if self.radius_miles != int(DEFAULT_RADIUS_MILES):
            params["radius"] = str(self.radius_miles)
        for name, values in (
            ("modality", self.modalities),
            ("condition", self.conditions),
            ("payment", self.payment),
        ):
            if values:
                params[name] = list(values)
        for name, flag in (
            ("va", self.va),
            ("no_therapist", self.no_therapist),
            ("accepting", self.accepting),
        ):
            if flag:
                params[name] = "1"
        if self.max_price_usd is not None:
            params["max_price"] = str(self.max_price_usd)
        if self.name:
            params["name"] = self.name
        return params


def form_from_params(params: Mapping[str, Sequence[str]]) -> SearchForm:
    """Read a form from URL parameters (each name mapped to all its values).

    Unknown names are ignored; bad values are dropped and explained in
    ``form.notices`` in words a patient understands.
    """
    notices: list[str] = []

    def last(name: str) -> str | None:
        values = params.get(name) or []
        return str(values[-1])[:MAX_TEXT_CHARS].strip() if values else None

    form = SearchForm(near=last("near") or "", name=last("name") or "")
    radius_text = last("radius")
    if radius_text:
        radius = _number(radius_text)
        if radius is None or not 1 <= radius <= RADIUS_CHOICES_MILES[-1]:
            notices.append(
                f"Ignored the distance {radius_text[:20]!r}: use 1 to "
                f"{RADIUS_CHOICES_MILES[-1]} miles."
            )
        else:
            form = replace(form, radius_miles=nearest_radius_choice(radius))
    choices: dict[str, tuple[str, ...]] = {}
    for name, vocabulary in (
        ("modality", schema.MODALITIES),
        ("condition", schema.CONDITIONS),
        ("payment", schema.PAYMENT),
    ):
        codes: list[str] = []
        for value in params.get(name) or []:
            code = vocabulary.code_for(str(value)[:MAX_TEXT_CHARS])
            if code is None:
                notices.append(
                    f"Ignored {str(value)[:40]!r}: it is not a {vocabulary.noun} "
                    f"we know ({vocabulary.allowed_text()})."
                )
            elif code not in codes:
                codes.append(code)
        choices[name] = tuple(codes)
    form = replace(
        form,
        modalities=choices["modality"],
        conditions=choices["condition"],
        payment=choices["payment"],
    )
    flags: dict[str, bool] = {}
    for name in ("va", "no_therapist", "accepting"):
        text = last(name)
        if text is None:
            flags[name] = False
        elif text.lower() in _TRUE or text.lower() in _FALSE:
            flags[name] = text.lower() in _TRUE
        else:
            flags[name] = False
            notices.append(f"Ignored {name}={text[:20]!r}: use 1 or 0.")
    form = replace(
        form, va=flags["va"], no_therapist=flags["no_therapist"], accepting=flags["accepting"]
    )
    price_text = last("max_price")
    if price_text:
        price = _number(price_text)
        if price is None or price < 0 or price > 100_000:
            notices.append(
                f"Ignored the maximum price {price_text[:20]!r}: use a number of US dollars."
            )
        else:
            form = replace(form, max_price_usd=round(price))
    return replace(form, notices=tuple(notices))


def nearest_radius_choice(miles: float) -> int:
    """The radius option closest to ``miles`` (the page offers a fixed set of distances)."""
    return min(RADIUS_CHOICES_MILES, key=lambda choice: (abs(choice - miles), choice))


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "").replace("$", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None
