"""Phase 2 of the validation: the rules a clinic table must follow, each one pure.

A rule takes what phase 1 read (:class:`~directory.normalisers.Normalised`) and ``today``
and returns the problems it found (:data:`~directory.report.Finding`); it changes
nothing, so the rules can run in any order. :data:`RULES` is the order
:mod:`directory.dataset` adds their findings to the report in, which only decides how
problems on the same line and column are listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import pandas as pd

from directory import schema
from directory.csvfile import is_blank
from directory.export import formula_trigger
from directory.locations import place_findings
from directory.normalisers import (
    AT_HOME,
    IN_CLINIC_ONLY,
    ORAL,
    Normalised,
    ParsedDate,
    ParsedList,
    ParsedModalities,
    ParsedPrice,
    ParsedWebAddress,
    vocabulary_of,
)
from directory.report import Finding, Flag, RowProblem, quote_value
from directory.schema import ColumnType, Need, Vocabulary
from directory.verification import STALE_AFTER

Rule = Callable[[Normalised, date], list[Finding]]

HIGH_PRICE_USD = 10_000

_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_IN_CLINIC = r"\b(?:" + "|".join(IN_CLINIC_ONLY) + r")\b"


def _constant(message: str) -> Callable[[str], str]:
    return lambda _value: message


def choice_values(n: Normalised, _today: date) -> list[Finding]:
    """Single-value columns (``kind``, ``va_coverage``, ...) hold a value of their vocabulary."""
    findings: list[Finding] = []
    for column in schema.COLUMNS:
        if column.type is ColumnType.CHOICE:
            parsed, vocabulary = n.columns[column.name], vocabulary_of(column)
            findings.append(
                Flag("error", parsed.unparsed, column.name, parsed.cells, _not_a(vocabulary))
            )
    return findings


def _not_a(vocabulary: Vocabulary) -> Callable[[str], str]:
    return lambda v: f"{quote_value(v)} is not a {vocabulary.noun}; use {vocabulary.allowed_text()}"


def required_values(n: Normalised, _today: date) -> list[Finding]:
    """Required cells are filled in: always, for clinics, or for telehealth providers."""
    findings: list[Finding] = []
    cells = n.cells
    for column in schema.COLUMNS:
        if column.name in n.missing_columns or column.need is Need.OPTIONAL:
            continue
        values = cells[column.name]
        blank = is_blank(values)
        if column.need is Need.ALWAYS:
            hint = f"; use {column.vocabulary.allowed_text()}" if column.vocabulary else ""
            message = f"is empty; this column is required{hint}"
            mask = blank
        elif column.need is Need.CLINIC:
            message = "is empty; an in-person clinic needs address, city, state and zip"
            mask = blank & n.is_clinic
        else:
            message = (
                "is empty; a telehealth provider needs the USPS codes of the "
                "states it is licensed in (e.g. CO;NM) or ALL"
            )
            mask = blank & n.is_telehealth
        findings.append(Flag("error", mask, column.name, values, _constant(message)))
    findings.append(
        Flag(
            "warning",
            ~is_blank(cells["address"]) & n.is_telehealth,
            "address",
            cells["address"],
            _constant(
                "is ignored: telehealth providers are matched by service_states; if "
                "they also see patients in person, add a separate clinic row"
            ),
        )
    )
    return findings


def list_values(n: Normalised, _today: date) -> list[Finding]:
    """Every part of a list column (``modalities``, ``conditions``, ...) is in its vocabulary."""
    findings: list[Finding] = []
    for column in schema.COLUMNS:
        if column.type is not ColumnType.CHOICES:
            continue
        parsed = n.column(column.name, ParsedList)
        if parsed.unknown:
            message = _unknown_parts(vocabulary_of(column), parsed.unknown)
            findings.append(Flag("error", parsed.unparsed, column.name, parsed.cells, message))
    return findings


def _unknown_parts(vocabulary: Vocabulary, unknown: dict[str, list[str]]) -> Callable[[str], str]:
    def message(value: str) -> str:
        bad = unknown[value]
        listed = ", ".join(quote_value(b) for b in bad)
        verb = "is not a" if len(bad) == 1 else "are not"
        noun = vocabulary.noun if len(bad) == 1 else _plural_noun(vocabulary.noun)
        return f"{listed} {verb} {noun}; use {vocabulary.allowed_text()}"

    return message


def _plural_noun(noun: str) -> str:
    """``'modality'`` -> ``'modalities'``, ``'condition'`` -> ``'conditions'``."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def web_addresses(n: Normalised, _today: date) -> list[Finding]:
    """Links are http(s); a bare domain is read as https:// with a warning."""
    findings: list[Finding] = []
    for column in schema.COLUMNS:
        if column.type is not ColumnType.URL:
            continue
        parsed = n.column(column.name, ParsedWebAddress)
        if parsed.fixed:
            fixed = parsed.cells.isin(list(parsed.fixed)).to_numpy()
            message = _read_as(parsed.fixed)
            findings.append(Flag("warning", fixed, column.name, parsed.cells, message))
        if parsed.schemes:
            message = _not_a_web_address(parsed.schemes)
            findings.append(Flag("error", parsed.unparsed, column.name, parsed.cells, message))
    return findings


def _read_as(fixed: dict[str, str]) -> Callable[[str], str]:
    return lambda v: f"{quote_value(v)} has no http(s):// prefix; read as {quote_value(fixed[v])}"


def _not_a_web_address(schemes: dict[str, str]) -> Callable[[str], str]:
    def message(value: str) -> str:
        if schemes[value]:
            return (
                f"{quote_value(value)} uses the {schemes[value]}: scheme; "
                "only http:// and https:// links are allowed"
            )
        return (
            f"{quote_value(value)} is not a web address; use a full http:// or "
            "https:// link such as https://clinic.example.com"
        )

    return message


def ids(n: Normalised, _today: date) -> list[Finding]:
    """Ids are lowercase words joined by dashes, and no two rows share one."""
    parsed = n.columns["id"]
    values = parsed.cells

    def suggest(value: str) -> str:
        fixed = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
        hint = f" (e.g. {quote_value(fixed)})" if fixed else ""
        return (
            f"{quote_value(value)} is not a valid id; use lowercase letters, digits and "
            f"single dashes{hint}"
        )

    findings: list[Finding] = [Flag("error", parsed.unparsed, "id", values, suggest)]
    present = values[~is_blank(values)]
    repeated = present.duplicated(keep="first")
    if repeated.any():
        lines = pd.Series(n.lines, index=values.index)[present.index]
        first_line = lines.groupby(present.to_numpy()).transform("min").to_numpy()
        mask = np.zeros(len(values), dtype=bool)
        mask[values.index.get_indexer(present.index[repeated.to_numpy()])] = True
        first_by_id = dict(zip(present.to_numpy(), first_line, strict=True))
        findings.append(
            Flag(
                "error",
                mask,
                "id",
                values,
                lambda v: (
                    f"duplicate id {quote_value(v)} (first used on line "
                    f"{first_by_id[v]}); every clinic needs its own id"
                ),
            )
        )
    return findings


def telehealth_modalities(n: Normalised, _today: date) -> list[Finding]:
    """A telehealth row offers care at home only: ``oral`` is read as at_home, iv/im/nasal
    are errors."""
    parsed = n.column("modalities", ParsedModalities)
    in_clinic = parsed.values.str.contains(_IN_CLINIC, regex=True).to_numpy(dtype=bool)
    folded_to = dict(zip(parsed.cells[parsed.folded], parsed.values[parsed.folded], strict=True))
    return [
        Flag(
            "error",
            in_clinic & n.is_telehealth,
            "modalities",
            parsed.cells,  # the value as typed, as in every other message
            lambda v: (
                f"{quote_value(v)} includes care given in a clinic; a telehealth row "
                f"can only offer {AT_HOME} (add a separate clinic row for in-person care)"
            ),
        ),
        Flag(
            "warning",
            parsed.folded,
            "modalities",
            parsed.cells,
            lambda v: (
                f"{quote_value(v)} lists {ORAL} on a telehealth row; read as "
                f"{quote_value(folded_to[v])} (tablets or lozenges taken at home). For "
                f"{ORAL} doses given in a clinic, add a clinic row"
            ),
        ),
    ]


def states(n: Normalised, _today: date) -> list[Finding]:
    """``state`` is a US state; ``service_states`` lists US states (or ALL)."""
    state = n.columns["state"]
    served = n.column("service_states", ParsedList)
    unknown = served.unknown
    return [
        Flag(
            "error",
            state.unparsed,
            "state",
            state.cells,
            lambda v: (
                f"{quote_value(v)} is not a US state; use a two-letter USPS code such as "
                "CO, NY or PR"
            ),
        ),
        Flag(
            "error",
            served.unparsed,
            "service_states",
            served.cells,
            lambda v: (
                ", ".join(quote_value(t) for t in unknown[v])
                + (" is not a US state" if len(unknown[v]) == 1 else " are not US states")
                + "; use USPS codes separated by ';' (e.g. CO;NM;UT) or ALL"
            ),
        ),
    ]


def phone(n: Normalised, _today: date) -> list[Finding]:
    """A phone number can be dialled (see :mod:`directory.phones`)."""
    parsed = n.columns["phone"]
    return [
        Flag(
            "error",
            parsed.unparsed,
            "phone",
            parsed.cells,
            lambda v: (
                f"{quote_value(v)} is not a phone number we can dial; use a US number "
                "like (303) 555-0142, or +country code for other countries"
            ),
        )
    ]


def email(n: Normalised, _today: date) -> list[Finding]:
    """An email cell holds exactly one plain address (see ``normalisers._EMAIL``)."""
    parsed = n.columns["email"]
    return [
        Flag(
            "error",
            parsed.unparsed,
            "email",
            parsed.cells,
            lambda v: (
                f"{quote_value(v)} is not an email address; write one address such as "
                "name@clinic.example.com (no mailto:, spaces, brackets or second address)"
            ),
        )
    ]


def price(n: Normalised, _today: date) -> list[Finding]:
    """A price is a number of dollars, not negative; a very high one gets a warning."""
    parsed = n.column("price_per_session_usd", ParsedPrice)
    name, cells = "price_per_session_usd", parsed.cells
    return [
        Flag(
            "error",
            parsed.unparsed,
            name,
            cells,
            lambda v: (
                f"{quote_value(v)} is not a price; use a number of US dollars such "
                "as 450 (no ranges or words)"
            ),
        ),
        Flag(
            "error",
            parsed.negative,
            name,
            cells,
            lambda v: f"{quote_value(v)} is negative; a price must be 0 or more",
        ),
        Flag(
            "warning",
            (parsed.numbers > HIGH_PRICE_USD).to_numpy(dtype=bool),
            name,
            cells,
            lambda v: f"{quote_value(v)} is unusually high for one session; check the value",
        ),
    ]


def verification_date(n: Normalised, today: date) -> list[Finding]:
    """``last_verified`` is a date, not in the future; an old or missing one is a warning."""
    parsed = n.column("last_verified", ParsedDate)
    name, cells = "last_verified", parsed.cells
    stale = (parsed.parsed < pd.Timestamp(today) - pd.Timedelta(STALE_AFTER)).to_numpy(dtype=bool)
    return [
        Flag(
            "error",
            parsed.unparsed,
            name,
            cells,
            lambda v: f"{quote_value(v)} is not a date; use YYYY-MM-DD, e.g. {today.isoformat()}",
        ),
        Flag(
            "error",
            parsed.future,
            name,
            cells,
            lambda v: (
                f"{quote_value(v)} is in the future; use the date the listing was actually checked"
            ),
        ),
        Flag(
            "warning",
            stale,
            name,
            cells,
            lambda v: (
                f"{quote_value(v)} is more than 12 months ago; re-check the listing with the clinic"
            ),
        ),
        Flag(
            "warning",
            is_blank(cells),
            name,
            cells,
            _constant("is empty; patients are told this listing has never been verified"),
        ),
    ]


def location(n: Normalised, _today: date) -> list[Finding]:
    """ZIP code and coordinates (see :func:`directory.locations.place_findings`)."""
    return place_findings(n.place, n.columns["state"].values, n.is_clinic)


def duplicate_listings(n: Normalised, _today: date) -> list[Finding]:
    """The same clinic (name, address and ZIP) listed under two ids is a warning."""
    table = n.table
    clinics = table[(table["kind"] == "clinic") & (table["address"] != "")]
    if clinics.empty:
        return []

    # Case, spacing and punctuation differences still count as the same listing.
    def fold(values: pd.Series) -> pd.Series:
        return values.str.lower().str.replace(r"[\W_]+", "", regex=True)

    key = fold(clinics["name"]) + "|" + fold(clinics["address"]) + "|" + clinics["zip"].str[:5]
    repeated = key.duplicated(keep="first")
    if not repeated.any():
        return []
    first_line = clinics[schema.LINE].groupby(key.to_numpy()).transform("min").to_numpy()
    first_id = clinics["id"].groupby(key.to_numpy()).transform("first").to_numpy()
    positions = table.index.get_indexer(clinics.index)
    names = clinics["name"].to_numpy()
    # A repeated id is already an error of its own; this warning is about *different* ids.
    other_id = clinics["id"].to_numpy() != first_id
    return [
        RowProblem(
            "warning",
            int(positions[i]),
            "name",
            str(names[i]),
            f"the same name and address are listed on line {int(first_line[i])} as "
            f"{quote_value(str(first_id[i]))}; is this the same clinic under two ids?",
        )
        for i in np.flatnonzero(repeated.to_numpy() & other_id)
    ]


def formulas(n: Normalised, _today: date) -> list[Finding]:
    """Free-text cells that a spreadsheet could run as a formula get a warning."""
    table = n.table
    text_columns = [c.name for c in schema.COLUMNS if c.type is ColumnType.TEXT]
    unknown = [c for c in schema.data_columns(table.columns) if c not in schema.COLUMNS_BY_NAME]
    findings: list[Finding] = []
    for name in (*text_columns, *unknown):
        values = table[name].fillna("").astype(str)
        triggers = {v: formula_trigger(v) for v in values.unique()}
        risky = values.map(triggers).notna().to_numpy(dtype=bool)
        if not risky.any():
            continue
        risky = risky & ~values.str.fullmatch(_PLAIN_NUMBER).to_numpy(dtype=bool)
        findings.append(
            Flag(
                "warning",
                risky,
                name,
                values,
                _starts_a_formula(triggers),
            )
        )
    return findings


def _starts_a_formula(triggers: dict[str, str | None]) -> Callable[[str], str]:
    return lambda v: (
        f"{quote_value(v)} starts with {quote_value(triggers[v] or '')}, which a "
        "spreadsheet may run as a formula; exports neutralise it, but check the value"
    )


RULES: Sequence[Rule] = (
    choice_values,
    required_values,
    list_values,
    web_addresses,
    ids,
    telehealth_modalities,
    states,
    phone,
    email,
    price,
    verification_date,
    location,
    duplicate_listings,
    formulas,
)
"""Every rule, in the order their findings are listed for the same line and column."""
