"""The app's fixed text: complete, Markdown-safe for Streamlit, and readable."""

from __future__ import annotations

import re

import pytest

from directory import content, schema

FILTER_NAMES = (
    "near",
    "radius",
    "modality",
    "condition",
    "payment",
    "va",
    "no_therapist",
    "max_price",
    "accepting",
    "name",
)

MAX_SENTENCE_WORDS = 40


def all_texts() -> dict[str, str]:
    """Every user-visible string in the module, keyed by where it lives."""
    texts: dict[str, str] = {
        "CRISIS_MARKDOWN": content.CRISIS_MARKDOWN,
        "DISCLAIMER_MARKDOWN": content.DISCLAIMER_MARKDOWN,
        "SAMPLE_DATA_NOTE": content.SAMPLE_DATA_NOTE,
        "HOW_TO_USE_MARKDOWN": content.HOW_TO_USE_MARKDOWN,
        "DATA_CREDITS_MARKDOWN": content.DATA_CREDITS_MARKDOWN,
    }
    for i, (title, body) in enumerate(content.ABOUT_SECTIONS):
        texts[f"ABOUT_SECTIONS[{i}] title"] = title
        texts[f"ABOUT_SECTIONS[{i}] body"] = body
    for table_name in ("FILTER_HELP", "THERAPIST_REQUIREMENT_PLAIN", "VA_PLAIN"):
        table: dict[str, str] = getattr(content, table_name)
        for key, value in table.items():
            texts[f"{table_name}[{key!r}]"] = value
    return texts


def about_page() -> str:
    return "\n\n".join(f"{title}\n\n{body}" for title, body in content.ABOUT_SECTIONS)


def visible_words(markdown: str) -> str:
    """The text a reader sees: link targets and Markdown emphasis removed."""
    without_targets = re.sub(r"\]\([^)]*\)", "]", markdown)
    return re.sub(r"[*_\[\]]", "", without_targets)


# A new block starts at a blank line, a hard line break or a list item; other line
# breaks are soft wraps inside a paragraph and join its lines.
_BLOCK_BREAK = re.compile(r"\n\s*\n| {2}\n|\n(?=\s*(?:[-*+]|\d+\.)\s)")
_LIST_MARKER = re.compile(r"^(?:[-*+]|\d+\.)\s+")


def sentences(markdown: str) -> list[str]:
    """Sentences; a paragraph, list item or line ending without a full stop ends one too."""
    found: list[str] = []
    for block in _BLOCK_BREAK.split(visible_words(markdown)):
        joined = _LIST_MARKER.sub("", " ".join(block.split()))
        found.extend(piece for piece in re.split(r"(?<=[.!?])\s+", joined) if piece)
    return found


# ------------------------------------------------------------------ coverage


@pytest.mark.parametrize("code", schema.THERAPIST_REQUIREMENT.codes)
def test_every_therapist_requirement_has_plain_text(code: str) -> None:
    assert content.THERAPIST_REQUIREMENT_PLAIN[code].strip()


@pytest.mark.parametrize("code", schema.VA_COVERAGE.codes)
def test_every_va_coverage_code_has_plain_text(code: str) -> None:
    assert content.VA_PLAIN[code].strip()


def test_plain_tables_have_no_stray_codes() -> None:
    assert set(content.THERAPIST_REQUIREMENT_PLAIN) == set(schema.THERAPIST_REQUIREMENT.codes)
    assert set(content.VA_PLAIN) == set(schema.VA_COVERAGE.codes)


def test_filter_help_covers_every_filter() -> None:
    assert set(content.FILTER_HELP) == set(FILTER_NAMES)
    for name, text in content.FILTER_HELP.items():
        assert text.strip(), name
        assert len(sentences(text)) == 1, f"{name}: a tooltip should be one sentence"


def test_filter_names_match_the_url_parameters() -> None:
    from directory import params

    assert set(params.PARAM_NAMES) == set(FILTER_NAMES)


def test_crisis_text_has_every_line() -> None:
    crisis = content.CRISIS_MARKDOWN
    for needle in ("988", "press 1", "838255", "911", "Suicide & Crisis Lifeline"):
        assert needle in crisis
    for link in ("(tel:988)", "(sms:838255)", "(tel:911)"):
        assert link in crisis
    assert len(crisis.splitlines()) <= 3


def test_disclaimer_says_what_it_must() -> None:
    text = content.DISCLAIMER_MARKDOWN
    for needle in ("not medical advice", "off-label", "Spravato", "not PTSD", "endorsement"):
        assert needle in text


def test_sample_note_names_the_fictional_markers() -> None:
    for needle in ("555-01", "example.com", "replaced"):
        assert needle in content.SAMPLE_DATA_NOTE


def test_about_page_cites_the_evidence() -> None:
    page = about_page()
    for needle in ("PMID 24740528", "67%", "20%", "27.5 days", "2014", "2021"):
        assert needle in page


def test_about_page_names_the_trauma_therapies() -> None:
    page = about_page()
    for therapy in (
        "Prolonged Exposure",
        "Cognitive Processing Therapy",
        "EMDR",
        "Written Exposure Therapy",
    ):
        assert therapy in page


def test_about_page_uses_the_listing_labels() -> None:
    page = about_page()
    for plain in content.THERAPIST_REQUIREMENT_PLAIN.values():
        assert plain in page


def test_about_page_ends_with_the_crisis_line() -> None:
    assert content.CRISIS_MARKDOWN in content.ABOUT_SECTIONS[-1][1]


def test_credits_name_the_sources() -> None:
    for needle in ("zipcodes", "GeoNames", "CC BY 4.0", "https://www.geonames.org/"):
        assert needle in content.DATA_CREDITS_MARKDOWN
    assert "OpenStreetMap" in content.DATA_CREDITS_MARKDOWN
    assert "Leaflet" in content.DATA_CREDITS_MARKDOWN
    assert "analytics" in content.DATA_CREDITS_MARKDOWN


# ------------------------------------------------------------------ Markdown safety

TEXTS = all_texts()


@pytest.mark.parametrize("where", sorted(TEXTS))
def test_no_raw_html(where: str) -> None:
    assert not re.search(r"<[a-zA-Z/]", TEXTS[where])


@pytest.mark.parametrize("where", sorted(TEXTS))
def test_no_unescaped_dollar(where: str) -> None:
    # Streamlit renders the text between two bare dollar signs as LaTeX.
    assert not re.search(r"(?<!\\)\$", TEXTS[where])


@pytest.mark.parametrize("where", sorted(TEXTS))
def test_no_streamlit_shortcodes(where: str) -> None:
    # ":name:" becomes an emoji or icon and ":red[...]" a colour in st.markdown.
    text = re.sub(r"\]\([^)]*\)", "]", TEXTS[where])  # link targets such as tel:988
    assert not re.search(r":[A-Za-z0-9_+/-]+:", text)
    assert not re.search(r":[A-Za-z-]+\[", text)


@pytest.mark.parametrize("where", sorted(TEXTS))
def test_sentences_are_short(where: str) -> None:
    # A readability guard: long sentences are the first thing that makes text hard.
    for sentence in sentences(TEXTS[where]):
        assert len(sentence.split()) <= MAX_SENTENCE_WORDS, sentence


def test_links_use_safe_schemes() -> None:
    for where, text in TEXTS.items():
        for target in re.findall(r"\]\(([^)]*)\)", text):
            assert re.match(r"(https://|tel:|sms:)", target), (where, target)


def test_escaped_dollars_survive_as_amounts() -> None:
    # The cost section shows prices; each dollar sign must be escaped, not dropped.
    cost = dict(content.ABOUT_SECTIONS)["Cost, insurance and the VA"]
    assert "\\$400" in cost


def test_sentence_guard_sees_through_line_wraps() -> None:
    # The guard must join soft-wrapped lines, or a long sentence would slip through.
    wrapped = "word " * 30 + "\n" + "word " * 30 + "end."
    assert [len(s.split()) for s in sentences(wrapped)] == [61]
    listed = "Intro.\n\n- one item\n- two items\n1. three"
    assert sentences(listed) == ["Intro.", "one item", "two items", "three"]
