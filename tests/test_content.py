"""The app's fixed text: complete, Markdown-safe for Streamlit, and readable."""

from __future__ import annotations

import re

import pytest

from directory import content, filters, schema

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
    # The filter table and the vocabularies are page text too: labels, help, chips.
    texts["PLACE_HELP"] = filters.PLACE_HELP
    texts["RADIUS_HELP"] = filters.RADIUS_HELP
    for entry in filters.FILTERS:
        for part in ("label", "help", "relax"):
            texts[f"filter {entry.name} {part}"] = getattr(entry, part)
    for vocabulary in VOCABULARIES:
        for term in vocabulary.terms:
            texts[f"{vocabulary.name}[{term.code!r}] label"] = term.label
            if term.help:
                texts[f"{vocabulary.name}[{term.code!r}] help"] = term.help
    return texts


VOCABULARIES = [column.vocabulary for column in schema.COLUMNS if column.vocabulary is not None]


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


@pytest.mark.parametrize(
    "vocabulary", [schema.THERAPIST_REQUIREMENT, schema.TRAUMA_THERAPIES, schema.MODALITIES]
)
def test_terms_the_about_page_explains_have_help(vocabulary: schema.Vocabulary) -> None:
    for term in vocabulary.terms:
        assert term.help.strip(), term.code


def test_filter_help_is_one_sentence_each() -> None:
    for entry in filters.FILTERS:
        assert len(sentences(entry.help)) == 1, f"{entry.name}: a tooltip should be one sentence"
    for text in (filters.PLACE_HELP, filters.RADIUS_HELP):
        assert len(sentences(text)) == 1


def test_crisis_text_has_every_line() -> None:
    crisis = content.CRISIS_MARKDOWN
    for needle in ("988", "press 1", "838255", "911", "Suicide & Crisis Lifeline", "TTY"):
        assert needle in crisis
    veterans_chat = "(https://www.veteranscrisisline.net/get-help-now/chat/)"
    for link in ("(tel:988)", "(sms:838255)", "(tel:911)", "(tel:711)", veterans_chat):
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


@pytest.mark.parametrize(
    "term",
    [*schema.TRAUMA_THERAPIES.terms, *schema.THERAPIST_REQUIREMENT.terms],
    ids=lambda term: term.code,
)
def test_about_page_explains_every_listing_label(term: schema.Term) -> None:
    # Every trauma therapy (CBT was once missing) and every therapist rule, by the label
    # the cards use, with what it means.
    page = about_page()
    assert f"**{term.label}:** {term.help}" in page


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
