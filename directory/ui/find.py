"""The "Find a clinic" page: the search, then the answer first, then the map.

On a phone Streamlit stacks columns, so the list (the left column) comes before the
map, with a link to jump to the map; on a wide screen they sit side by side.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from directory import content, listing, safetext
from directory.errors import DataFileError, DirectoryError, PlaceError
from directory.geocoding import resolve_place
from directory.i18n import N_
from directory.i18n import gettext as _
from directory.params import SearchForm
from directory.search import search
from directory.ui import controls, language, map_view, results, search_state, style
from directory.ui.common import (
    Directory,
    get_directory,
    online_geocoder,
    render_footer,
    user_message,
)

MAP_HEADING = N_("Map of these clinics")
MAP_ANCHOR = "map-of-these-clinics"
"""The same in every language, so a link to the map works whatever language opens it."""


def render() -> None:
    """The page body (the crisis line and navigation come from ``app.py``)."""
    st.title(_("Find a ketamine clinic"))
    try:
        directory = get_directory()
    except (DirectoryError, OSError) as error:
        st.error(user_message(error))
        return
    if not len(directory.index):
        # An unreadable or wholly invalid file must not read as "no clinics near you".
        st.error(user_message(DataFileError(f"{directory.path} has no usable listings")))
        render_footer(directory)
        return
    form = search_state.current_search()
    controls.render_controls(form)
    controls.render_chips(form)
    search_state.sync_url(form, language.url_params())
    if not form.near:
        st.markdown(content.how_to_use_markdown())
        clinics = directory.index.table[directory.index.is_clinic]
        map_view.render_map(
            directory, clinics, None, None, payload=map_view.country_payload(directory)
        )
    else:
        _render_search(directory, form)
    style.apply_focus_request()
    render_footer(directory)


def _render_search(directory: Directory, form: SearchForm) -> None:
    try:
        origin = resolve_place(form.near, online_fallback=online_geocoder())
    except PlaceError as error:
        _render_place_problem(error)
        return
    result = search(directory.index, form.to_query(origin))
    results.keep_comparable(result)
    today = date.today()
    whole_state = origin.precision == "state"
    # Asked only for at-home care, or for a whole state: the at-home providers lead.
    at_home_first = whole_state or form.value("modality") == ("at_home",)
    if at_home_first:
        with st.container(key=results.RESULTS_HEADING):
            results.render_at_home(directory.index, result, today, first=True)
        _render_alternatives(origin.label, origin.alternatives)
        if not whole_state and result.in_person.empty:
            results.render_take_away(result, today, is_sample=directory.is_sample)
            return  # nothing to say about clinics far away: at-home care was asked for
    unfiltered = (
        len(search(directory.index, form.without_filters().to_query(origin)).in_person)
        if form.filters
        else None
    )
    heading_key = "clinics-heading" if at_home_first else results.RESULTS_HEADING
    with st.container(key=heading_key):
        anchor = results.CLINICS_ANCHOR if at_home_first else None
        st.header(listing.summary_sentence(result, unfiltered=unfiltered), anchor=anchor)
        if not at_home_first:
            _render_alternatives(origin.label, origin.alternatives)
        if len(result.in_person) or len(result.nearest_outside_radius):
            st.markdown(f"[{_(MAP_HEADING)}](#{MAP_ANCHOR})")
    list_column, map_column = st.columns([3, 2], gap="medium")
    with map_column:  # drawn first so a click on the map selects in this same run
        st.header(_(MAP_HEADING), anchor=MAP_ANCHOR)
        shown = result.in_person if len(result.in_person) else result.nearest_outside_radius
        radius_miles = None if whole_state else result.query.radius_miles
        chosen = form.value("modality")
        modalities = chosen if isinstance(chosen, tuple) else ()
        map_view.render_map(directory, shown, origin, radius_miles, modalities=modalities)
    with list_column:
        if result.in_person.empty:
            results.render_empty_state(directory.index, result, today)
        else:
            selected = map_view.selected_clinic()
            results.render_list(
                directory.index, result.in_person, today, selected, section="in_person"
            )
    if not at_home_first:
        results.render_at_home(directory.index, result, today)
    results.render_take_away(result, today, is_sample=directory.is_sample)


MAX_ALTERNATIVES = 5


def _render_alternatives(label: str, alternatives: tuple[str, ...]) -> None:
    """The other places the text could mean: "Not Denver, CO? Try: Denver, PA · Denver, NC"."""
    if not alternatives:
        return
    with st.container(key="alternatives", horizontal=True, gap="small"):
        # TRANSLATORS: {place} is where the search is, followed by buttons for other places.
        st.markdown(_("Not {place}? Try:").format(place=safetext.escape_markdown(label)))
        for position, place in enumerate(alternatives[:MAX_ALTERNATIVES]):
            st.button(
                safetext.escape_markdown(place),
                key=f"alternative-{position}",
                type="tertiary",
                on_click=_choose_place,
                args=(place,),
            )


def _render_place_problem(error: PlaceError) -> None:
    """A place we could not find: say so, and offer the places it might have meant."""
    st.warning(user_message(error), icon=":material/travel_explore:")
    options = getattr(error, "candidates", None) or getattr(error, "suggestions", None) or []
    columns = st.columns(4)
    for position, choice in enumerate(options[:8]):
        columns[position % 4].button(
            _("Search near {place}").format(place=safetext.escape_markdown(choice)),
            key=f"choose-{position}",
            on_click=_choose_place,
            args=(choice,),
        )


def _choose_place(place: str) -> None:
    search_state.choose_place(place)
    style.request_focus(results.RESULTS_HEADING)
