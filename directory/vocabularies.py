"""The closed vocabularies of the data format: each allowed value, its one label, its spellings.

A :class:`Term` has one patient-facing ``label``: the words on the clinic cards, the filter
chips, the patient's CSV download, the shortlist, the comparison table and the About page.
Admins may type that label (or any synonym) in the CSV, so a value copied from a card
always validates.

Labels and help are written in English (marked with ``N_`` for the catalog) and shown in
the patient's language through one place each: :meth:`Term.shown_label` (and
:attr:`Vocabulary.labels`, :meth:`~Vocabulary.label_for`, :meth:`~Vocabulary.labels_for`,
which use it) and :meth:`Term.shown_help`. ``Term.label`` itself stays English: it is an
accepted CSV spelling, and the validator's and the command line's word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from directory import i18n
from directory.i18n import N_
from directory.i18n import gettext as _

LIST_SEPARATORS = re.compile(r"[;|,]")
"""Cells holding several values may separate them with ``;`` (canonical), ``|`` or ``,``."""

CANONICAL_LIST_SEPARATOR = ";"


def split_cell(cell: object) -> list[str]:
    """The values of a validated list cell (``'iv;nasal'`` -> ``['iv', 'nasal']``); blank: []."""
    if not isinstance(cell, str) or not cell:
        return []
    return [value for value in cell.split(CANONICAL_LIST_SEPARATOR) if value]


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
    """The one patient-facing wording, on every surface (and an accepted spelling)."""
    synonyms: tuple[str, ...] = ()
    help: str = ""
    """One or two plain sentences on what the value means (About page, tooltips, docs)."""

    def shown_label(self) -> str:
        """:attr:`label` in the active language: what patients read (``label`` stays English)."""
        return _(self.label)

    def shown_help(self) -> str:
        """:attr:`help` in the active language (``""`` when the term has none)."""
        return _(self.help) if self.help else ""


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

    @property
    def labels(self) -> dict[str, str]:
        """Each code's label in the active language (:meth:`Term.shown_label`), made once
        per language: the words on the cards, chips, map legend and downloads."""
        code = i18n.language()
        found = self._shown_labels.get(code)
        if found is None:
            found = self._shown_labels[code] = {t.code: t.shown_label() for t in self.terms}
        return found

    @cached_property
    def _shown_labels(self) -> dict[str, dict[str, str]]:
        return {}

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

    def label_for(self, code: object, default: str = "") -> str:
        """The label of one code (active language); ``default`` for a blank or unknown one."""
        return self.labels.get(str(code), default) if code is not None else default

    def labels_for(self, cell: object) -> list[str]:
        """The labels (active language) of a validated list cell, in the cell's order."""
        return [self.labels.get(code, code) for code in split_cell(cell)]

    def shown_noun(self) -> str:
        """:attr:`noun` in the active language, for patients' notices."""
        return _(self.noun)

    def code_for(self, spelling: str) -> str | None:
        """The code a human spelling stands for, or None when it is not in the vocabulary."""
        return self.spellings.get(normalize_key(spelling))

    def allowed_text(self) -> str:
        """``'iv, im, nasal, oral or at_home'`` for the validator's and CLI's messages.

        Always English, as those messages are (docs/translation.md), whatever page asks.
        """
        with i18n.using(i18n.DEFAULT_LANGUAGE):
            return i18n.join_words(self.codes, last="or")


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
    N_("modality"),
    (
        Term(
            "iv",
            N_("IV infusion"),
            ("intravenous", "infusion", "iv infusion", "ketamine infusion", "i v"),
            N_("Ketamine through a drip in a vein, in a clinic, with monitoring."),
        ),
        Term(
            "im",
            N_("IM injection"),
            ("intramuscular", "injection", "intramuscular injection", "im shot", "i m"),
            N_("A ketamine shot into a muscle, in a clinic."),
        ),
        Term(
            "nasal",
            N_("Nasal spray (esketamine / Spravato)"),
            (
                "spravato",
                "esketamine",
                "intranasal",
                "nasal spray",
                "esketamine nasal spray",
                "spravato nasal spray",
            ),
            N_("Esketamine nasal spray, taken under supervision in a certified clinic."),
        ),
        Term(
            "oral",
            N_("Oral in clinic"),
            (
                "sublingual",
                "oral in clinic",
                "sublingual in clinic",
                "lozenge",
                "troche",
                "oral sublingual",
            ),
            N_("Ketamine tablets or lozenges taken in the clinic."),
        ),
        Term(
            "at_home",
            N_("At-home (telehealth)"),
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
            N_("Oral or sublingual ketamine taken at home, prescribed via telehealth."),
        ),
    ),
)

CONDITIONS = Vocabulary(
    "conditions",
    N_("condition"),
    (
        Term(
            "ptsd",
            N_("PTSD"),
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
            N_("Depression"),
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
            N_("Anxiety"),
            (
                "gad",
                "generalized anxiety disorder",
                "generalised anxiety disorder",
                "anxiety disorder",
            ),
        ),
        Term("ocd", N_("OCD"), ("obsessive compulsive disorder",)),
        Term("bipolar_depression", N_("Bipolar depression"), ("bipolar", "bipolar disorder")),
        Term(
            "chronic_pain",
            N_("Chronic pain"),
            ("pain", "crps", "fibromyalgia", "neuropathic pain", "pain management"),
        ),
        Term(
            "substance_use",
            N_("Substance use"),
            ("sud", "substance use disorder", "addiction", "alcohol use disorder"),
        ),
        Term(
            "suicidal_ideation",
            N_("Suicidal thoughts"),
            ("suicidal ideation", "si", "suicidality", "suicidal thoughts"),
        ),
    ),
)

PAYMENT = Vocabulary(
    "payment",
    N_("payment option"),
    (
        Term("self_pay", N_("Self-pay"), ("cash", "out of pocket", "private pay", "selfpay")),
        Term(
            "private_insurance",
            N_("Private insurance"),
            ("insurance", "commercial insurance", "commercial", "ppo", "hmo"),
        ),
        Term("medicare", N_("Medicare"), ()),
        Term("medicaid", N_("Medicaid"), ()),
        Term("tricare", N_("TRICARE"), ()),
        Term(
            "financing",
            N_("Financing"),
            ("payment plan", "payment plans", "carecredit", "care credit"),
        ),
        Term("sliding_scale", N_("Sliding scale"), ("sliding fee", "income based")),
    ),
)

VA_COVERAGE = Vocabulary(
    "va_coverage",
    "VA coverage",
    (
        Term(
            "community_care",
            N_("VA Community Care (needs a VA referral)"),
            ("va community care", "ccn", "va ccn", "community care network", "mission act"),
            N_("In the VA Community Care network: the VA pays after it refers the veteran."),
        ),
        Term(
            "va_facility",
            N_("VA medical center"),
            ("va", "va medical center", "vamc", "va hospital", "veterans affairs"),
            N_("A VA medical center treating enrolled veterans."),
        ),
        Term("no", N_("Not covered by the VA"), ("none", "n", "false", "not covered")),
        Term(
            "unknown",
            N_("VA coverage unknown — ask the clinic"),
            ("VA coverage unknown", "not sure", "unsure"),
        ),
    ),
)

THERAPIST_REQUIREMENT = Vocabulary(
    "therapist_requirement",
    "therapist requirement",
    (
        Term(
            "required",
            N_("You must already see a licensed therapist"),
            ("must have therapist", "therapist required", "must", "yes"),
            N_(
                "The clinic treats you only if you already work with a licensed mental health "
                "professional."
            ),
        ),
        Term(
            "in_house",
            N_("Therapy is provided by the clinic"),
            (
                "Therapy provided by the clinic",
                "in house",
                "inhouse",
                "provided",
                "included",
                "kap",
                "ketamine assisted psychotherapy",
            ),
            N_(
                "The clinic has its own therapists. This is often called ketamine-assisted "
                "psychotherapy (KAP)."
            ),
        ),
        Term(
            "recommended",
            N_("Seeing a therapist is recommended"),
            ("A therapist is recommended", "encouraged", "suggested", "preferred"),
            N_("The clinic encourages therapy but will treat you without it."),
        ),
        Term(
            "none",
            N_("No therapist needed"),
            ("no", "not required", "not needed"),
            N_(
                "The clinic does not ask about therapy. You can still choose to see a therapist, "
                "and it is worth thinking about."
            ),
        ),
    ),
)

TRAUMA_THERAPIES = Vocabulary(
    "trauma_therapies",
    "trauma therapy",
    (
        Term(
            "pe",
            N_("Prolonged Exposure (PE)"),
            ("prolonged exposure",),
            N_(
                "With a therapist, you slowly face memories and places you have been avoiding, "
                "until they lose some of their hold on you."
            ),
        ),
        Term(
            "cpt",
            N_("Cognitive Processing Therapy (CPT)"),
            ("cognitive processing therapy",),
            N_(
                "You look at beliefs the trauma left behind, such as blame or feeling that "
                "nowhere is safe, and work toward more balanced ones."
            ),
        ),
        Term(
            "emdr",
            N_("EMDR"),
            ("eye movement desensitization and reprocessing",),
            N_(
                "EMDR stands for Eye Movement Desensitization and Reprocessing. You briefly hold "
                "a memory in mind while following side-to-side eye movements or other "
                "back-and-forth cues. This may help the memory feel less raw."
            ),
        ),
        Term(
            "wet",
            N_("Written Exposure Therapy (WET)"),
            ("written exposure therapy",),
            N_(
                "A shorter therapy, often five sessions, in which you write about the trauma in "
                "a guided way."
            ),
        ),
        Term(
            "cbt",
            N_("Cognitive Behavioral Therapy (CBT)"),
            (
                "cognitive behavioral therapy",
                "cognitive behavioural therapy",
                "tf cbt",
                "trauma focused cbt",
            ),
            N_(
                "Trauma-focused CBT helps you notice the thoughts and habits that keep trauma "
                "symptoms going, and practice new ways of coping with them."
            ),
        ),
    ),
)

ACCEPTING = Vocabulary(
    "accepting_new_patients",
    "yes/no answer",
    (
        Term("yes", N_("Accepting new patients"), ("y", "true", "1", "accepting", "open")),
        Term(
            "no", N_("Not accepting new patients"), ("n", "false", "0", "not accepting", "closed")
        ),
        Term(
            "unknown",
            N_("Ask the clinic whether it takes new patients"),
            ("New patients: ask the clinic", "not sure", "unsure"),
        ),
    ),
)

VA_COVERED = frozenset({"community_care", "va_facility"})
"""``va_coverage`` codes that count as "works with the VA"."""

SERVICE_STATES_ALL = "ALL"
