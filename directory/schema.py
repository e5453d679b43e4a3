"""The clinic data format, in one place.

Every column of ``data/clinics.csv``, when it is needed and which vocabulary it takes
live here; the vocabularies themselves (codes, labels, spellings) live in
:mod:`directory.vocabularies` and are re-exported. The validator, the search filters,
the CLI, the page's widgets and ``docs/data-format.md`` all read from these tables, so
adding a value means editing one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from directory.vocabularies import (
    ACCEPTING,
    CANONICAL_LIST_SEPARATOR,
    CONDITIONS,
    KINDS,
    LIST_SEPARATORS,
    MODALITIES,
    PAYMENT,
    SERVICE_STATES_ALL,
    THERAPIST_REQUIREMENT,
    TRAUMA_THERAPIES,
    VA_COVERAGE,
    VA_COVERED,
    Term,
    Vocabulary,
    normalize_key,
    normalize_keys,
    split_cell,
)

__all__ = [
    "ACCEPTING",
    "CANONICAL_LIST_SEPARATOR",
    "COLUMNS",
    "COLUMNS_BY_NAME",
    "COLUMN_NAMES",
    "CONDITIONS",
    "KINDS",
    "LIST_SEPARATORS",
    "MODALITIES",
    "PAYMENT",
    "PUBLISHED_COLUMNS",
    "SERVICE_STATES_ALL",
    "THERAPIST_REQUIREMENT",
    "TRAUMA_THERAPIES",
    "VA_COVERAGE",
    "VA_COVERED",
    "WEB_ADDRESS",
    "Column",
    "ColumnType",
    "Need",
    "Term",
    "Vocabulary",
    "canonical_column",
    "data_columns",
    "normalize_key",
    "normalize_keys",
    "published_columns",
    "split_cell",
]


class ColumnType(Enum):
    """How a column's cells are parsed and checked."""

    ID = "id"
    TEXT = "text"
    CHOICE = "choice"
    CHOICES = "choices"
    STATE = "state"
    STATES = "states"
    ZIP = "zip"
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    PHONE = "phone"
    URL = "url"
    EMAIL = "email"
    PRICE = "price"
    DATE = "date"


class Need(Enum):
    """When a column must have a value."""

    ALWAYS = "always"
    CLINIC = "for clinic rows"
    TELEHEALTH = "for telehealth rows"
    OPTIONAL = "optional"


@dataclass(frozen=True)
class Column:
    """One column of the data format."""

    name: str
    type: ColumnType
    need: Need
    description: str
    example: str
    vocabulary: Vocabulary | None = None
    header_required: bool = False
    """The header must contain this column (the file is invalid without it)."""
    default: str = ""
    aliases: tuple[str, ...] = field(default=())


COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        ColumnType.ID,
        Need.ALWAYS,
        "Unique, stable identifier: lowercase letters, digits and dashes. Never reuse one.",
        "mile-high-ketamine-denver",
        header_required=True,
    ),
    Column(
        "name",
        ColumnType.TEXT,
        Need.ALWAYS,
        "The clinic's name as patients see it.",
        "Mile High Ketamine Clinic",
        header_required=True,
        aliases=("clinic name",),
    ),
    Column(
        "kind",
        ColumnType.CHOICE,
        Need.ALWAYS,
        "clinic = a place patients visit; telehealth = an at-home provider serving whole states.",
        "clinic",
        KINDS,
        header_required=True,
        aliases=("type",),
    ),
    Column(
        "modalities",
        ColumnType.CHOICES,
        Need.ALWAYS,
        "How ketamine is given.",
        "iv;nasal",
        MODALITIES,
        header_required=True,
        aliases=("modality",),
    ),
    Column(
        "conditions",
        ColumnType.CHOICES,
        Need.ALWAYS,
        "Conditions the clinic treats.",
        "ptsd;depression;anxiety",
        CONDITIONS,
        header_required=True,
    ),
    Column(
        "address",
        ColumnType.TEXT,
        Need.CLINIC,
        "Street address of a clinic. Leave blank for telehealth.",
        "1550 Larimer St, Suite 300",
        aliases=("street", "street address"),
    ),
    Column("city", ColumnType.TEXT, Need.CLINIC, "City of a clinic.", "Denver"),
    Column(
        "state",
        ColumnType.STATE,
        Need.CLINIC,
        "Two-letter USPS code of a clinic's state (full names are converted).",
        "CO",
    ),
    Column(
        "zip",
        ColumnType.ZIP,
        Need.CLINIC,
        "Five-digit ZIP code (ZIP+4 accepted).",
        "80202",
        aliases=("zip code", "zipcode", "postal code"),
    ),
    Column(
        "latitude",
        ColumnType.LATITUDE,
        Need.OPTIONAL,
        "Decimal degrees. Blank = taken from the ZIP code's centre (approximate).",
        "39.7501",
        aliases=("lat",),
    ),
    Column(
        "longitude",
        ColumnType.LONGITUDE,
        Need.OPTIONAL,
        "Decimal degrees, negative in the US. Blank = taken from the ZIP code's centre.",
        "-104.9996",
        aliases=("lon", "lng", "long"),
    ),
    Column(
        "service_states",
        ColumnType.STATES,
        Need.TELEHEALTH,
        "For telehealth: USPS codes of the states it is licensed in, or ALL.",
        "CO;NM;UT",
        aliases=("states served",),
    ),
    Column(
        "phone",
        ColumnType.PHONE,
        Need.OPTIONAL,
        "Phone number patients should call.",
        "(303) 555-0142",
        aliases=("telephone", "phone number"),
    ),
    Column(
        "website",
        ColumnType.URL,
        Need.OPTIONAL,
        "http(s) address of the clinic's site.",
        "https://milehigh.example.com",
        aliases=("url", "web"),
    ),
    Column(
        "email",
        ColumnType.EMAIL,
        Need.OPTIONAL,
        "Contact email address.",
        "hello@milehigh.example.com",
    ),
    Column(
        "payment",
        ColumnType.CHOICES,
        Need.OPTIONAL,
        "Ways patients can pay.",
        "self_pay;financing;tricare",
        PAYMENT,
    ),
    Column(
        "insurers",
        ColumnType.TEXT,
        Need.OPTIONAL,
        "Insurance plans accepted, in free text.",
        "Aetna; Cigna",
    ),
    Column(
        "va_coverage",
        ColumnType.CHOICE,
        Need.ALWAYS,
        "Whether veterans can be covered through the VA.",
        "community_care",
        VA_COVERAGE,
        header_required=True,
        aliases=("va",),
    ),
    Column(
        "therapist_requirement",
        ColumnType.CHOICE,
        Need.ALWAYS,
        "Whether patients must already have a licensed therapist.",
        "in_house",
        THERAPIST_REQUIREMENT,
        header_required=True,
    ),
    Column(
        "price_per_session_usd",
        ColumnType.PRICE,
        Need.OPTIONAL,
        "Typical self-pay price of one session in US dollars (for telehealth: one month).",
        "550",
        aliases=("price", "price per session"),
    ),
    Column(
        "accepting_new_patients",
        ColumnType.CHOICE,
        Need.OPTIONAL,
        "yes, no or unknown (blank = unknown).",
        "yes",
        ACCEPTING,
        default="unknown",
        aliases=("accepting",),
    ),
    Column(
        "trauma_therapies",
        ColumnType.CHOICES,
        Need.OPTIONAL,
        "Trauma-focused therapies offered alongside ketamine.",
        "pe;cpt",
        TRAUMA_THERAPIES,
    ),
    Column(
        "languages",
        ColumnType.TEXT,
        Need.OPTIONAL,
        "Languages spoken, in free text. Patients can filter for Spanish: name it as "
        "Spanish or Español.",
        "English; Spanish",
    ),
    Column(
        "last_verified",
        ColumnType.DATE,
        Need.OPTIONAL,
        "When someone last checked the listing with the clinic, YYYY-MM-DD.",
        "2026-09-14",
        aliases=("verified", "last verified"),
    ),
    Column(
        "source_url",
        ColumnType.URL,
        Need.OPTIONAL,
        "Where the listing's facts were checked (http or https).",
        "https://milehigh.example.com/pricing",
    ),
    Column(
        "notes",
        ColumnType.TEXT,
        Need.OPTIONAL,
        "Anything else patients should know.",
        "Free parking; a driver is needed after treatment.",
    ),
)

COLUMNS_BY_NAME: Mapping[str, Column] = {column.name: column for column in COLUMNS}
COLUMN_NAMES: tuple[str, ...] = tuple(COLUMNS_BY_NAME)
REQUIRED_HEADER: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.header_required)

# Columns the loader adds for the app's use; never written back to the CSV.
DERIVED_PREFIX = "_"
LINE = "_line"
LAT = "_lat"
LON = "_lon"
COORDINATES_APPROXIMATE = "_coordinates_approximate"
HAS_ERROR = "_has_error"
"""True for a row with at least one error: it is never shown to patients."""
DERIVED_COLUMNS: tuple[str, ...] = (LINE, LAT, LON, COORDINATES_APPROXIMATE, HAS_ERROR)


PUBLISHED_COLUMNS: tuple[str, ...] = COLUMN_NAMES
"""The columns patients may see in what leaves the app (``search`` output, the patient's
download, the shortlist): the documented columns of the format, all of them public.
Columns an admin adds (notes, an internal reference) are kept in the data file and the
admin's downloads, never published."""


def published_columns(columns: Iterable[object]) -> list[str]:
    """The :data:`PUBLISHED_COLUMNS` among ``columns``, in their order."""
    published = set(PUBLISHED_COLUMNS)
    return [name for name in map(str, columns) if name in published]


def data_columns(columns: Iterable[object]) -> list[str]:
    """The names that are written to the CSV: every column but the loader's derived ``_`` ones."""
    return [name for name in map(str, columns) if not name.startswith(DERIVED_PREFIX)]


WEB_ADDRESS = re.compile(
    r"https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d{1,5})?(?:[/?#]\S*)?", re.IGNORECASE
)
"""An http(s) address the validator accepts as it is (use ``fullmatch``).

Every ``website`` and ``source_url`` in a loaded table has passed it, so code that
builds links (the clinic cards) checks with this same pattern rather than its own.
"""

HEADER_SPELLINGS: Mapping[str, str] = {
    normalize_key(spelling): column.name
    for column in COLUMNS
    for spelling in (column.name, *column.aliases)
}


def canonical_column(header_cell: str) -> str | None:
    """The schema column a header cell names (``'Zip Code'`` -> ``'zip'``), or None."""
    return HEADER_SPELLINGS.get(normalize_key(header_cell))
