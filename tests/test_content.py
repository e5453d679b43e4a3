from __future__ import annotations

import re

import pytest

from directory import content, filters, i18n, schema
from directory.i18n import gettext as _

MAX_SENTENCE_WORDS = 40
LANGUAGES = sorted(i18n.LANGUAGES)


def content_texts() -> dict[str, str]:
    """This module's own texts in the active language, keyed by where they live."""
    texts: dict[str, str] = {
        "crisis_markdown": content.crisis_markdown(),
        "disclaimer_markdown": content.disclaimer_markdown(),
        "sample_data_note": content.sample_data_note(),
        "va_locator_markdown": content.va_locator_markdown(),
        "how_to_use_markdown": content.how_to_use_markdown(),
        "data_credits_markdown": content.data_credits_markdown(),
    }
    for i, (title, body) in enumerate(content.about_sections()):
        texts[f"about_sections()[{i}] title"] = title
        texts[f"about_sections()[{i}] body"] = body
    return texts


def all_texts(language: str) -> dict[str, str]:
    """Every user-visible string in the module in ``language``, keyed by where it lives."""
    with i18n.using(language):
        texts = content_texts()
        # The filter table and the vocabularies are page text too: labels, help, chips,
        # shown through their catalog entries.
        texts["PLACE_HELP"] = _(filters.PLACE_HELP)
        texts["RADIUS_HELP"] = _(filters.RADIUS_HELP)
        for entry in filters.FILTERS:
            for part in ("label", "help", "relax"):
                texts[f"filter {entry.name} {part}"] = _(getattr(entry, part))
        for vocabulary in VOCABULARIES:
            for term in vocabulary.terms:
                texts[f"{vocabulary.name}[{term.code!r}] label"] = _(term.label)
                if term.help:
                    texts[f"{vocabulary.name}[{term.code!r}] help"] = _(term.help)
    return {f"{language}: {where}": text for where, text in texts.items()}


VOCABULARIES = [column.vocabulary for column in schema.COLUMNS if column.vocabulary is not None]


def about_page() -> str:
    """The About page in the active language."""
    return "\n\n".join(f"{title}\n\n{body}" for title, body in content.about_sections())


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
    crisis = content.crisis_markdown()
    for needle in ("988", "press 1", "838255", "911", "Suicide & Crisis Lifeline", "TTY"):
        assert needle in crisis
    veterans_chat = "(https://www.veteranscrisisline.net/get-help-now/chat/)"
    for link in ("(tel:988)", "(sms:838255)", "(tel:911)", "(tel:711)", veterans_chat):
        assert link in crisis
    assert len(crisis.splitlines()) <= 3


def test_disclaimer_says_what_it_must() -> None:
    text = content.disclaimer_markdown()
    for needle in ("not medical advice", "off-label", "Spravato", "not for PTSD", "endorsement"):
        assert needle in text


def test_sample_note_names_the_fictional_markers() -> None:
    for needle in ("555-01", "example.com", "replaced"):
        assert needle in content.sample_data_note()


def test_about_page_cites_the_evidence() -> None:
    page = about_page()
    for needle in ("PMID 24740528", "67%", "20%", "27.5 days", "2014", "2021"):
        assert needle in page


@pytest.mark.parametrize(
    "term",
    [*schema.TRAUMA_THERAPIES.terms, *schema.THERAPIST_REQUIREMENT.terms],
    ids=lambda term: term.code,
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_about_page_explains_every_listing_label(term: schema.Term, language: str) -> None:
    # Every trauma therapy (CBT was once missing) and every therapist rule, by the label
    # the cards use, with what it means: in Spanish, the vocabulary's own translations.
    with i18n.using(language):
        page = about_page()
        assert f"**{_(term.label)}:** {_(term.help)}" in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_about_page_ends_with_the_crisis_line(language: str) -> None:
    with i18n.using(language):
        assert content.about_sections()[-1][1].endswith(content.crisis_markdown())


def test_credits_name_the_sources() -> None:
    credits = content.data_credits_markdown()
    for needle in ("zipcodes", "GeoNames", "CC BY 4.0", "https://www.geonames.org/"):
        assert needle in credits
    assert "OpenStreetMap" in credits
    assert "Leaflet" in credits
    assert "analytics" in credits


# ------------------------------------------------------------------ Spanish


@pytest.mark.parametrize(
    ("shown", "source"),
    [
        (content.disclaimer_markdown, content.DISCLAIMER_MARKDOWN),
        (content.sample_data_note, content.SAMPLE_DATA_NOTE),
        (content.va_locator_markdown, content.VA_LOCATOR_MARKDOWN),
        (content.how_to_use_markdown, content.HOW_TO_USE_MARKDOWN),
        (content.data_credits_markdown, content.DATA_CREDITS_MARKDOWN),
    ],
)
def test_each_text_is_its_source_in_english_and_its_translation_in_spanish(shown, source):
    # The constants are the catalog's source text; the functions are what pages show.
    with i18n.using("en"):
        assert shown() == source
    with i18n.using("es"):
        assert shown() == i18n.catalog("es").gettext(source)
        assert shown() != source


def test_the_spanish_crisis_line_reaches_spanish_speaking_counselors() -> None:
    with i18n.using("es"):
        crisis = content.crisis_markdown()
    # 988 in Spanish: call and press 2, or text AYUDA; the Veterans Crisis Line as in English.
    for needle in ("988", "oprima 2", "AYUDA", "oprima 1", "838255", "911", "TTY", "para español"):
        assert needle in crisis, needle
    veterans_chat = "(https://www.veteranscrisisline.net/get-help-now/chat/)"
    links = ("(tel:988)", "(sms:988?&body=AYUDA)", "(sms:838255)", "(tel:911)", "(tel:711)")
    for link in (*links, veterans_chat):
        assert link in crisis, link
    assert "Línea 988 de Prevención del Suicidio y Crisis" in crisis
    assert "Call" not in crisis
    assert "press" not in crisis
    assert len(crisis.splitlines()) <= 3


def test_every_text_of_the_module_is_translated_into_spanish() -> None:
    english = content_texts()
    with i18n.using("es"):
        spanish = content_texts()
    for where, text in english.items():
        assert spanish[where] != text, where


@pytest.mark.parametrize(
    ("function", "needles"),
    [
        (content.disclaimer_markdown, ("No es consejo médico", "off-label", "Spravato")),
        (content.disclaimer_markdown, ("no para el TEPT", "no significa que la recomendemos")),
        (content.sample_data_note, ("555-01", "example.com", "reemplazarse")),
        (content.sample_data_note_plain, ("Solo datos de ejemplo.", "555-01")),
        (content.va_locator_markdown, ("(https://www.va.gov/find-locations/)",)),
        (content.how_to_use_markdown, ("**Cómo buscar**", "código postal (ZIP)", "\n4. ")),
        (content.data_credits_markdown, ("zipcodes", "GeoNames", "CC BY 4.0", "analítica")),
    ],
)
def test_spanish_texts_say_what_they_must(function, needles) -> None:
    with i18n.using("es"):
        text = function()
    for needle in needles:
        assert needle in text, needle
    assert "**" not in content.sample_data_note_plain()


def test_the_spanish_about_page_keeps_the_facts_and_the_citations() -> None:
    with i18n.using("es"):
        page = about_page()
        titles = [title for title, _ in content.about_sections()]
    assert titles[0] == "Qué es la ketamina y cómo puede actuar"
    assert titles[-1] == "Si necesita ayuda ahora"
    for needle in ("PMID 24740528", "67%", "20%", "27.5 días", "2014", "2021", "Abdallah"):
        assert needle in page, needle
    for needle in ("*JAMA Psychiatry*", "*American Journal of Psychiatry*", "REMS", "TRICARE"):
        assert needle in page, needle
    for needle in ("Community Care del VA", "remisión", "2 horas", "40 minutos", "158 veteranos"):
        assert needle in page, needle
    # Every link of the English page (studies, the crisis line) is on the Spanish one.
    english_links = set(re.findall(r"\]\(([^)]*)\)", about_page()))
    assert english_links <= set(re.findall(r"\]\(([^)]*)\)", page))


# ------------------------------------------------------------------ Markdown safety

TEXTS = {where: text for language in LANGUAGES for where, text in all_texts(language).items()}


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
    for language in LANGUAGES:
        with i18n.using(language):
            cost = dict(content.about_sections())[_("Cost, insurance and the VA")]
        assert "\\$400" in cost, language
        assert "\\$800" in cost, language


def test_sentence_guard_sees_through_line_wraps() -> None:
    # The guard must join soft-wrapped lines, or a long sentence would slip through.
    wrapped = "word " * 30 + "\n" + "word " * 30 + "end."
    assert [len(s.split()) for s in sentences(wrapped)] == [61]
    listed = "Intro.\n\n- one item\n- two items\n1. three"
    assert sentences(listed) == ["Intro.", "one item", "two items", "three"]
