"""Read, normalise and validate the clinic CSV; write it back.

:mod:`directory.csvfile` turns the file's bytes into a table of cells; this module
normalises and checks them. ``load_clinics(path)`` is the one way in: it never
raises for bad *content* (that goes in the report, with line and column) and raises
:class:`~directory.errors.DataFileError` only when the file cannot be opened.
Checks run column by column over the whole table (pandas, and each distinct
cell value parsed once), so 100k rows validate in well under the 3 s budget; the
checks of where a clinic is (ZIP code, coordinates) live in :mod:`directory.locations`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import phonenumbers

from directory import csvfile, schema
from directory.csvfile import is_blank
from directory.errors import DataFileError
from directory.export import FORMULA_TRIGGERS
from directory.gazetteer import normalize_state
from directory.locations import COORDINATE_TOLERANCE_MILES as COORDINATE_TOLERANCE_MILES
from directory.locations import check_location
from directory.report import Checker, ValidationReport, quote_value
from directory.schema import Column, ColumnType, Need, Vocabulary
from directory.verification import STALE_AFTER

HIGH_PRICE_USD = 10_000

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s;,<>\"]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_BARE_DOMAIN = re.compile(
    r"^(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:[/?#]\S*)?$"
)
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_PRICE_DECORATION = re.compile(r"[$,\s]|usd", re.IGNORECASE)


@dataclass
class LoadedClinics:
    """The normalised table and what was found wrong with it.

    ``table`` holds one row per CSV record: every column of the file (schema
    columns normalised, unknown columns untouched, in file order), then any
    schema columns the file lacked, then derived columns starting with ``_``
    (``_line``, ``_lat``, ``_lon``, ``_coordinates_approximate``, ``_has_error``)
    that are never written back.
    """

    table: pd.DataFrame
    report: ValidationReport

    def usable(self) -> pd.DataFrame:
        """The rows the search may show patients: those without any error.

        None at all when the header or the file as a whole has an error (a required
        column missing, say): then no row can be trusted.
        """
        if self.report.has_file_errors:
            return self.table.iloc[:0]
        has_error = self.table[schema.HAS_ERROR].to_numpy(dtype=bool)
        return self.table[~has_error] if has_error.any() else self.table


def load_clinics(path: str | Path, *, today: date | None = None) -> LoadedClinics:
    """Read and validate a clinic CSV file.

    Raises :class:`DataFileError` when the file cannot be read at all; every
    problem with its content is reported in ``result.report`` instead.
    """
    return parse_clinics(read_data_file(path), today=today)


def read_data_file(path: str | Path) -> bytes:
    """The bytes of a data file, or a :class:`DataFileError` saying why not."""
    target = Path(path)
    try:
        return target.read_bytes()
    except OSError as error:
        raise unreadable_file_error(target, error) from None


def unreadable_file_error(path: Path, error: OSError) -> DataFileError:
    """The :class:`DataFileError` for a data file that could not be read, in plain words."""
    if isinstance(error, FileNotFoundError):
        return DataFileError(f"{path}: no such file")
    if isinstance(error, IsADirectoryError):
        return DataFileError(f"{path}: is a folder, not a CSV file")
    if isinstance(error, PermissionError):
        return DataFileError(f"{path}: permission denied")
    return DataFileError(f"{path}: cannot be read ({error.strerror or error})")


def parse_clinics(data: bytes | str, *, today: date | None = None) -> LoadedClinics:
    """Validate CSV content given as bytes (any encoding we can detect) or text."""
    report = ValidationReport()
    cells = csvfile.read_table(data, report)
    if cells is None:
        return LoadedClinics(csvfile.empty_table(), report)
    table = _validate(cells, report, today or date.today())
    if table.empty and report.valid:
        report.error(
            None,
            None,
            None,
            "the file has a header row but no clinics below it; add one row per clinic "
            "(see docs/data-format.md)",
        )
    report.rows = len(table)
    report.sort()
    return LoadedClinics(table, report)


# --- validation ---------------------------------------------------------------------------


def _validate(table: pd.DataFrame, report: ValidationReport, today: date) -> pd.DataFrame:
    check = Checker(report, table[schema.LINE].to_numpy(dtype=np.int64))
    missing: list[str] = table.attrs.get("missing_columns", [])
    raw = table[list(schema.COLUMN_NAMES)].copy()

    kind = _check_choice(table, raw, schema.COLUMNS_BY_NAME["kind"], check)
    is_clinic = (kind == "clinic").to_numpy()
    is_telehealth = (kind == "telehealth").to_numpy()
    _check_required(raw, is_clinic, is_telehealth, missing, check)

    for column in schema.COLUMNS:
        if column.name == "kind":
            continue
        if column.type is ColumnType.CHOICE:
            _check_choice(table, raw, column, check)
        elif column.type is ColumnType.CHOICES:
            _check_choices(table, raw, column, check)
        elif column.type is ColumnType.URL:
            _check_url(table, raw, column.name, check)
    _check_ids(table, check)
    _check_telehealth_modalities(table, raw, is_telehealth, check)
    _check_states(table, raw, check)
    _check_phone(table, raw, check)
    _check_email(raw, check)
    _check_price(table, raw, check)
    _check_dates(table, raw, today, check)
    check_location(table, raw, is_clinic, check)
    _check_duplicate_listings(table, check)
    _check_formulas(table, check)
    table[schema.HAS_ERROR] = check.has_error
    return table


def _constant(message: str) -> Callable[[str], str]:
    return lambda _value: message


def _check_required(
    raw: pd.DataFrame,
    is_clinic: npt.NDArray[np.bool_],
    is_telehealth: npt.NDArray[np.bool_],
    missing: Sequence[str],
    check: Checker,
) -> None:
    for column in schema.COLUMNS:
        if column.name in missing or column.need is Need.OPTIONAL:
            continue
        blank = is_blank(raw[column.name])
        if column.need is Need.ALWAYS:
            hint = f"; use {column.vocabulary.allowed_text()}" if column.vocabulary else ""
            check.flag(
                "error",
                blank,
                column.name,
                raw[column.name],
                _constant(f"is empty; this column is required{hint}"),
            )
        elif column.need is Need.CLINIC:
            check.flag(
                "error",
                blank & is_clinic,
                column.name,
                raw[column.name],
                lambda _v: "is empty; an in-person clinic needs address, city, state and zip",
            )
        elif column.need is Need.TELEHEALTH:
            check.flag(
                "error",
                blank & is_telehealth,
                column.name,
                raw[column.name],
                lambda _v: (
                    "is empty; a telehealth provider needs the USPS codes of the "
                    "states it is licensed in (e.g. CO;NM) or ALL"
                ),
            )
    check.flag(
        "warning",
        ~is_blank(raw["address"]) & is_telehealth,
        "address",
        raw["address"],
        lambda _v: (
            "is ignored: telehealth providers are matched by service_states; if "
            "they also see patients in person, add a separate clinic row"
        ),
    )


def _check_choice(
    table: pd.DataFrame, raw: pd.DataFrame, column: Column, check: Checker
) -> pd.Series:
    vocabulary = _vocabulary_of(column)
    values = raw[column.name]
    codes = values.map(_code_lookup(values, vocabulary))
    blank = is_blank(values)
    unknown = codes.isna().to_numpy() & ~blank
    check.flag(
        "error",
        unknown,
        column.name,
        values,
        lambda v: f"{quote_value(v)} is not a {vocabulary.noun}; use {vocabulary.allowed_text()}",
    )
    result = codes.fillna("")
    if column.default:
        result = result.mask(pd.Series(blank, index=result.index), column.default)
    table[column.name] = result.where(~unknown, values).astype(str)
    return table[column.name]


def _vocabulary_of(column: Column) -> Vocabulary:
    if column.vocabulary is None:
        raise TypeError(f"column {column.name!r} has no vocabulary")
    return column.vocabulary


def _code_lookup(values: pd.Series, vocabulary: Vocabulary) -> dict[str, str | None]:
    return {value: vocabulary.code_for(value) for value in values.unique()}


def _check_choices(table: pd.DataFrame, raw: pd.DataFrame, column: Column, check: Checker) -> None:
    vocabulary = _vocabulary_of(column)
    values = raw[column.name]
    normalised: dict[str, str] = {}
    unknown: dict[str, list[str]] = {}
    order = {code: i for i, code in enumerate(vocabulary.codes)}
    for value in values.unique():
        codes: set[str] = set()
        bad: list[str] = []
        for token in schema.LIST_SEPARATORS.split(value):
            token = token.strip()
            if not token:
                continue
            code = vocabulary.code_for(token)
            if code is None:
                bad.append(token)
            else:
                codes.add(code)
        normalised[value] = schema.CANONICAL_LIST_SEPARATOR.join(
            sorted(codes, key=order.__getitem__)
        )
        if bad:
            unknown[value] = bad
    table[column.name] = values.map(normalised).astype(str)
    if unknown:

        def message(value: str) -> str:
            bad = unknown[value]
            listed = ", ".join(quote_value(b) for b in bad)
            verb = "is not a" if len(bad) == 1 else "are not"
            noun = vocabulary.noun if len(bad) == 1 else _plural_noun(vocabulary.noun)
            return f"{listed} {verb} {noun}; use {vocabulary.allowed_text()}"

        check.flag("error", values.isin(list(unknown)).to_numpy(), column.name, values, message)


def _plural_noun(noun: str) -> str:
    """``'modality'`` -> ``'modalities'``, ``'condition'`` -> ``'conditions'``."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def _check_ids(table: pd.DataFrame, check: Checker) -> None:
    ids = table["id"]
    malformed = ~ids.str.fullmatch(_ID).to_numpy(dtype=bool) & ~is_blank(ids)

    def suggest(value: str) -> str:
        fixed = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
        hint = f" (e.g. {quote_value(fixed)})" if fixed else ""
        return (
            f"{quote_value(value)} is not a valid id; use lowercase letters, digits and "
            f"single dashes{hint}"
        )

    check.flag("error", malformed, "id", ids, suggest)
    present = ids[~is_blank(ids)]
    repeated = present.duplicated(keep="first")
    if repeated.any():
        lines = table.loc[present.index, schema.LINE]
        first_line = lines.groupby(present.to_numpy()).transform("min").to_numpy()
        mask = np.zeros(len(ids), dtype=bool)
        mask[ids.index.get_indexer(present.index[repeated.to_numpy()])] = True
        first_by_id = dict(zip(present.to_numpy(), first_line, strict=True))
        check.flag(
            "error",
            mask,
            "id",
            ids,
            lambda v: (
                f"duplicate id {quote_value(v)} (first used on line "
                f"{first_by_id[v]}); every clinic needs its own id"
            ),
        )


def _check_telehealth_modalities(
    table: pd.DataFrame, raw: pd.DataFrame, is_telehealth: npt.NDArray[np.bool_], check: Checker
) -> None:
    modalities = table["modalities"]
    in_clinic_only = modalities.str.contains(r"\b(?:iv|im|nasal|oral)\b", regex=True).to_numpy(
        dtype=bool
    )
    check.flag(
        "error",
        in_clinic_only & is_telehealth,
        "modalities",
        raw["modalities"],  # the value as typed, as in every other message
        lambda v: (
            f"{quote_value(v)} includes care given in a clinic; a telehealth row "
            "can only offer at_home (add a separate clinic row for in-person care)"
        ),
    )


# Service-state lists repeat the same few dozen names; look each up once.
_state_code = lru_cache(maxsize=4096)(normalize_state)


def _check_states(table: pd.DataFrame, raw: pd.DataFrame, check: Checker) -> None:
    states = raw["state"]
    mapping = {value: _state_code(value) for value in states.unique() if value}
    codes = states.map(mapping)
    bad = codes.isna().to_numpy() & ~is_blank(states)
    check.flag(
        "error",
        bad,
        "state",
        states,
        lambda v: (
            f"{quote_value(v)} is not a US state; use a two-letter USPS code such as CO, NY or PR"
        ),
    )
    table["state"] = codes.where(
        ~pd.Series(bad | is_blank(states), index=codes.index), states
    ).astype(str)

    served = raw["service_states"]
    normalised: dict[str, str] = {}
    unknown: dict[str, list[str]] = {}
    for value in served.unique():
        if not value:
            normalised[value] = ""
            continue
        found: set[str] = set()
        bad_tokens: list[str] = []
        for token in schema.LIST_SEPARATORS.split(value):
            token = token.strip()
            if not token:
                continue
            if token.upper() in (schema.SERVICE_STATES_ALL, "ALL STATES", "NATIONWIDE"):
                found.add(schema.SERVICE_STATES_ALL)
                continue
            code = _state_code(token)
            if code is None:
                bad_tokens.append(token)
            else:
                found.add(code)
        normalised[value] = (
            schema.SERVICE_STATES_ALL
            if schema.SERVICE_STATES_ALL in found
            else schema.CANONICAL_LIST_SEPARATOR.join(sorted(found))
        )
        if bad_tokens:
            unknown[value] = bad_tokens
    table["service_states"] = served.map(normalised).astype(str)
    if unknown:
        check.flag(
            "error",
            served.isin(list(unknown)).to_numpy(),
            "service_states",
            served,
            lambda v: (
                ", ".join(quote_value(t) for t in unknown[v])
                + (" is not a US state" if len(unknown[v]) == 1 else " are not US states")
                + "; use USPS codes separated by ';' (e.g. CO;NM;UT) or ALL"
            ),
        )


def _check_phone(table: pd.DataFrame, raw: pd.DataFrame, check: Checker) -> None:
    phones = raw["phone"]
    # Most cells are plain North American numbers: shape-check and format those for the
    # whole column at once, with phonenumbers' metadata deciding which area codes exist.
    # Anything else (+44..., vanity letters) goes through phonenumbers one distinct value
    # at a time.
    parts = phones.str.extract(_NANP)
    area = parts["area"].fillna("")
    fast = area.isin(_nanp_area_codes()).to_numpy(dtype=bool)
    extension = parts["ext"].fillna("")
    suffix = (" ext. " + extension).where(extension != "", "")
    formatted = (
        "(" + area + ") " + parts["exchange"].fillna("") + "-" + parts["line"].fillna("") + suffix
    )
    slow_values = phones[~fast & ~is_blank(phones)].unique()
    slow = {value: _format_phone(value) for value in slow_values}
    result = formatted.where(pd.Series(fast, index=phones.index), phones.map(slow))
    bad = result.isna().to_numpy() & ~is_blank(phones)
    check.flag(
        "error",
        bad,
        "phone",
        phones,
        lambda v: (
            f"{quote_value(v)} is not a phone number we can dial; use a US number "
            "like (303) 555-0142, or +country code for other countries"
        ),
    )
    table["phone"] = (
        result.where(~pd.Series(bad, index=result.index), phones).fillna("").astype(str)
    )


_NANP = re.compile(
    r"^\s*(?:\+?1[\s.-]*)?\(?(?P<area>[2-9]\d{2})\)?[\s.-]*(?P<exchange>[2-9]\d{2})[\s.-]*"
    r"(?P<line>\d{4})(?:\s*(?:x|ext\.?|extension)\s*(?P<ext>\d{1,6}))?\s*$",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _nanp_area_codes() -> frozenset[str]:
    """Area codes phonenumbers knows as in service in the North American Numbering Plan."""
    codes = set()
    for area in range(200, 1000):
        for probe in ("5550100", "2345678", "4567890", "7890123", "3217654", "8675309"):
            number = phonenumbers.parse(f"+1{area}{probe}")
            if phonenumbers.is_valid_number(number):
                codes.add(str(area))
                break
    return frozenset(codes)


def _format_phone(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))


def _check_url(table: pd.DataFrame, raw: pd.DataFrame, name: str, check: Checker) -> None:
    values = raw[name]
    fixed: dict[str, str] = {}
    errors: dict[str, str] = {}
    for value in values.unique():
        if not value:
            continue
        if schema.WEB_ADDRESS.fullmatch(value):
            continue
        scheme = _SCHEME.match(value)
        if scheme and scheme.group(1).lower() not in ("http", "https"):
            errors[value] = (
                f"{quote_value(value)} uses the {scheme.group(1).lower()}: scheme; "
                "only http:// and https:// links are allowed"
            )
        elif not scheme and _BARE_DOMAIN.match(value):
            fixed[value] = "https://" + value
        else:
            errors[value] = (
                f"{quote_value(value)} is not a web address; use a full http:// or "
                "https:// link such as https://clinic.example.com"
            )
    if fixed:
        mask = values.isin(list(fixed)).to_numpy()
        check.flag(
            "warning",
            mask,
            name,
            values,
            lambda v: f"{quote_value(v)} has no http(s):// prefix; read as {quote_value(fixed[v])}",
        )
        table[name] = values.map(lambda v: fixed.get(v, v)).astype(str)
    if errors:
        check.flag("error", values.isin(list(errors)).to_numpy(), name, values, errors.__getitem__)


def _check_email(raw: pd.DataFrame, check: Checker) -> None:
    emails = raw["email"]
    bad = ~emails.str.fullmatch(_EMAIL).to_numpy(dtype=bool) & ~is_blank(emails)
    check.flag(
        "error",
        bad,
        "email",
        emails,
        lambda v: f"{quote_value(v)} is not an email address; use name@clinic.example.com",
    )


def _check_price(table: pd.DataFrame, raw: pd.DataFrame, check: Checker) -> None:
    prices = raw["price_per_session_usd"]
    cleaned = prices.str.replace(_PRICE_DECORATION, "", regex=True)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    blank = is_blank(prices)
    not_number = numbers.isna().to_numpy() & ~blank
    negative = (numbers < 0).to_numpy(dtype=bool)
    check.flag(
        "error",
        not_number,
        "price_per_session_usd",
        prices,
        lambda v: (
            f"{quote_value(v)} is not a price; use a number of US dollars such "
            "as 450 (no ranges or words)"
        ),
    )
    check.flag(
        "error",
        negative,
        "price_per_session_usd",
        prices,
        lambda v: f"{quote_value(v)} is negative; a price must be 0 or more",
    )
    check.flag(
        "warning",
        (numbers > HIGH_PRICE_USD).to_numpy(dtype=bool),
        "price_per_session_usd",
        prices,
        lambda v: f"{quote_value(v)} is unusually high for one session; check the value",
    )
    table["price_per_session_usd"] = numbers.where(~(negative | not_number)).astype(np.float64)


def _check_dates(table: pd.DataFrame, raw: pd.DataFrame, today: date, check: Checker) -> None:
    values = raw["last_verified"]
    parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    # Excel often rewrites dates as 9/14/2026; accept that and store it as ISO.
    us_style = pd.to_datetime(values, format="%m/%d/%Y", errors="coerce")
    parsed = parsed.fillna(us_style)
    blank = is_blank(values)
    malformed = parsed.isna().to_numpy() & ~blank
    check.flag(
        "error",
        malformed,
        "last_verified",
        values,
        lambda v: f"{quote_value(v)} is not a date; use YYYY-MM-DD, e.g. {today.isoformat()}",
    )
    today_ts = pd.Timestamp(today)
    future = (parsed > today_ts).to_numpy(dtype=bool)
    check.flag(
        "error",
        future,
        "last_verified",
        values,
        lambda v: (
            f"{quote_value(v)} is in the future; use the date the listing was actually checked"
        ),
    )
    stale = (parsed < today_ts - pd.Timedelta(STALE_AFTER)).to_numpy(dtype=bool)
    check.flag(
        "warning",
        stale,
        "last_verified",
        values,
        lambda v: (
            f"{quote_value(v)} is more than 12 months ago; re-check the listing with the clinic"
        ),
    )
    check.flag(
        "warning",
        blank,
        "last_verified",
        values,
        lambda _v: "is empty; patients are told this listing has never been verified",
    )
    iso = parsed.dt.strftime("%Y-%m-%d")
    table["last_verified"] = (
        iso.where(~pd.Series(malformed | future, index=iso.index), values).fillna("").astype(str)
    )


def _check_duplicate_listings(table: pd.DataFrame, check: Checker) -> None:
    clinics = table[(table["kind"] == "clinic") & (table["address"] != "")]
    if clinics.empty:
        return

    # Case, spacing and punctuation differences still count as the same listing.
    def fold(values: pd.Series) -> pd.Series:
        return values.str.lower().str.replace(r"[\W_]+", "", regex=True)

    key = fold(clinics["name"]) + "|" + fold(clinics["address"]) + "|" + clinics["zip"].str[:5]
    repeated = key.duplicated(keep="first")
    if not repeated.any():
        return
    first_line = clinics[schema.LINE].groupby(key.to_numpy()).transform("min").to_numpy()
    first_id = clinics["id"].groupby(key.to_numpy()).transform("first").to_numpy()
    lines = clinics[schema.LINE].to_numpy()
    names = clinics["name"].to_numpy()
    # A repeated id is already an error of its own; this warning is about *different* ids.
    other_id = clinics["id"].to_numpy() != first_id
    other_id &= ~clinics[schema.LINE].isin(check.lines[check.misread]).to_numpy(dtype=bool)
    for position in np.flatnonzero(repeated.to_numpy() & other_id):
        check.report.warning(
            int(lines[position]),
            "name",
            str(names[position]),
            f"the same name and address are listed on line {int(first_line[position])} as "
            f"{quote_value(str(first_id[position]))}; is this the same clinic under two ids?",
        )


def _check_formulas(table: pd.DataFrame, check: Checker) -> None:
    text_columns = [c.name for c in schema.COLUMNS if c.type is ColumnType.TEXT]
    unknown = [c for c in schema.data_columns(table.columns) if c not in schema.COLUMNS_BY_NAME]
    for name in (*text_columns, *unknown):
        values = table[name].fillna("").astype(str)
        risky = values.str.startswith(FORMULA_TRIGGERS).to_numpy(dtype=bool)
        if not risky.any():
            continue
        # `&=` would write into pandas' read-only view of the column (copy-on-write).
        risky = risky & ~values.str.fullmatch(_PLAIN_NUMBER).to_numpy(dtype=bool)
        check.flag(
            "warning",
            risky,
            name,
            values,
            lambda v: (
                f"{quote_value(v)} starts with {quote_value(v[:1])}, which a "
                "spreadsheet may run as a formula; exports neutralise it, but check the value"
            ),
        )
