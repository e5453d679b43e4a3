"""The search controls: where, how far, the filters, and the chips that show them.

Every control is drawn from the filter table (:data:`directory.filters.FILTERS`) and
writes through :mod:`directory.ui.search_state`, so the search survives page changes,
reloads and the browser's Back and Forward.
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from directory import safetext
from directory.filters import (
    PLACE_HELP,
    PLACE_LABEL,
    RADIUS_CHOICES_MILES,
    RADIUS_HELP,
    RADIUS_LABEL,
    Filter,
    FilterKind,
    all_filters,
    chip_count,
)
from directory.i18n import gettext as _
from directory.params import SearchForm
from directory.ui import location, search_state


def render_controls(form: SearchForm) -> None:
    """The place box with its Search button, the distance, and the filters."""
    for notice in search_state.pop_notices():
        st.info(safetext.escape_markdown(notice), icon=":material/info:")
    # A row that stays a row on a phone (columns would stack the button under the box).
    with st.container(key="place-row", horizontal=True, vertical_alignment="bottom"):
        # No max_chars: Streamlit would show a "5/200" counter; the form cuts long text.
        st.text_input(
            _(PLACE_LABEL),
            key=search_state.PLACE_DRAFT,
            placeholder=_("e.g. 80202 or Denver, CO"),
            help=_(PLACE_HELP),
            on_change=search_state.on_place_submitted,
        )
        st.button(
            _("Search"),
            key="search-button",
            type="primary",
            on_click=search_state.on_place_submitted,
        )
    location.render_location_button()  # its own row: the button and its privacy note
    st.select_slider(
        _(RADIUS_LABEL),
        options=list(RADIUS_CHOICES_MILES),
        key=search_state.RADIUS_KEY,
        help=_(RADIUS_HELP),
        on_change=search_state.on_radius_widget,
    )
    count = chip_count(form.filters)
    label = (
        _("Filter by what matters to you ({count} on)").format(count=count)
        if count
        else _("Filter by what matters to you")
    )
    # A key, so the panel is the same element when its label's count changes: without
    # one it closed after every filter a patient set.
    with st.expander(label, expanded=False, key="filters-panel"):
        left, right = st.columns(2)
        for entry in all_filters():
            # Choices on the left; yes/no, price and name on the right.
            _draw_control(entry, left if entry.vocabulary is not None else right)


def _draw_control(entry: Filter, column: DeltaGenerator) -> None:
    """The widget for one filter, drawn from its table entry."""
    key = search_state.widget_key(entry)
    changed, args = search_state.on_filter_widget, (entry.name,)
    label, help_text = entry.shown_label(), entry.shown_help()
    if entry.vocabulary is not None:
        column.multiselect(
            label,
            entry.vocabulary.codes,
            key=key,
            format_func=entry.vocabulary.labels.__getitem__,
            placeholder=_("Choose options"),
            help=help_text,
            on_change=changed,
            args=args,
        )
    elif entry.kind is FilterKind.FLAG:
        column.checkbox(label, key=key, help=help_text, on_change=changed, args=args)
    elif entry.kind is FilterKind.AT_MOST:
        low, high = entry.bounds
        column.number_input(
            label,
            value=None,  # an empty box means no limit, not $0
            min_value=int(low),
            max_value=int(high),
            step=int(entry.step),
            placeholder=_("No limit"),
            key=key,
            help=help_text,
            on_change=changed,
            args=args,
        )
    else:
        column.text_input(label, key=key, help=help_text, on_change=changed, args=args)


def render_chips(form: SearchForm) -> None:
    """Each active filter in plain words, removed by a tap; and "Clear all filters"."""
    chips = [chip for entry in all_filters() for chip in entry.chips(form.value(entry.name))]
    if not chips:
        return
    with st.container(key="chips", horizontal=True, gap="small"):
        st.markdown(_("**Filters on** (tap one to remove it):"))
        for position, chip in enumerate(chips):
            label = safetext.escape_markdown(chip.label)  # a typed name is untrusted text
            st.button(
                label,
                key=f"chip-{position}-{chip.filter}",
                icon=":material/close:",
                on_click=search_state.set_filter,
                args=(chip.filter, chip.value_without),
            )
        st.button(
            _("Clear all filters"),
            key="chip-clear",
            type="tertiary",
            on_click=search_state.clear_filters,
        )
