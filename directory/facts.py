"""A clinic's facts in plain words: the one place a row of data becomes what patients read.

The card (:mod:`directory.listing`, which escapes these texts for Markdown), the
printable shortlist, the comparison table and the patient's CSV download all take their
wording from :data:`FACTS`, and every vocabulary value is shown by its one label
(:attr:`directory.vocabularies.Term.label`). Everything here is plain, unescaped text.

The texts are written in the active language (:mod:`directory.i18n`) when they are made.
A fact's heading is also its key (:data:`FACTS_BY_HEADING`, ``facts_of(headings=...)``):
the English heading, always; :func:`heading_text` is the one place it is translated for
the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from directory import i18n, schema
from directory.i18n import N_
from directory.i18n import gettext as _
from directory.verification import is_too_old

DISTANCE_COLUMN = "distance_miles"

Row: TypeAlias = "pd.Series | Mapping[str, Any]"
"""One clinic: a table row, or the plain dict the page makes of it (same keys)."""
"""Where search results carry each clinic's distance from the patient."""


@dataclass(frozen=True)
class Verification:
    """What the page says about when a listing was last checked."""

    text: str
    stale: bool


def verification(last_verified: object, today: date) -> Verification:
    """``Last verified 14 Sep 2026``, flagged when older than 12 months or missing."""
    if not isinstance(last_verified, str) or not last_verified:
        return Verification(_("Never verified: call to confirm the details"), stale=True)
    try:
        when = date.fromisoformat(last_verified)
    except ValueError:
        return Verification(_("Verification date unknown: call to confirm"), stale=True)
    shown = i18n.format_date(when)
    if is_too_old(when, today):
        text = _("Last verified {date}, over a year ago: call to confirm")
        return Verification(text.format(date=shown), stale=True)
    return Verification(_("Last verified {date}").format(date=shown), stale=False)


def miles_of(row: Row) -> float | None:
    """The row's distance from the patient, or None (at-home providers have none)."""
    miles = row.get(DISTANCE_COLUMN)
    if isinstance(miles, int | float) and not isinstance(miles, bool) and math.isfinite(miles):
        return float(miles)
    return None


def format_miles(miles: float) -> str:
    """A distance as patients read it everywhere: to 0.1 mile, thousands separated
    (``1,593.0``, the same in US Spanish)."""
    return i18n.format_number(miles, 1)


def distance_text(row: Row, _today: date | None = None) -> str:
    """``3.2 miles``, or ``""`` without a distance."""
    miles = miles_of(row)
    return "" if miles is None else _("{miles} miles").format(miles=format_miles(miles))


def format_price(price: object, kind: object) -> str:
    """``About $550 a session`` (a month for at-home care)."""
    if not isinstance(price, int | float) or isinstance(price, bool) or math.isnan(price):
        return _("Price not listed: ask the clinic")
    amount = i18n.format_number(price)
    if kind == "telehealth":
        return _("About ${price} a month").format(price=amount)
    return _("About ${price} a session").format(price=amount)


def accepting_text(code: object) -> str:
    """Whether the clinic takes new patients, in its label's words (blank: ask the clinic)."""
    return schema.ACCEPTING.label_for(code, schema.ACCEPTING.label_for("unknown"))


def states_text(row: Row, _today: date | None = None) -> str:
    """Where an at-home provider treats patients: ``CO, NM`` or ``all US states``."""
    if row.get("kind") != "telehealth":
        return ""
    states = schema.split_cell(row.get("service_states"))
    return _("all US states") if states == [schema.SERVICE_STATES_ALL] else ", ".join(states)


def address_text(row: Row, _today: date | None = None) -> str:
    """``1550 Larimer St, Denver, CO 80202`` for a clinic; ``""`` for an at-home provider.

    Whitespace is collapsed: the text is shown, and put into directions links, as one line.
    """
    if row.get("kind") != "clinic":
        return ""
    street = ", ".join(part for part in (_text(row.get(c)) for c in ("address", "city")) if part)
    region = " ".join(part for part in (_text(row.get(c)) for c in ("state", "zip")) if part)
    return ", ".join(part for part in (street, region) if part)


def address_texts(table: pd.DataFrame) -> pd.Series:
    """:func:`address_text` of every row, a column at a time (for the map's 10k clinics)."""

    def cells(column: str) -> pd.Series:
        if column not in table:
            return pd.Series("", index=table.index, dtype=object)
        values = table[column].astype(object).where(table[column].notna(), "").astype(str)
        return values.str.replace(r"\s+", " ", regex=True).str.strip()

    def joined(first: pd.Series, second: pd.Series, separator: str) -> pd.Series:
        between = np.where((first != "") & (second != ""), separator, "")
        return first + pd.Series(between, index=table.index) + second

    street = joined(cells("address"), cells("city"), ", ")
    text = joined(street, joined(cells("state"), cells("zip"), " "), ", ")
    return text.where(cells("kind") == "clinic", "")


def payment_text(row: Row, _today: date | None = None) -> str:
    """``Self-pay, Insurance; insurers named: Aetna; Cigna``, or ``ask the clinic``.

    The insurers get their own words: in brackets after the last payment type they read
    as if they belonged to it ("Medicare (Cigna)").
    """
    payment = ", ".join(schema.PAYMENT.labels_for(row.get("payment"))) or _("ask the clinic")
    insurers = _text(row.get("insurers"))
    if not insurers:
        return payment
    return _("{payment}; insurers named: {insurers}").format(payment=payment, insurers=insurers)


def _labels(column: str, vocabulary: schema.Vocabulary) -> Callable[[Row, date], str]:
    return lambda row, _today: ", ".join(vocabulary.labels_for(row.get(column)))


def _label(column: str, vocabulary: schema.Vocabulary, default: str) -> Callable[[Row, date], str]:
    """``default``: marked with ``N_``, translated when the text is made."""
    return lambda row, _today: vocabulary.label_for(row.get(column), _(default))


def _cell(column: str) -> Callable[[Row, date], str]:
    return lambda row, _today: _text(row.get(column))


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return " ".join(str(value).split())


@dataclass(frozen=True)
class Fact:
    """One line of a clinic's facts: its heading and how to word it for a row."""

    heading: str
    """The English heading: the fact's key (:attr:`label` is what the page shows)."""
    text: Callable[[Row, date], str]


FACTS: tuple[Fact, ...] = (
    Fact(N_("Distance"), distance_text),
    Fact(N_("Phone"), _cell("phone")),
    Fact(N_("Address"), address_text),
    Fact(N_("Serves at home in"), states_text),
    Fact(N_("Website"), _cell("website")),
    Fact(N_("Treatment"), _labels("modalities", schema.MODALITIES)),
    Fact(N_("Treats"), _labels("conditions", schema.CONDITIONS)),
    Fact(N_("Payment"), payment_text),
    Fact(N_("VA"), _label("va_coverage", schema.VA_COVERAGE, N_("VA coverage unknown"))),
    Fact(
        N_("Therapist"),
        _label("therapist_requirement", schema.THERAPIST_REQUIREMENT, N_("ask the clinic")),
    ),
    Fact(N_("Trauma therapy offered"), _labels("trauma_therapies", schema.TRAUMA_THERAPIES)),
    Fact(
        N_("Price"),
        lambda row, _today: format_price(row.get("price_per_session_usd"), row.get("kind")),
    ),
    Fact(N_("New patients"), lambda row, _today: accepting_text(row.get("accepting_new_patients"))),
    Fact(N_("Languages"), _cell("languages")),
    Fact(N_("Listing notes"), _cell("notes")),
    Fact(N_("Verified"), lambda row, today: verification(row.get("last_verified"), today).text),
)
FACTS_BY_HEADING = {fact.heading: fact for fact in FACTS}


def heading_text(heading: str) -> str:
    """A fact's heading (its English key, ``"Phone"``) as the page shows it: ``Teléfono``.

    The one place headings are translated; keys are compared and looked up in English.
    """
    return _(heading)


def facts_of(row: Row, today: date, headings: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """``(heading, text)`` for a row: every fact, or those ``headings`` in that order.

    The heading is the English key (shown through :func:`heading_text`); the text is in
    the active language.
    """
    chosen = FACTS if headings is None else [FACTS_BY_HEADING[h] for h in headings]
    return [(fact.heading, fact.text(row, today)) for fact in chosen]


def fact_text(heading: str, row: Row, today: date) -> str:
    """One fact of a row, by heading."""
    return FACTS_BY_HEADING[heading].text(row, today)
