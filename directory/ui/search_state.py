"""The search a patient is making, kept apart from the widgets that edit it.

Streamlit drops a widget's state in any run that does not draw it (a visit to the About
page, say), so the search itself lives in session state as one
:class:`~directory.params.SearchForm`, and the URL mirrors it:

* a session's first run, and every Back or Forward (a history-navigation rerun), read
  the search from the URL, so shared links, reloads and the browser's history all show
  the search they stand for;
* every other run keeps the session's search, and writes it to the URL when it changed
  (each new search is a new history entry, so Back returns to the previous one);
* widgets are drawn with their values taken from the search, and their callbacks write
  changes back to it; a widget whose state was dropped is simply seeded again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from directory.filters import (
    DEFAULT_RADIUS_MILES,
    Filter,
    FilterKind,
    FilterValue,
    all_filters,
    filter_named,
)
from directory.params import SearchForm, form_from_params

FORM = "_search"
NOTICES = "_search_notices"
PLACE_KEY = "near"
RADIUS_KEY = "radius"
PLACE_DRAFT = "near"
"""The place box's widget key: what is typed before the search runs."""


def current_search() -> SearchForm:
    """The search this run shows (see the module docstring for where it comes from)."""
    state = st.session_state
    if FORM not in state or is_history_navigation():
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        form = form_from_params(params)
        state[FORM] = form
        state[NOTICES] = list(form.notices)
        _seed_widgets(form, overwrite=True)
        return form
    form = state[FORM]
    assert isinstance(form, SearchForm)  # noqa: S101 (only this module writes it)
    _seed_widgets(form, overwrite=False)
    return form


def is_history_navigation() -> bool:
    """True in the run the browser's Back or Forward started (the URL changed under us)."""
    context = get_script_run_ctx()
    return bool(context is not None and context.is_history_navigation)


def set_search(form: SearchForm) -> None:
    """Make ``form`` the search (from a callback: the widgets follow on this run)."""
    st.session_state[FORM] = form
    _seed_widgets(form, overwrite=True)


def pop_notices() -> list[str]:
    """What the URL carried that could not be used, once."""
    notices = st.session_state.pop(NOTICES, [])
    return [str(notice) for notice in notices] if isinstance(notices, list) else []


def add_notice(message: str) -> None:
    """A plain message shown once above the place box on the next run (from a callback)."""
    notices = st.session_state.get(NOTICES)
    queued = [str(n) for n in notices] if isinstance(notices, list) else []
    st.session_state[NOTICES] = [*queued, message]


def sync_url(form: SearchForm, extra: Mapping[str, str] | None = None) -> None:
    """Keep the address bar equal to the search: it can be bookmarked, shared and gone back to.

    ``extra`` is what else the link keeps (the language, :func:`language.url_params`).
    """
    wanted = {**form.to_params(), **(extra or {})}
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    if {k: v if isinstance(v, list) else [v] for k, v in wanted.items()} != current:
        st.query_params.from_dict(wanted)


# --- widgets ----------------------------------------------------------------------------------


def widget_key(entry: Filter) -> str:
    """The session-state key of a filter's widget: its URL name."""
    return entry.name


def _seed_widgets(form: SearchForm, *, overwrite: bool) -> None:
    state = st.session_state
    values: dict[str, Any] = {PLACE_DRAFT: form.near, RADIUS_KEY: form.radius_miles}
    for entry in all_filters():
        values[widget_key(entry)] = widget_value(entry, form.value(entry.name))
    for key, value in values.items():
        if overwrite or key not in state:
            state[key] = value


def widget_value(entry: Filter, value: FilterValue) -> object:
    """A filter's value as its widget holds it (a list for multiselects, an int for prices)."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return value


def value_from_widget(entry: Filter, raw: object) -> FilterValue:
    """The widget's value as the filter's (see :meth:`Filter.check`)."""
    if entry.kind in (FilterKind.ANY_OF, FilterKind.ALL_OF):
        return tuple(str(v) for v in raw) if isinstance(raw, list | tuple) else ()
    if entry.kind is FilterKind.FLAG:
        return bool(raw)
    if entry.kind is FilterKind.AT_MOST:
        return None if raw is None else float(raw)  # type: ignore[arg-type]
    return str(raw or "")


# --- callbacks (they run before the script, so the run that follows shows the change) ----------


def on_filter_widget(name: str) -> None:
    """A filter's widget changed: take its value into the search."""
    entry = filter_named(name)
    value = value_from_widget(entry, st.session_state.get(widget_key(entry)))
    _update(_form().with_filter(name, value))


def on_radius_widget() -> None:
    radius = st.session_state.get(RADIUS_KEY) or DEFAULT_RADIUS_MILES
    _update(replace(_form(), radius_miles=int(radius), notices=()))


def on_place_submitted() -> None:
    """Enter in the place box or the Search button: search near what is typed."""
    text = str(st.session_state.get(PLACE_DRAFT) or "")
    _update(replace(_form(), near=text, notices=()))


def choose_place(place: str) -> None:
    """A suggested place was chosen ("Search near Springfield, MO")."""
    set_search(replace(_form(), near=place, notices=()))


def set_filter(name: str, value: FilterValue) -> None:
    """A chip or a relaxation button: one filter set (to its default: removed)."""
    set_search(_form().with_filter(name, value))


def set_radius(miles: int) -> None:
    set_search(replace(_form(), radius_miles=miles, notices=()))


def clear_filters() -> None:
    set_search(_form().without_filters())


def _form() -> SearchForm:
    form = st.session_state.get(FORM)
    return form if isinstance(form, SearchForm) else SearchForm()


def _update(form: SearchForm) -> None:
    # The widget that called already holds the new value; the others keep theirs.
    st.session_state[FORM] = form
