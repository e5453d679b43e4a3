"""Read, normalise and validate the clinic CSV; write it back.

:mod:`directory.csvfile` turns the file's bytes into a table of cells; this module
normalises and checks them. ``load_clinics(path)`` is the one way in: it never
raises for bad *content* (that goes in the report, with line and column) and raises
:class:`~directory.errors.DataFileError` only when the file cannot be opened.
Checks run column by column over the whole table (pandas, and each distinct
cell value parsed once), so 100k rows validate in well under the 3 s budget.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import phonenumbers

from directory import csvfile, schema
from directory.csvfile import IntArray
from directory.distance import great_circle_miles
from directory.errors import DataFileError
from directory.gazetteer import STATE_CODES, get_gazetteer, normalize_state
from directory.report import Severity, ValidationReport, quote_value
from directory.schema import Column, ColumnType, Need, Vocabulary

STALE_AFTER = timedelta(days=365)
COORDINATE_TOLERANCE_MILES = 50.0
HIGH_PRICE_USD = 10_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ZIP5 = re.compile(r"^\d{5}$")
_ZIP4 = re.compile(r"^\d{5}-\d{4}$")
_ZIP9 = re.compile(r"^\d{9}$")
_ZIP_SHORT = re.compile(r"^\d{3,4}$")
_EXCEL_FLOAT = re.compile(r"^(\d{3,5})\.0+$")
_EMAIL = re.compile(r"^[^@\s;,<>\"]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_URL = re.compile(
    r"^https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d{1,5})?(?:[/?#]\S*)?$", re.IGNORECASE
)
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
    (``_line``, ``_lat``, ``_lon``, ``_coordinates_approximate``) that are never
    written back.
    """

    table: pd.DataFrame
    report: ValidationReport

    @property
    def csv_columns(self) -> list[str]:
        return [c for c in self.table.columns if not str(c).startswith(schema.DERIVED_PREFIX)]

    def usable(self) -> pd.DataFrame:
        """Rows with no errors, which the search may show."""
        bad = self.report.lines_with_errors()
        if not bad:
            return self.table
        return self.table[~self.table[schema.LINE].isin(bad)]


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
    except FileNotFoundError:
        raise DataFileError(f"{target}: no such file") from None
    except IsADirectoryError:
        raise DataFileError(f"{target}: is a folder, not a CSV file") from None
    except PermissionError:
        raise DataFileError(f"{target}: permission denied") from None
    except OSError as error:
        raise DataFileError(f"{target}: cannot be read ({error.strerror or error})") from None


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


def write_csv_text(table: pd.DataFrame) -> str:
    """The CSV text of a table: every non-derived column, numbers without noise."""
    out = table[[c for c in table.columns if not str(c).startswith(schema.DERIVED_PREFIX)]].copy()
    for name in ("latitude", "longitude", "price_per_session_usd"):
        if name in out.columns and pd.api.types.is_numeric_dtype(out[name]):
            out[name] = _format_numbers(out[name].to_numpy(dtype=np.float64))
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _format_numbers(values: npt.NDArray[np.float64]) -> list[str]:
    # repr of a float is the shortest text that reads back to the same float,
    # so a load -> save -> load round trip never drifts.
    return [
        "" if np.isnan(v) else (str(int(v)) if v.is_integer() else repr(float(v))) for v in values
    ]


# --- validation ---------------------------------------------------------------------------


class _Checker:
    """Adds problems for the rows a boolean mask selects, with each row's line and value."""

    def __init__(self, table: pd.DataFrame, report: ValidationReport) -> None:
        self.report = report
        self.lines: IntArray = table[schema.LINE].to_numpy(dtype=np.int64)
        # Rows already reported as misread (too many cells, an unclosed quote) have their
        # values in the wrong columns; checking those cells would only add misleading noise.
        misread = {p.line for p in report.errors if p.line and p.line > 1 and p.column is None}
        self.misread: npt.NDArray[np.bool_] = np.isin(self.lines, list(misread))

    def flag(
        self,
        severity: Severity,
        mask: npt.NDArray[np.bool_] | pd.Series,
        column: str,
        values: pd.Series,
        message: Callable[[str], str],
    ) -> None:
        positions = np.flatnonzero(np.asarray(mask, dtype=bool) & ~self.misread)
        if not len(positions):
            return
        # Past the report's cap only count: a huge file must not build millions of messages.
        room = self.report.room(severity)
        if len(positions) > room:
            self.report.count_unkept(severity, len(positions) - room)
            positions = positions[:room]
        raw = values.to_numpy(dtype=object)
        add = self.report.error if severity == "error" else self.report.warning
        cache: dict[str, str] = {}
        for position in positions:
            value = "" if raw[position] is None else str(raw[position])
            text = cache.get(value)
            if text is None:
                text = cache[value] = message(value)
            add(int(self.lines[position]), column, value, text)


def _validate(table: pd.DataFrame, report: ValidationReport, today: date) -> pd.DataFrame:
    check = _Checker(table, report)
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
    _check_location(table, raw, is_clinic, check)
    _check_duplicate_listings(table, check)
    _check_formulas(table, check)
    return table


def _constant(message: str) -> Callable[[str], str]:
    return lambda _value: message


def _blank(series: pd.Series) -> npt.NDArray[np.bool_]:
    return np.asarray(series.eq("").to_numpy(), dtype=bool)


def _check_required(
    raw: pd.DataFrame,
    is_clinic: npt.NDArray[np.bool_],
    is_telehealth: npt.NDArray[np.bool_],
    missing: Sequence[str],
    check: _Checker,
) -> None:
    for column in schema.COLUMNS:
        if column.name in missing or column.need is Need.OPTIONAL:
            continue
        blank = _blank(raw[column.name])
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
        ~_blank(raw["address"]) & is_telehealth,
        "address",
        raw["address"],
        lambda _v: (
            "is ignored: telehealth providers are matched by service_states; if "
            "they also see patients in person, add a separate clinic row"
        ),
    )


def _check_choice(
    table: pd.DataFrame, raw: pd.DataFrame, column: Column, check: _Checker
) -> pd.Series:
    vocabulary = _vocabulary_of(column)
    values = raw[column.name]
    codes = values.map(_code_lookup(values, vocabulary))
    blank = _blank(values)
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


def _check_choices(table: pd.DataFrame, raw: pd.DataFrame, column: Column, check: _Checker) -> None:
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


def _check_ids(table: pd.DataFrame, check: _Checker) -> None:
    ids = table["id"]
    malformed = ~ids.str.fullmatch(_ID).to_numpy(dtype=bool) & ~_blank(ids)

    def suggest(value: str) -> str:
        fixed = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
        hint = f" (e.g. {quote_value(fixed)})" if fixed else ""
        return (
            f"{quote_value(value)} is not a valid id; use lowercase letters, digits and "
            f"single dashes{hint}"
        )

    check.flag("error", malformed, "id", ids, suggest)
    present = ids[~_blank(ids)]
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
    table: pd.DataFrame, raw: pd.DataFrame, is_telehealth: npt.NDArray[np.bool_], check: _Checker
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


def _check_states(table: pd.DataFrame, raw: pd.DataFrame, check: _Checker) -> None:
    states = raw["state"]
    mapping = {value: _state_code(value) for value in states.unique() if value}
    codes = states.map(mapping)
    bad = codes.isna().to_numpy() & ~_blank(states)
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
        ~pd.Series(bad | _blank(states), index=codes.index), states
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


def _check_phone(table: pd.DataFrame, raw: pd.DataFrame, check: _Checker) -> None:
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
    slow_values = phones[~fast & ~_blank(phones)].unique()
    slow = {value: _format_phone(value) for value in slow_values}
    result = formatted.where(pd.Series(fast, index=phones.index), phones.map(slow))
    bad = result.isna().to_numpy() & ~_blank(phones)
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


def _check_url(table: pd.DataFrame, raw: pd.DataFrame, name: str, check: _Checker) -> None:
    values = raw[name]
    fixed: dict[str, str] = {}
    errors: dict[str, str] = {}
    for value in values.unique():
        if not value:
            continue
        if _URL.match(value):
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


def _check_email(raw: pd.DataFrame, check: _Checker) -> None:
    emails = raw["email"]
    bad = ~emails.str.fullmatch(_EMAIL).to_numpy(dtype=bool) & ~_blank(emails)
    check.flag(
        "error",
        bad,
        "email",
        emails,
        lambda v: f"{quote_value(v)} is not an email address; use name@clinic.example.com",
    )


def _check_price(table: pd.DataFrame, raw: pd.DataFrame, check: _Checker) -> None:
    prices = raw["price_per_session_usd"]
    cleaned = prices.str.replace(_PRICE_DECORATION, "", regex=True)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    blank = _blank(prices)
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


def _check_dates(table: pd.DataFrame, raw: pd.DataFrame, today: date, check: _Checker) -> None:
    values = raw["last_verified"]
    parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    # Excel often rewrites dates as 9/14/2026; accept that and store it as ISO.
    us_style = pd.to_datetime(values, format="%m/%d/%Y", errors="coerce")
    parsed = parsed.fillna(us_style)
    blank = _blank(values)
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


def _check_location(
    table: pd.DataFrame, raw: pd.DataFrame, is_clinic: npt.NDArray[np.bool_], check: _Checker
) -> None:
    zips = _check_zip(table, raw, check)
    lat_raw, lon_raw = raw["latitude"], raw["longitude"]
    lat = pd.to_numeric(lat_raw, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    lon = pd.to_numeric(lon_raw, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    lat_blank, lon_blank = _blank(lat_raw), _blank(lon_raw)
    lat_bad = (np.isnan(lat) & ~lat_blank) | (np.abs(lat) > 90)
    lon_bad = (np.isnan(lon) & ~lon_blank) | (np.abs(lon) > 180)
    # -104.99 in latitude next to 39.75 in longitude: the two columns are swapped (in the East,
    # where both fit either range, the distance check below notices instead).
    looks_swapped = lat_bad & (np.abs(lat) <= 180) & (np.abs(lon) <= 90)
    for mask, hint in ((lat_bad & ~looks_swapped, ""), (looks_swapped, _SWAPPED_HINT)):
        check.flag("error", mask, "latitude", lat_raw, _not_a_latitude(hint))
    check.flag(
        "error",
        lon_bad,
        "longitude",
        lon_raw,
        lambda v: (
            f"{quote_value(v)} is not a longitude; use decimal degrees between -180 "
            "and 180 (negative in the US), e.g. -104.9996"
        ),
    )
    lat[lat_bad] = np.nan
    lon[lon_bad] = np.nan
    half = (lat_blank != lon_blank) & ~lat_bad & ~lon_bad
    check.flag(
        "error",
        half & lon_blank,
        "longitude",
        lon_raw,
        lambda _v: "is empty but latitude is given; give both or leave both blank",
    )
    check.flag(
        "error",
        half & lat_blank,
        "latitude",
        lat_raw,
        lambda _v: "is empty but longitude is given; give both or leave both blank",
    )
    lat[half] = np.nan
    lon[half] = np.nan

    zips_frame = get_gazetteer().zips
    centroid = zips_frame.reindex(zips.str.slice(0, 5))
    centroid_lat = centroid["lat"].to_numpy(dtype=np.float64)
    centroid_lon = centroid["lon"].to_numpy(dtype=np.float64)
    centroid_state = centroid["state"].fillna("").to_numpy(dtype=object)
    known_zip = ~np.isnan(centroid_lat)
    zip_given = ~_blank(zips)
    check.flag(
        "warning",
        zip_given & ~known_zip & is_clinic,
        "zip",
        zips,
        lambda v: f"{quote_value(v)} is not a ZIP code we know; check it",
    )
    state = table["state"].to_numpy(dtype=object)
    # An invalid state already has its own error; comparing it with the ZIP's adds only noise.
    valid_state = table["state"].isin(STATE_CODES).to_numpy(dtype=bool)
    mismatch = known_zip & is_clinic & valid_state & (centroid_state != state)
    zip_states = dict(zip(zips[mismatch], centroid_state[mismatch], strict=True))
    check.flag(
        "warning",
        mismatch,
        "zip",
        zips,
        lambda v: (
            f"{quote_value(v)} is a ZIP code in {zip_states.get(v, '?')}, not in "
            "the row's state; check the ZIP and the state"
        ),
    )

    has_coordinates = ~np.isnan(lat) & ~np.isnan(lon)
    with np.errstate(invalid="ignore"):
        miles = great_circle_miles(lat, lon, centroid_lat, centroid_lon)
        swapped_miles = great_circle_miles(lon, lat, centroid_lat, centroid_lon)
    far = has_coordinates & known_zip & is_clinic & (miles > COORDINATE_TOLERANCE_MILES)
    swapped = far & (swapped_miles <= COORDINATE_TOLERANCE_MILES)
    distance_by_line = dict(zip(check.lines[far], miles[far], strict=True))
    lines_series = pd.Series(check.lines, index=table.index)
    check.flag(
        "warning",
        swapped,
        "latitude",
        lat_raw,
        lambda _v: (
            "latitude and longitude look swapped: swapped back they fall inside the ZIP code's area"
        ),
    )
    far_only = far & ~swapped & ~check.misread
    for position in np.flatnonzero(far_only):
        line = int(lines_series.iloc[position])
        check.report.warning(
            line,
            "latitude",
            f"{lat_raw.iloc[position]}, {lon_raw.iloc[position]}",
            f"the coordinates are {distance_by_line[line]:.0f} miles from ZIP "
            f"{zips.iloc[position]}; check for a typo",
        )

    approximate = ~has_coordinates & known_zip & ~lat_bad & ~lon_bad & ~half
    missing_point = ~has_coordinates & ~approximate & is_clinic & ~lat_bad & ~lon_bad & ~half
    check.flag(
        "error",
        missing_point & zip_given,
        "zip",
        zips,
        lambda v: (
            f"cannot place this clinic on the map: ZIP {quote_value(v)} is unknown "
            "and latitude/longitude are blank; give the coordinates or a known ZIP"
        ),
    )
    table["latitude"] = np.where(lat_bad | half, np.nan, lat)
    table["longitude"] = np.where(lon_bad | half, np.nan, lon)
    table[schema.LAT] = np.where(has_coordinates, lat, np.where(approximate, centroid_lat, np.nan))
    table[schema.LON] = np.where(has_coordinates, lon, np.where(approximate, centroid_lon, np.nan))
    table[schema.COORDINATES_APPROXIMATE] = approximate


_SWAPPED_HINT = " (it looks like a longitude: are latitude and longitude swapped?)"


def _not_a_latitude(hint: str) -> Callable[[str], str]:
    return lambda v: (
        f"{quote_value(v)} is not a latitude; use decimal degrees between -90 "
        f"and 90, e.g. 39.7501{hint}"
    )


def _check_zip(table: pd.DataFrame, raw: pd.DataFrame, check: _Checker) -> pd.Series:
    values = raw["zip"]
    fixed: dict[str, str] = {}
    bad: list[str] = []
    padded: list[str] = []
    for value in values.unique():
        if not value or _ZIP5.match(value) or _ZIP4.match(value):
            continue
        excel = _EXCEL_FLOAT.match(value)
        digits = excel.group(1) if excel else value
        if _ZIP9.match(digits):
            fixed[value] = f"{digits[:5]}-{digits[5:]}"
        elif _ZIP5.match(digits):
            fixed[value] = digits
        elif _ZIP_SHORT.match(digits):
            fixed[value] = digits.zfill(5)
            padded.append(value)
        else:
            bad.append(value)
    check.flag(
        "warning",
        values.isin(padded).to_numpy(),
        "zip",
        values,
        lambda v: (
            f"{quote_value(v)} is missing leading zeros (a spreadsheet dropped "
            f"them); read as {quote_value(fixed[v])}. Format the column as text"
        ),
    )
    check.flag(
        "error",
        values.isin(bad).to_numpy(),
        "zip",
        values,
        lambda v: f"{quote_value(v)} is not a ZIP code; use 5 digits (80202) or ZIP+4 (80202-1234)",
    )
    normalised = values.map(lambda v: fixed.get(v, v)) if fixed else values
    table["zip"] = normalised.where(~values.isin(bad), values).astype(str)
    return table["zip"].where(~values.isin(bad), "")


def _check_duplicate_listings(table: pd.DataFrame, check: _Checker) -> None:
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


def _check_formulas(table: pd.DataFrame, check: _Checker) -> None:
    text_columns = [c.name for c in schema.COLUMNS if c.type is ColumnType.TEXT]
    unknown = [
        c
        for c in table.columns
        if c not in schema.COLUMNS_BY_NAME and not str(c).startswith(schema.DERIVED_PREFIX)
    ]
    for name in (*text_columns, *unknown):
        values = table[name].fillna("").astype(str)
        risky = values.str.startswith(FORMULA_PREFIXES).to_numpy(dtype=bool)
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
