"""Text from outside (the data file, the URL, what a patient types) made inert for Streamlit.

Streamlit renders Markdown almost everywhere text goes: ``st.markdown`` bodies, headers,
captions, notices (``st.info`` and friends), widget labels and help, button, tab and
expander labels. Its Markdown is GitHub's plus extras, so a clinic name or a shared link
could otherwise put words, links and pictures on a crisis site: links and images
(``[Call 988](https://evil.example)``), bare web and e-mail addresses, which GitHub-style
*autolinking* turns into links even when every punctuation mark is escaped, HTML, KaTeX
(``$...$``), colours (``:red[...]``), icons and emoji shortcodes (``:material/...:``).

Every such value goes through :func:`escape_markdown` on its way to any of those
surfaces; :func:`safe_link` is the only way a link target is made from a value, and only
the code builds links and images (``tel:``, validated websites, directions). Nothing here
imports Streamlit: the rules are plain functions, tested on strings, and in the browser.
"""

from __future__ import annotations

import math
import re
from urllib.parse import quote

from directory import schema

# Every ASCII punctuation mark Markdown, GitHub's extensions, KaTeX or Streamlit's own
# directives (":red[...]", ":material/x:", emoji shortcodes) give a meaning to.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$&:=\"'@])")

WORD_JOINER = "\u2060"
"""Invisible, takes no space and keeps the line unbroken; not part of any autolink."""

# Some things are found in the *text*, after backslash escapes are taken away, so escaping
# alone cannot stop them: autolinks ("www.", "https://", "x@y.z", "mailto:") and emoji and
# icon shortcodes (":smile:", ":material/call:"). A word joiner inside each of those
# sequences does: what is shown looks the same, but is not a link or a picture. After
# escaping, every ".", ":" and "@" follows a backslash.
_FOUND_IN_TEXT = re.compile(r"(?i)(?<=www)(?=\\\.)|(?<=\\:)|(?=\\@)")


# Bidirectional embeddings, overrides and isolates: they reorder what is shown (a phone
# number or a name read backwards), and clinic data has no need of them.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def escape_markdown(text: object) -> str:
    """``text`` as one line of Markdown that shows exactly its characters and does nothing.

    No link (written, or autolinked from a web or e-mail address), image, HTML, emphasis,
    heading, list, table, maths, colour, icon or emoji comes out of it, on any Streamlit
    surface that renders Markdown. Missing values (None, NaN) give ``""``; runs of white
    space, newlines included (they would start new Markdown blocks), become one space;
    bidirectional controls are dropped (they could show text in another order).
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    flat = " ".join(_BIDI_CONTROLS.sub("", str(text)).split())
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", flat)
    return _FOUND_IN_TEXT.sub(WORD_JOINER, escaped)


# Left as they are in a link target; everything else (spaces, parentheses, quotes, <>,
# backslashes, control and non-ASCII characters) is percent-encoded.
_LINK_SAFE = ":/?#[]@!$&'*+,;=%~-._"


def safe_link(url: object) -> str | None:
    """An http(s) URL fit for a Markdown link target, or None.

    Accepts exactly what the validator accepts (:data:`directory.schema.WEB_ADDRESS`), so
    every web address in the data gets its link; parentheses, spaces and the like are
    percent-encoded so they cannot end the Markdown link early.
    """
    if not isinstance(url, str) or not schema.WEB_ADDRESS.fullmatch(url):
        return None
    return quote(url, safe=_LINK_SAFE)


def markdown_link(label: object, url: object) -> str:
    """``[label](url)`` with the label escaped, if ``url`` is a :func:`safe_link`; else
    the escaped label alone (no link from an address that is not a valid website)."""
    target = safe_link(url)
    text = escape_markdown(label)
    return f"[{text}]({target})" if target else text
