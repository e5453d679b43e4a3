"""The page's own stylesheet and its one bit of behaviour: moving keyboard focus.

Both are fixed code, never data: the stylesheet is a constant file, and the focus
component receives only a CSS class name that the page itself built from a widget key.
Nothing is loaded from another site.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import streamlit as st

from directory import i18n
from directory.i18n import N_
from directory.i18n import gettext as _

STYLESHEET = Path(__file__).with_name("app.css")
SKIP_LINK_LABEL = N_("Crisis help: call or text 988")
_CLASS_NAME = re.compile(r"^st-key-[A-Za-z0-9_-]+$")

# Runs in the page (components v2 mount in the app's DOM, not an iframe). It focuses the
# element with the given class once per token, waiting briefly for Streamlit to draw it,
# and makes it focusable first: a container is not, by default.
_FOCUS_JS = """
export default function (component) {
    const data = component.data || {};
    if (!data.target || !data.token || window.__clinicFinderFocus === data.token) { return; }
    window.__clinicFinderFocus = data.token;
    let tries = 40;
    const attempt = () => {
        const found = document.getElementsByClassName(data.target)[0];
        if (found) {
            found.setAttribute("tabindex", "-1");
            found.focus({preventScroll: false});
            found.scrollIntoView({block: "start"});
        } else if (tries-- > 0) {
            setTimeout(attempt, 50);
        }
    };
    attempt();
}
"""


# Puts "Crisis help: call or text 988" first in the keyboard order of every page: a skip
# link (hidden until focused, as skip links are) that moves focus onto the crisis line. It
# also sets the page's language (``<html lang>``), so screen readers speak Spanish as Spanish.
_SKIP_JS = """
export default function (component) {
    const data = component.data || {};
    if (typeof data.lang === "string" && /^[a-z]{2}$/.test(data.lang)) {
        document.documentElement.lang = data.lang;
    }
    const block = document.querySelector(".st-key-crisis");
    if (block && !block.id) { block.id = "crisis-line"; }
    let link = document.getElementById("crisis-skip-link");
    if (!link) {
        link = document.createElement("a");
        link.id = "crisis-skip-link";
        link.href = "#crisis-line";
        link.addEventListener("click", (event) => {
            event.preventDefault();
            const first = document.querySelector(".st-key-crisis a");
            if (first) { first.focus(); }
        });
        document.body.insertBefore(link, document.body.firstChild);
    }
    link.textContent = String(data.label || "");
}
"""


@cache
def _skip_component():  # type: ignore[no-untyped-def]
    return st.components.v2.component("clinic_finder_crisis_skip", js=_SKIP_JS)


def crisis_skip_link() -> None:
    """Make the crisis line the first stop for the keyboard, and name the page's language."""
    data = {"label": _(SKIP_LINK_LABEL), "lang": i18n.language()}
    _skip_component()(key="crisis-skip", data=data, height=0)


@cache
def _focus_component():  # type: ignore[no-untyped-def]
    return st.components.v2.component("clinic_finder_focus", js=_FOCUS_JS)


def apply_stylesheet() -> None:
    """Add the app's stylesheet to this page (contrast, tap targets, phone layout).

    Through ``st.markdown`` with HTML allowed, and only for this constant file: ``st.html``
    with nothing but a style sheet is sent as a one-off "event" element, which new
    sessions did not always get (found in a browser test: 7 of 8 fresh visits unstyled).
    No data ever passes through here.
    """
    st.markdown(f"<style>{_stylesheet()}</style>", unsafe_allow_html=True)


@cache
def _stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def container_class(key: str) -> str:
    """The CSS class Streamlit gives ``st.container(key=key)``."""
    return "st-key-" + key


def focus(key: str, token: str) -> None:
    """Move keyboard focus to ``st.container(key=key)`` once for ``token``.

    Used after "Show more" (the first new result) and after choosing a suggested place
    (the results heading), so focus never falls back to the top of the page.
    """
    target = container_class(key)
    if not _CLASS_NAME.fullmatch(target):
        raise ValueError(f"not a container key the page made: {key!r}")
    _focus_component()(key="focus", data={"target": target, "token": token}, height=0)


def request_focus(key: str) -> None:
    """Ask for focus on ``key`` in the next run (from a callback)."""
    count = int(st.session_state.get("_focus_count", 0)) + 1
    st.session_state["_focus_count"] = count
    st.session_state["_focus_request"] = (key, str(count))


def apply_focus_request() -> None:
    """Carry out a focus request made by a callback, once."""
    request = st.session_state.pop("_focus_request", None)
    if isinstance(request, tuple) and len(request) == 2:
        focus(str(request[0]), str(request[1]))
