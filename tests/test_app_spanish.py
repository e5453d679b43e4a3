"""The patient pages in Spanish through AppTest: no English sentence from the catalog is left.

Each flow a patient meets (a search, filters, an empty result, a typo's suggestions, a place
that cannot be found, a shared link with bad values, a whole state, the About page) runs
with ``?lang=es``; every text on the page (Markdown, headings, alerts, captions, widget
labels, help, placeholders, options and buttons) is then checked against every English
message of the catalog whose Spanish differs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from directory import i18n
from directory.dataset import load_clinics
from directory.geocoding import resolve_place
from directory.search import SearchQuery, index_clinics, search

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
ABOUT = "directory/ui/pages/about_ketamine_care.py"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
MARKUP = re.compile(r"\*\*|\\|\[|\]\([^)]*\)|[*_`#>]")
MIN_WORDS = 3


pytestmark = pytest.mark.usefixtures("shipped_data")


def _english_fragments() -> list[str]:
    """Runs of 3+ words from each English message that Spanish words differently."""
    path = i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    fragments: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        english = list(message.id) if isinstance(message.id, tuple | list) else [message.id]
        spanish = message.string if isinstance(message.string, tuple | list) else [message.string]
        translated = " ".join(MARKUP.sub(" ", " ".join(spanish)).split())
        for form in english:
            for piece in PLACEHOLDER.split(MARKUP.sub(" ", form)):
                for line in piece.splitlines():
                    words = " ".join(line.split())
                    # Names the same in both ("PubMed, PMID 24740528", "VA Community Care").
                    if len(words.split()) >= MIN_WORDS and words not in translated:
                        fragments.add(words)
    return sorted(fragments, key=len, reverse=True)


ENGLISH = _english_fragments()


def page_text(at: AppTest) -> str:
    """Everything a patient can read or hear on the page, one space between words."""
    parts: list[object] = []
    for kind in ("title", "header", "subheader", "markdown", "caption"):
        parts += [element.value for element in getattr(at, kind)]
    parts = [part for part in parts if not str(part).startswith("<style>")]  # not shown
    for kind in ("error", "warning", "info", "success"):
        parts += [element.value for element in getattr(at, kind)]
    for kind in ("button", "checkbox", "toggle", "text_input", "multiselect", "selectbox"):
        for widget in getattr(at, kind):
            proto = widget.proto
            parts += [getattr(proto, "label", ""), getattr(proto, "help", "")]
            parts += [getattr(proto, "placeholder", "")]
            parts += list(getattr(proto, "options", []))
    for widget in (*at.select_slider, *at.number_input, *at.radio):
        parts += [widget.proto.label, widget.proto.help]
    for expander in at.expander:
        parts.append(expander.label)
    text = " ".join(str(part) for part in parts if part)
    return " ".join(MARKUP.sub(" ", text).split())


def english_left(at: AppTest) -> list[str]:
    text = page_text(at)
    return [fragment for fragment in ENGLISH if fragment in text]


def start(page: str = APP, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "es"
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page != APP:
        at.switch_page(page).run()
    return at


FLOWS = {
    "first visit": {},
    "a ZIP code": {"near": "80202"},
    "a city, wider": {"near": "Austin, TX", "radius": "100"},
    "filters": {
        "near": "80202",
        "modality": ["iv", "nasal"],
        "condition": "ptsd",
        "payment": "self_pay",
        "va": "1",
        "no_therapist": "1",
        "max_price": "600",
        "accepting": "1",
    },
    "nothing matches": {"near": "80202", "radius": "5", "max_price": "1", "va": "1"},
    "nothing within reach": {"near": "99501", "radius": "5"},
    "a typo": {"near": "Bostn, MA"},
    "a place we cannot find": {"near": "Qwxyzzy"},
    "bad values in a shared link": {
        "near": "80202",
        "radius": "far",
        "modality": "laughing_gas",
        "va": "maybe",
        "max_price": "cheap",
    },
    "a whole state": {"near": "CO"},
    "at-home care only": {"near": "80202", "modality": "at_home"},
}


@pytest.mark.parametrize("flow", list(FLOWS))
def test_no_english_sentence_is_left_on_a_spanish_page(flow):
    at = start(**FLOWS[flow])
    assert not at.exception
    assert english_left(at) == []


def test_the_about_page_is_wholly_spanish():
    at = start(ABOUT)
    assert not at.exception
    assert len(at.header) >= 5
    assert english_left(at) == []


def test_the_crisis_line_is_spanish_and_names_the_spanish_options():
    at = start(near="80202")
    crisis = str(at.error[0].value)
    assert "988" in crisis
    assert "AYUDA" in crisis
    assert "2" in crisis
    assert "838255" in crisis
    assert "911" in crisis
    assert "tel:988" in crisis


def test_the_check_would_find_english():
    """The checker itself: an English page fails it (so a passing Spanish page means something)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["near"] = "80202"
    at.run()
    left = english_left(at)
    assert len(left) >= 10, left


def test_clinic_data_is_not_translated():
    """Names and notes are shown as the admins wrote them, in both languages."""
    loaded = load_clinics(REPO / "data" / "clinics.csv")
    found = search(index_clinics(loaded.usable()), SearchQuery(resolve_place("80202"), 25.0))
    first = found.in_person.iloc[0]
    text = page_text(start(near="80202"))
    assert " ".join(MARKUP.sub(" ", str(first["name"])).split()) in text
