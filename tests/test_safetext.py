"""Text from outside, made inert for Streamlit's Markdown (directory.safetext).

These check the strings; tests/test_safety_browser.py checks what Chromium shows.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.safetext import WORD_JOINER, escape_markdown, markdown_link, safe_link

# GitHub-style autolink literals, as remark-gfm finds them in text (after escapes).
_AUTOLINK = re.compile(
    r"(?i)(?:^|[\s*_~(])(?:www\.|https?://)|[a-z0-9._+-]@[a-z0-9_-]+\.[a-z0-9_-]"
)
# What Streamlit's emoji and icon plugins find in text: ":smile:", ":material/call:".
_SHORTCODE = re.compile(r":[\w/+-]+:")


def shown(markdown: str) -> str:
    """The text Markdown would show: each backslash escape becomes its character."""
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.mark.parametrize(
    ("text", "looks_like"),
    [
        # issue 12, finding 1: Markdown in a clinic name (compare label, cards, lists)
        (
            "Calm Clinic ![t](https://evil.example/pixel.png) [Call 988 now](https://evil.example/phish)",
            "Calm Clinic ![t](https://evil.example/pixel.png) [Call 988 now](https://evil.example/phish)",
        ),
        # issue 12, finding 2: autolinks survived escaping (names, notes, URL notices)
        ("https://evil.example/phish", "https://evil.example/phish"),
        ("Call www.evil.example now", "Call www.evil.example now"),
        ("help@evil.example", "help@evil.example"),
        ("mailto:help@evil.example", "mailto:help@evil.example"),
        ("WWW.EVIL.EXAMPLE", "WWW.EVIL.EXAMPLE"),
        # finding 1: KaTeX, colours, bold, icons and emoji went live
        ("$x^2$ :red[alarm] **bold** :material/call: :rotating_light:", None),
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
        ("line one\n# heading\n- item", "line one # heading - item"),
        ("10:30 a.m. open", "10:30 a.m. open"),
    ],
)
def test_hostile_text_shows_as_it_is_and_does_nothing(text: str, looks_like: str | None) -> None:
    escaped = escape_markdown(text)
    visible = shown(escaped).replace(WORD_JOINER, "")
    assert visible == (looks_like or " ".join(text.split()))
    inert = shown(escaped)
    assert not _AUTOLINK.search(inert), inert
    assert not _SHORTCODE.search(inert), inert
    assert "\n" not in escaped


@given(st.text(max_size=300))
def test_no_markdown_character_is_left_live(text: str) -> None:
    escaped = escape_markdown(text)
    unescaped = re.sub(r"\\.", "", escaped)
    assert not re.search(r"[\[\]()<>*_`#$|!:~=\n@]", unescaped)
    assert not _AUTOLINK.search(shown(escaped))
    assert not _SHORTCODE.search(shown(escaped))
    without_bidi = re.sub("[\u202a-\u202e\u2066-\u2069]", "", text)
    assert shown(escaped).replace(WORD_JOINER, "") == " ".join(without_bidi.split())


def test_bidirectional_controls_cannot_reorder_what_is_shown() -> None:
    """Review of issue 12: U+202E in a name would show "Call 5550-555" backwards."""
    assert escape_markdown("Call \u202e5550-555 (303)\u202c now") == "Call 5550\\-555 \\(303\\) now"


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_missing_values_are_empty(missing: object) -> None:
    assert escape_markdown(missing) == ""


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://clinic.example.com/book", "https://clinic.example.com/book"),
        ("https://clinic.example.com/a b(c)", None),
        ("javascript:alert(1)", None),
        ("data:text/html,hi", None),
        ("//evil.example", None),
        (None, None),
    ],
)
def test_links_only_from_valid_websites(url: object, link: str | None) -> None:
    assert safe_link(url) == link
    made = markdown_link("Website", url)
    assert made == (f"[Website]({link})" if link else "Website")
