"""The session's language: from ``?lang=``, else the browser's, kept in the URL and switchable.

Like the search (:mod:`directory.ui.search_state`), the language lives in session state,
not in a widget: a session's first run and every Back or Forward read it from the URL's
``lang`` (unknown values mean English, without a notice), and when the URL names none,
from the browser's preferred language (``st.context.locale``). Every other run keeps it,
and writes ``lang`` into the URL whenever the page is not in English, or when the browser
would open a link without it in another language: a Spanish link stays Spanish for anyone,
and a link with no ``lang`` opens in the reader's own browser language.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from directory import i18n
from directory.i18n import LANGUAGES, N_, language_from_tag
from directory.i18n import gettext as _
from directory.ui.search_state import is_history_navigation

LANGUAGE_PARAM = "lang"
STATE = "_language"
SWITCH_KEY = "language-switch"
SWITCH_BOX = "language"
"""The switch's container (``.st-key-language`` in ``app.css``)."""
SWITCH_LABEL = "Language / Idioma"
"""Both languages at once: the switch is for people who may not read the current one."""
PAGE_TITLE = N_("Ketamine Clinic Finder")


def browser_language() -> str:
    """The supported language the browser prefers, else English."""
    try:
        locale = st.context.locale
    except (AttributeError, RuntimeError):  # no browser context (bare mode): the default
        locale = None
    return language_from_tag(locale) or i18n.DEFAULT_LANGUAGE


def activate_session_language() -> str:
    """Set this run's language (see the module docstring) and return its code."""
    state = st.session_state
    if STATE not in state or is_history_navigation():
        values = st.query_params.get_all(LANGUAGE_PARAM)
        # A link that names a language we do not have means English, whatever the browser.
        state[STATE] = (
            (language_from_tag(values[-1]) or i18n.DEFAULT_LANGUAGE)
            if values
            else browser_language()
        )
    code = str(state[STATE])
    i18n.activate(code)
    state[SWITCH_KEY] = code
    return code


def url_params() -> dict[str, str]:
    """``{"lang": code}`` when a link without it would open in another language."""
    code = i18n.language()
    if code == i18n.DEFAULT_LANGUAGE and browser_language() == i18n.DEFAULT_LANGUAGE:
        return {}
    return {LANGUAGE_PARAM: code}


def sync_url_language() -> None:
    """Keep ``lang`` in this page's address (pages without a search of their own)."""
    wanted = url_params().get(LANGUAGE_PARAM)
    current = st.query_params.get(LANGUAGE_PARAM)
    if wanted != current:
        if wanted is None:
            del st.query_params[LANGUAGE_PARAM]
        else:
            st.query_params[LANGUAGE_PARAM] = wanted


def render_language_switch() -> None:
    """ "English | Español" at the top of a patient page (in the top bar: ``app.css``)."""
    with st.container(key=SWITCH_BOX):
        st.segmented_control(
            SWITCH_LABEL,
            list(LANGUAGES),
            format_func=LANGUAGES.__getitem__,
            key=SWITCH_KEY,
            on_change=_on_switch,
            label_visibility="collapsed",
        )


def _on_switch() -> None:
    chosen = st.session_state.get(SWITCH_KEY)
    if chosen in LANGUAGES:  # clicking the chosen one again clears it: keep the language
        st.session_state[STATE] = chosen


def _session_language() -> str | None:
    """The resolver for text made before the run activated a language (callbacks)."""
    if get_script_run_ctx() is None:
        return None
    value = st.session_state.get(STATE)
    return value if isinstance(value, str) else None


def page_title(title: str) -> str:
    """The browser tab's title for a page: ``Find a clinic · Ketamine Clinic Finder``."""
    return f"{title} · {_(PAGE_TITLE)}"


i18n.set_resolver(_session_language)
