"""The clinic data format, in one place.

Every column of ``data/clinics.csv``, its vocabulary and the human spellings
admins may type for each value live here. The validator, the search filters,
the CLI, the page's widgets and ``docs/data-format.md`` all read from these
tables, so adding a value means editing one line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

import pandas as pd

LIST_SEPARATORS = re.compile(r"[;|,]")
"""Cells holding several values may separate them with ``;`` (canonical), ``|`` or ``,``."""

CANONICAL_LIST_SEPARATOR = ";"


def normalize_key(text: str) -> str:
    """Fold a human spelling to a lookup key: ``'At-Home '`` -> ``'at home'``.

    Case, accents, punctuation and runs of spaces are ignored, so admins can
    type a value the way their spreadsheet or their clinic's website spells it.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _NOT_KEY.sub(" ", _COMBINING_MARKS.sub("", decomposed)).strip()


def normalize_keys(values: pd.Series) -> pd.Series:
    """:func:`normalize_key` over a whole column at once (same result, vectorised)."""
    decomposed = values.astype(str).str.casefold().str.normalize("NFKD")
    stripped = decomposed.str.replace(_COMBINING_MARKS.pattern, "", regex=True)
    return stripped.str.replace(_NOT_KEY.pattern, " ", regex=True).str.strip()


# Combining accents left over after NFKD decomposition (é -> e + U+0301), then anything
# that is not a plain ASCII letter or digit.
_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NOT_KEY = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Term:
    """One allowed value of a vocabulary: its code, plain-words label and other spellings."""

    code: str
    label: str
    synonyms: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Vocabulary:
    """A closed set of values for one column, e.g. the modalities."""

    name: str
    noun: str
    """How one value is called in messages: ``'laughing_gas' is not a {noun}``."""
    terms: tuple[Term, ...]

    @cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(term.code for term in self.terms)

    @cached_property
    def labels(self) -> dict[str, str]:
        return {term.code: term.label for term in self.terms}

    @cached_property
    def spellings(self) -> dict[str, str]:
        """Every accepted spelling, as a :func:`normalize_key` key, mapped to its code."""
        table: dict[str, str] = {}
        for term in self.terms:
            for spelling in (term.code, term.label, *term.synonyms):
                key = normalize_key(spelling)
                if key in table and table[key] != term.code:
                    raise AssertionError(f"{self.name}: {spelling!r} maps to two codes")
                table[key] = term.code
        return table

    def code_for(self, spelling: str) -> str | None:
        """The code a human spelling stands for, or None when it is not in the vocabulary."""
        return self.spellings.get(normalize_key(spelling))

    def allowed_text(self) -> str:
        """``'iv, im, nasal, oral or at_home'`` for error messages."""
        codes = list(self.codes)
        return ", ".join(codes[:-1]) + " or " + codes[-1] if len(codes) > 1 else codes[0]


KINDS = Vocabulary(
    "kind",
    "kind of listing",
    (
        Term(
            "clinic",
            "In-person clinic",
            ("in person", "in-person clinic", "location", "office", "center", "centre"),
            "A place patients visit; needs address, city, state and zip.",
        ),
        Term(
            "telehealth",
            "At-home provider (telehealth)",
            ("at home", "at-home provider", "online", "virtual", "remote", "tele health"),
            "Treats patients at home under state licences; needs service_states.",
        ),
    ),
)

MODALITIES = Vocabulary(
    "modalities",
    "modality",
    (
        Term(
            "iv",
            "IV infusion",
            ("intravenous", "infusion", "iv infusion", "ketamine infusion", "i v"),
            "Ketamine through a drip in a vein, in a clinic, with monitoring.",
        ),
        Term(
            "im",
            "IM injection",
            ("intramuscular", "injection", "intramuscular injection", "im shot", "i m"),
            "A ketamine shot into a muscle, in a clinic.",
        ),
        Term(
            "nasal",
            "Nasal spray (esketamine / Spravato)",
            (
                "spravato",
                "esketamine",
                "intranasal",
                "nasal spray",
                "esketamine nasal spray",
                "spravato nasal spray",
            ),
            "Esketamine nasal spray, taken under supervision in a certified clinic.",
        ),
        Term(
            "oral",
            "Oral in clinic",
            (
                "sublingual",
                "oral in clinic",
                "sublingual in clinic",
                "lozenge",
                "troche",
                "oral sublingual",
            ),
            "Ketamine tablets or lozenges taken in the clinic.",
        ),
        Term(
            "at_home",
            "At-home (telehealth)",
            (
                "at home",
                "home",
                "athome",
                "telehealth",
                "at home telehealth",
                "at home oral",
                "at home sublingual",
                "home use",
            ),
            "Oral or sublingual ketamine taken at home, prescribed via telehealth.",
        ),
    ),
)

CONDITIONS = Vocabulary(
    "conditions",
    "condition",
    (
        Term(
            "ptsd",
            "PTSD",
            (
                "post traumatic stress disorder",
                "posttraumatic stress disorder",
                "post traumatic stress",
                "c ptsd",
                "cptsd",
            ),
        ),
        Term(
            "depression",
            "Depression",
            (
                "treatment resistant depression",
                "trd",
                "major depression",
                "mdd",
                "major depressive disorder",
                "postpartum depression",
            ),
        ),
        Term(
            "anxiety",
            "Anxiety",
            (
                "gad",
                "generalized anxiety disorder",
                "generalised anxiety disorder",
                "anxiety disorder",
            ),
        ),
        Term("ocd", "OCD", ("obsessive compulsive disorder",)),
        Term("bipolar_depression", "Bipolar depression", ("bipolar", "bipolar disorder")),
        Term(
            "chronic_pain",
            "Chronic pain",
            ("pain", "crps", "fibromyalgia", "neuropathic pain", "pain management"),
        ),
        Term(
            "substance_use",
            "Substance use",
            ("sud", "substance use disorder", "addiction", "alcohol use disorder"),
        ),
        Term(
            "suicidal_ideation",
            "Suicidal thoughts",
            ("suicidal ideation", "si", "suicidality", "suicidal thoughts"),
        ),
    ),
)

PAYMENT = Vocabulary(
    "payment",
    "payment option",
    (
        Term("self_pay", "Self-pay", ("cash", "out of pocket", "private pay", "selfpay")),
        Term(
            "private_insurance",
            "Private insurance",
            ("insurance", "commercial insurance", "commercial", "ppo", "hmo"),
        ),
        Term("medicare", "Medicare", ()),
        Term("medicaid", "Medicaid", ()),
        Term("tricare", "TRICARE", ()),
        Term(
            "financing", "Financing", ("payment plan", "payment plans", "carecredit", "care credit")
        ),
        Term("sliding_scale", "Sliding scale", ("sliding fee", "income based")),
    ),
)

VA_COVERAGE = Vocabulary(
    "va_coverage",
    "VA coverage",
    (
        Term(
            "community_care",
            "VA Community Care",
            ("va community care", "ccn", "va ccn", "community care network", "mission act"),
            "In the VA Community Care network: the VA pays after it refers the veteran.",
        ),
        Term(
            "va_facility",
            "VA medical center",
            ("va", "va medical center", "vamc", "va hospital", "veterans affairs"),
            "A VA medical center treating enrolled veterans.",
        ),
        Term("no", "Not covered by the VA", ("none", "n", "false", "not covered")),
        Term("unknown", "VA coverage unknown", ("not sure", "unsure")),
    ),
)

THERAPIST_REQUIREMENT = Vocabulary(
    "therapist_requirement",
    "therapist requirement",
    (
        Term(
            "required",
            "You must already see a licensed therapist",
            ("must have therapist", "therapist required", "must", "yes"),
            "The patient must already work with a licensed mental-health provider.",
        ),
        Term(
            "in_house",
            "Therapy provided by the clinic",
            (
                "in house",
                "inhouse",
                "provided",
                "included",
                "kap",
                "ketamine assisted psychotherapy",
            ),
            "The clinic provides the therapy itself, e.g. ketamine-assisted psychotherapy.",
        ),
        Term(
            "recommended",
            "A therapist is recommended",
            ("encouraged", "suggested", "preferred"),
            "Working with a therapist is encouraged but not required.",
        ),
        Term(
            "none",
            "No therapist needed",
            ("no", "not required", "not needed"),
            "No therapist is required.",
        ),
    ),
)

TRAUMA_THERAPIES = Vocabulary(
    "trauma_therapies",
    "trauma therapy",
    (
        Term("pe", "Prolonged Exposure (PE)", ("prolonged exposure",)),
        Term("cpt", "Cognitive Processing Therapy (CPT)", ("cognitive processing therapy",)),
        Term("emdr", "EMDR", ("eye movement desensitization and reprocessing",)),
        Term("wet", "Written Exposure Therapy (WET)", ("written exposure therapy",)),
        Term(
            "cbt",
            "Cognitive Behavioral Therapy (CBT)",
            (
                "cognitive behavioral therapy",
                "cognitive behavioural therapy",
                "tf cbt",
                "trauma focused cbt",
            ),
        ),
    ),
)

ACCEPTING = Vocabulary(
    "accepting_new_patients",
    "yes/no answer",
    (
        Term("yes", "Accepting new patients", ("y", "true", "1", "accepting", "open")),
        Term("no", "Not accepting new patients", ("n", "false", "0", "not accepting", "closed")),
        Term("unknown", "New patients: ask the clinic", ("not sure", "unsure")),
    ),
)

VA_COVERED = frozenset({"community_care", "va_facility"})
"""``va_coverage`` codes that count as "works with the VA"."""

SERVICE_STATES_ALL = "ALL"


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
        "Languages spoken, in free text.",
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
