"""The data format's single source of truth (directory.schema) and its documentation."""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections import defaultdict

import pandas as pd
import pytest
from conftest import REPO_ROOT, TODAY, csv_text
from hypothesis import example, given, settings
from hypothesis import strategies as st

from directory import schema
from directory.dataset import parse_clinics
from directory.schema import ColumnType, Vocabulary, normalize_key, normalize_keys

VOCABULARIES = [column.vocabulary for column in schema.COLUMNS if column.vocabulary]
DOCS = REPO_ROOT / "docs" / "data-format.md"


def vocabulary_id(vocabulary: Vocabulary | None) -> str:
    return vocabulary.name if vocabulary else "none"


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=vocabulary_id)
def test_every_spelling_of_a_vocabulary_means_one_code(vocabulary: Vocabulary) -> None:
    meanings: dict[str, set[str]] = defaultdict(set)
    for term in vocabulary.terms:
        for spelling in (term.code, term.label, *term.synonyms):
            meanings[normalize_key(spelling)].add(term.code)
    ambiguous = {key: codes for key, codes in meanings.items() if len(codes) > 1}
    assert ambiguous == {}
    assert "" not in meanings  # a spelling that folds to nothing would match blank cells
    assert vocabulary.spellings == {key: codes.pop() for key, codes in meanings.items()}


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=vocabulary_id)
def test_codes_are_unique_snake_case_and_find_themselves(vocabulary: Vocabulary) -> None:
    assert len(set(vocabulary.codes)) == len(vocabulary.codes)
    for term in vocabulary.terms:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", term.code), term.code
        for spelling in (term.code, term.code.upper(), term.label, f"  {term.label.upper()} "):
            assert vocabulary.code_for(spelling) == term.code
        for synonym in term.synonyms:
            assert vocabulary.code_for(synonym.title()) == term.code


@pytest.mark.parametrize(
    ("vocabulary", "spelling", "code"),
    [
        pytest.param(schema.MODALITIES, "IV", "iv", id="IV"),
        pytest.param(schema.MODALITIES, "Intravenous", "iv", id="Intravenous"),
        pytest.param(schema.MODALITIES, "infusion", "iv", id="infusion"),
        pytest.param(schema.MODALITIES, "Spravato", "nasal", id="Spravato"),
        pytest.param(schema.MODALITIES, "ESKETAMINE", "nasal", id="esketamine"),
        pytest.param(schema.MODALITIES, "intranasal", "nasal", id="intranasal"),
        pytest.param(schema.MODALITIES, "at-home", "at_home", id="at-home"),
        pytest.param(schema.MODALITIES, "At Home", "at_home", id="At-Home-spaced"),
        pytest.param(schema.ACCEPTING, "Yes", "yes", id="Yes"),
        pytest.param(schema.ACCEPTING, "Y", "yes", id="Y"),
        pytest.param(schema.ACCEPTING, "true", "yes", id="true"),
        pytest.param(schema.ACCEPTING, "N", "no", id="N"),
        pytest.param(schema.KINDS, "Télé-Health", "telehealth", id="accents-ignored"),
        pytest.param(schema.MODALITIES, "laughing_gas", None, id="unknown"),
        pytest.param(schema.MODALITIES, "", None, id="blank"),
    ],
)
def test_human_spellings(vocabulary: Vocabulary, spelling: str, code: str | None) -> None:
    assert vocabulary.code_for(spelling) == code


def test_allowed_text_lists_codes_in_order() -> None:
    assert schema.MODALITIES.allowed_text() == "iv, im, nasal, oral or at_home"
    single = Vocabulary("x", "x", (schema.Term("only", "Only"),))
    assert single.allowed_text() == "only"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("At-Home ", "at home"),
        ("  IV/IM  ", "iv im"),
        ("Éskétamine", "esketamine"),
        ("C-PTSD", "c ptsd"),
        ("\uff29\uff36", "iv"),  # full-width IV folds under NFKD
        ("", ""),
        ("---", ""),
    ],
)
def test_normalize_key_examples(text: str, key: str) -> None:
    assert normalize_key(text) == key


# Characters this Python's Unicode database knows: the vectorised path normalises with
# pyarrow's (newer) tables, so a character assigned since (U+1CCF0, an outlined digit in
# Unicode 16) decomposes there but not in ``unicodedata``. Names with one are vanishingly
# rare, and would only fail to match a typed search on that character.
KNOWN_TEXT = st.text(
    alphabet=st.characters(codec="utf-8").filter(lambda c: unicodedata.category(c) != "Cn"),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(KNOWN_TEXT, min_size=1, max_size=10))
@example(["ǅ", "ß", "İ", "ﬁ", "\u0130x", "Ⅻ", "a\u0301", "\x00"])
def test_normalize_keys_agrees_with_normalize_key(texts: list[str]) -> None:
    vectorised = normalize_keys(pd.Series(texts, dtype=str)).tolist()
    assert vectorised == [normalize_key(text) for text in texts]


def test_columns_are_consistent() -> None:
    names = [column.name for column in schema.COLUMNS]
    assert len(set(names)) == len(names)
    for column in schema.COLUMNS:
        needs_vocabulary = column.type in (ColumnType.CHOICE, ColumnType.CHOICES)
        assert (column.vocabulary is not None) == needs_vocabulary, column.name
        assert column.description, column.name
        assert column.example, column.name
        assert not column.name.startswith(schema.DERIVED_PREFIX)
    assert set(schema.REQUIRED_HEADER) <= set(names)
    assert all(name.startswith(schema.DERIVED_PREFIX) for name in schema.DERIVED_COLUMNS)


def test_data_columns_leave_out_only_derived_columns() -> None:
    columns = ["id", schema.LINE, "Internal Notes", schema.HAS_ERROR, "zip_", 7]
    assert schema.data_columns(columns) == ["id", "Internal Notes", "zip_", "7"]
    assert schema.data_columns(pd.Index(schema.DERIVED_COLUMNS)) == []
    assert schema.data_columns([*schema.COLUMN_NAMES, *schema.DERIVED_COLUMNS]) == list(
        schema.COLUMN_NAMES
    )


def test_header_spellings_never_name_two_columns() -> None:
    claims: dict[str, set[str]] = defaultdict(set)
    for column in schema.COLUMNS:
        for spelling in (column.name, *column.aliases):
            claims[normalize_key(spelling)].add(column.name)
    assert {key: cols for key, cols in claims.items() if len(cols) > 1} == {}


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("id", "id"),
        (" Zip Code ", "zip"),
        ("ZIP", "zip"),
        ("Lat", "latitude"),
        ("LNG", "longitude"),
        ("Clinic Name", "name"),
        ("Last Verified", "last_verified"),
        ("price per session", "price_per_session_usd"),
        ("favourite colour", None),
    ],
)
def test_canonical_column(cell: str, column: str | None) -> None:
    assert schema.canonical_column(cell) == column


def test_a_row_of_the_documented_examples_is_valid() -> None:
    example_row = {column.name: column.example for column in schema.COLUMNS}
    loaded = parse_clinics(csv_text(example_row), today=TODAY)
    assert loaded.report.valid, loaded.report.to_text()
    assert loaded.report.warnings == [], loaded.report.to_text()


# --- the admins' documentation ------------------------------------------------------------


def test_docs_describe_every_column_code_and_spelling() -> None:
    text = DOCS.read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # inline code outside code blocks
    documented = set(re.findall(r"`([^`\n]+)`", prose))
    missing_columns = [c.name for c in schema.COLUMNS if c.name not in documented]
    assert missing_columns == [], "columns missing from docs/data-format.md"
    missing_codes = [
        f"{v.name}: {code}"
        for v in VOCABULARIES
        if v is not None
        for code in v.codes
        if code not in documented
    ]
    assert missing_codes == [], "vocabulary codes missing from docs/data-format.md"
    lowered = text.casefold()
    missing_spellings = [
        f"{v.name}: {synonym}"
        for v in VOCABULARIES
        if v is not None
        for term in v.terms
        for synonym in term.synonyms
        if synonym.casefold() not in lowered
    ]
    assert missing_spellings == [], "accepted spellings missing from docs/data-format.md"


def test_docs_show_the_current_required_header_and_example_row() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert ",".join(schema.COLUMN_NAMES) in text
    assert ", ".join(schema.REQUIRED_HEADER) in text


def test_the_docs_worked_example_is_valid() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Worked example", 1)[1]
    example = section.split("```", 2)[1].strip("\n")
    loaded = parse_clinics(example, today=TODAY)
    assert loaded.report.valid, loaded.report.to_text()
    assert loaded.report.warnings == [], loaded.report.to_text()
    assert list(loaded.table["kind"]) == ["clinic", "telehealth"]


def test_the_docs_vocabulary_tables_are_generated_from_the_schema() -> None:
    spec = importlib.util.spec_from_file_location("make_docs", REPO_ROOT / "scripts/make_docs.py")
    assert spec is not None
    assert spec.loader is not None
    make_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_docs)
    text = DOCS.read_text(encoding="utf-8")
    assert make_docs.render(text) == text, "run: python scripts/make_docs.py"
    for vocabulary in VOCABULARIES:
        for term in vocabulary.terms:
            assert f"| `{term.code}` | {term.label} |" in text
