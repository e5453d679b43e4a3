"""The "Find a clinic" page: read the controls, call the engine, render the answer."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit_folium import st_folium

from directory import content, export, listing
from directory.errors import (
    AmbiguousPlaceError,
    DataFileError,
    DirectoryError,
    PlaceNotFoundError,
)
from directory.filters import (
    DEFAULT_RADIUS_MILES,
    MAX_TEXT_CHARS,
    PLACE_HELP,
    PLACE_LABEL,
    RADIUS_CHOICES_MILES,
    RADIUS_HELP,
    RADIUS_LABEL,
    Filter,
    FilterKind,
    FilterValue,
    all_filters,
)
from directory.geocoding import Origin, resolve_place
from directory.maps import MarkerPayload, build_map, clinic_for_click, marker_payload
from directory.params import PLACE_PARAM, RADIUS_PARAM, SearchForm, form_from_params
from directory.search import SearchResult, search, suggest_relaxations
from directory.ui.common import (
    Directory,
    get_directory,
    online_geocoder,
    render_footer,
    tile_settings,
    user_message,
)

PAGE_SIZE = 10
MAX_COMPARE = 3


def render() -> None:
    """The page body (the crisis line and navigation come from ``app.py``)."""
    st.title("Find a ketamine clinic")
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
    _load_params_once()
    form = _read_controls()
    _sync_url(form)
    if not form.near:
        st.markdown(content.HOW_TO_USE_MARKDOWN)
        clinics = directory.index.table[directory.index.is_clinic]
        _render_map(clinics, None, None, payload=_country_payload(directory))
    else:
        _render_search(directory, form)
    render_footer(directory)


# --- controls and the URL -------------------------------------------------------------------


def _load_params_once() -> None:
    """On a session's first run, put the URL's search into the controls."""
    if st.session_state.get("_params_loaded"):
        return
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    form = form_from_params(params)
    st.session_state.update(
        {PLACE_PARAM: form.near, RADIUS_PARAM: form.radius_miles},
        _params_loaded=True,
        _notices=list(form.notices),
    )
    for entry in all_filters():
        st.session_state[entry.name] = _widget_value(entry, form.value(entry.name))


def _widget_value(entry: Filter, value: FilterValue) -> object:
    """A filter's value as its widget holds it (a list for multiselects, an int for prices)."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return value


def _read_controls() -> SearchForm:
    for notice in st.session_state.pop("_notices", []):
        st.info(listing.escape_markdown(notice), icon=":material/info:")
    near_column, radius_column = st.columns([3, 2])
    near_column.text_input(
        PLACE_LABEL,
        key=PLACE_PARAM,
        max_chars=MAX_TEXT_CHARS,
        placeholder="e.g. 80202 or Denver, CO",
        help=PLACE_HELP,
    )
    radius_column.select_slider(
        RADIUS_LABEL, options=list(RADIUS_CHOICES_MILES), key=RADIUS_PARAM, help=RADIUS_HELP
    )
    with st.expander("Filter by what matters to you", expanded=False):
        left, right = st.columns(2)
        for entry in all_filters():
            # Choices on the left, yes/no, price and name on the right.
            _draw_control(entry, left if entry.vocabulary is not None else right)
    state = st.session_state
    values: dict[str, FilterValue] = {}
    for entry in all_filters():
        raw = state.get(entry.name)
        if entry.kind in (FilterKind.ANY_OF, FilterKind.ALL_OF):
            values[entry.name] = tuple(raw or ())
        elif entry.kind is FilterKind.FLAG:
            values[entry.name] = bool(raw)
        elif entry.kind is FilterKind.AT_MOST:
            values[entry.name] = None if raw is None else float(raw)
        else:
            values[entry.name] = str(raw or "")
    return SearchForm(
        near=str(state.get(PLACE_PARAM) or ""),
        radius_miles=int(state.get(RADIUS_PARAM) or DEFAULT_RADIUS_MILES),
        filters=values,
    )


def _draw_control(entry: Filter, column: DeltaGenerator) -> None:
    """The widget for one filter, drawn from its table entry."""
    if entry.vocabulary is not None:
        column.multiselect(
            entry.label,
            entry.vocabulary.codes,
            key=entry.name,
            format_func=entry.vocabulary.labels.__getitem__,
            help=entry.help,
        )
    elif entry.kind is FilterKind.FLAG:
        column.checkbox(entry.label, key=entry.name, help=entry.help)
    elif entry.kind is FilterKind.AT_MOST:
        low, high = entry.bounds
        column.number_input(
            entry.label,
            value=None,  # an empty box means "no limit", not $0
            min_value=int(low),
            max_value=int(high),
            step=int(entry.step),
            placeholder="No limit",
            key=entry.name,
            help=entry.help,
        )
    else:
        column.text_input(entry.label, key=entry.name, max_chars=MAX_TEXT_CHARS, help=entry.help)


def _sync_url(form: SearchForm) -> None:
    """Keep the address bar equal to the search, so it can be bookmarked or shared."""
    wanted = form.to_params()
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    normalised = {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}
    if normalised != current:
        st.query_params.from_dict(wanted)


# --- results ----------------------------------------------------------------------------------


def _render_search(directory: Directory, form: SearchForm) -> None:
    try:
        origin = resolve_place(form.near, online_fallback=online_geocoder())
        query = form.to_query(origin)
    except (AmbiguousPlaceError, PlaceNotFoundError) as error:
        st.warning(user_message(error), icon=":material/travel_explore:")
        options = getattr(error, "candidates", None) or getattr(error, "suggestions", None) or []
        columns = st.columns(4)
        for position, choice in enumerate(options[:8]):
            columns[position % 4].button(
                f"Search near {choice}", key=f"choose_{choice}", on_click=_set_near, args=(choice,)
            )
        return
    except DirectoryError as error:
        st.warning(user_message(error), icon=":material/travel_explore:")
        return
    result = search(directory.index, query)
    _keep_comparable(result)
    today = date.today()
    st.subheader(listing.summary_sentence(result))
    selected = _render_map(
        result.in_person if len(result.in_person) else result.nearest_outside_radius,
        origin,
        query.radius_miles,
    )
    if result.in_person.empty:
        _render_empty_state(directory, result, today)
    else:
        _render_list(result.in_person, today, selected, key="in_person")
    _render_at_home(result, today)
    _render_take_away(result, today, is_sample=directory.is_sample)


def _set_near(place: str) -> None:
    st.session_state["near"] = place


def _country_payload(directory: Directory) -> MarkerPayload:
    return _packed_country(str(directory.path), directory.version, directory)


@st.cache_resource(max_entries=2)
def _packed_country(path: str, version: tuple[int, int], _directory: Directory) -> MarkerPayload:
    # Every visitor's first view maps every clinic: pack them once per data file. The
    # directory itself is not hashed (leading underscore); path and version are the key.
    del path, version
    return marker_payload(_directory.index.table[_directory.index.is_clinic])


def _render_map(
    clinics: pd.DataFrame,
    origin: Origin | None,
    radius_miles: float | None,
    *,
    payload: MarkerPayload | None = None,
) -> str | None:
    # The selection is not drawn on the map: a different map script makes st_folium build
    # a new map (and reset the view) on every selection; the list shows the selected clinic.
    folium_map = build_map(
        clinics, origin=origin, radius_miles=radius_miles, tiles=tile_settings(), payload=payload
    )
    output = st_folium(
        folium_map,
        key="map",
        height=460,
        use_container_width=True,
        returned_objects=["last_object_clicked", "last_object_clicked_tooltip"],
    )
    output = output if isinstance(output, dict) else {}
    point = output.get("last_object_clicked")
    tooltip = output.get("last_object_clicked_tooltip")
    # st_folium returns the last click on every rerun: act on each click once. A new map
    # (another search) starts without a click, which forgets the one before.
    click = (point.get("lat"), point.get("lng"), tooltip) if isinstance(point, dict) else None
    if click != st.session_state.get("_last_click"):
        st.session_state["_last_click"] = click
        found = clinic_for_click(output, clinics) if click is not None else None
        if found is not None:  # a cluster icon or the search marker keeps the selection
            st.session_state["selected_clinic"] = found
    selected = st.session_state.get("selected_clinic")
    return selected if isinstance(selected, str) else None


def _render_list(rows: pd.DataFrame, today: date, selected: str | None, *, key: str) -> None:
    if selected is not None and selected in set(rows["id"]):
        st.success("Selected on the map:", icon=":material/location_on:")
        _render_card(rows[rows["id"] == selected].iloc[0], today, key=f"{key}_selected")
    signature = (key, tuple(rows["id"].head(50)))
    if st.session_state.get(f"_{key}_signature") != signature:
        st.session_state[f"_{key}_signature"] = signature
        st.session_state[f"_{key}_shown"] = PAGE_SIZE
    shown = int(st.session_state.get(f"_{key}_shown", PAGE_SIZE))
    for _, row in rows.head(shown).iterrows():
        _render_card(row, today, key=key)
    if len(rows) > shown:
        st.button(
            f"Show more ({len(rows) - shown} more)",
            key=f"more_{key}",
            on_click=_show_more,
            args=(key,),
        )


def _show_more(key: str) -> None:
    st.session_state[f"_{key}_shown"] = (
        int(st.session_state.get(f"_{key}_shown", PAGE_SIZE)) + PAGE_SIZE
    )


def _render_card(row: pd.Series, today: date, *, key: str) -> None:
    with st.container(border=True):
        st.markdown(f"#### {listing.clinic_title(row)}")
        st.markdown(listing.clinic_markdown(row, today))
        clinic_id = str(row["id"])
        compare_key = f"compare_{clinic_id}"
        chosen = _compare_ids()
        st.checkbox(
            f"Compare {row['name']}",  # a label, not Markdown: shown as plain text
            key=f"{compare_key}_{key}",
            value=clinic_id in chosen,
            disabled=clinic_id not in chosen and len(chosen) >= MAX_COMPARE,
            on_change=_toggle_compare,
            args=(clinic_id, f"{compare_key}_{key}"),
        )


def _keep_comparable(result: SearchResult) -> None:
    """Forget compared clinics that are not in this search, so the boxes stay usable."""
    shown: set[str] = set()
    for frame in (result.in_person, result.at_home, result.nearest_outside_radius):
        shown.update(frame["id"].astype(str))
    st.session_state["_compare"] = [c for c in _compare_ids() if c in shown]


def _compare_ids() -> list[str]:
    chosen = st.session_state.setdefault("_compare", [])
    return chosen if isinstance(chosen, list) else []


def _toggle_compare(clinic_id: str, widget_key: str) -> None:
    chosen = [c for c in _compare_ids() if c != clinic_id]
    if st.session_state.get(widget_key) and len(chosen) < MAX_COMPARE:
        chosen.append(clinic_id)
    st.session_state["_compare"] = chosen


def _render_empty_state(directory: Directory, result: SearchResult, today: date) -> None:
    sentence = listing.nearest_sentence(result)
    st.info(
        sentence or f"No clinics match within {result.query.radius_miles:g} miles.",
        icon=":material/explore:",
    )
    relaxations = suggest_relaxations(directory.index, result.query)
    if relaxations:
        st.markdown(
            "**To see more clinics nearby, try:**\n\n"
            + "\n".join(
                f"- {r.description.lower()}: {r.in_person_count} within "
                f"{result.query.radius_miles:g} miles"
                for r in relaxations
            )
        )
    elif result.query.radius_miles < RADIUS_CHOICES_MILES[-1]:
        st.markdown("Try a larger distance, or see the at-home options below.")
    if len(result.nearest_outside_radius):
        st.markdown("**Nearest matching clinics further away**")
        _render_list(result.nearest_outside_radius, today, None, key="nearest")


def _render_at_home(result: SearchResult, today: date) -> None:
    state = listing.escape_markdown(result.origin.state)
    st.subheader(f"Also available at home in {state}")
    if result.at_home.empty:
        st.markdown(
            f"No at-home (telehealth) provider in the list matches your filters in {state}."
        )
        return
    st.caption(
        "These providers are licensed to treat patients at home in your state. "
        "Prices are per month of at-home treatment."
    )
    _render_list(result.at_home, today, None, key="at_home")


def _render_take_away(result: SearchResult, today: date, *, is_sample: bool) -> None:
    sections = {
        "in_person": result.in_person,
        "at_home": result.at_home,
        "nearest_outside_radius": result.nearest_outside_radius,
    }
    sections = {name: frame for name, frame in sections.items() if len(frame)}
    if not sections:
        return
    st.subheader("Take your list with you")
    pool = pd.concat(list(sections.values()), ignore_index=True).drop_duplicates("id")
    chosen = _compare_ids()
    picked = pool[pool["id"].isin(chosen)]
    left, right = st.columns(2)
    left.download_button(
        f"Download all {_count(len(pool), 'clinic')} (CSV)",
        # A callable: the file is built only when the patient asks for it.
        lambda: export.patient_csv(sections, today),
        file_name="ketamine-clinics.csv",
        mime="text/csv",
        key="csv",
    )
    shortlist = picked if len(picked) else pool.head(PAGE_SIZE)
    which = "compared" if len(picked) else ("first" if len(pool) > len(shortlist) else "")
    right.download_button(
        f"Printable shortlist of {which + ' ' if which else ''}{_count(len(shortlist), 'clinic')}",
        lambda: listing.shortlist_html(
            shortlist,
            f"Clinics near {result.origin.label}",
            today,
            note=content.SAMPLE_DATA_NOTE_PLAIN if is_sample else "",
        ),
        file_name="clinic-shortlist.html",
        mime="text/html",
        key="shortlist",
    )
    if len(picked) >= 2:
        st.subheader("Compare side by side")
        st.dataframe(listing.comparison_table(picked, today), width="stretch")
    else:
        st.caption(f'Tick "Compare" on up to {MAX_COMPARE} clinics to see them side by side.')


def _count(number: int, noun: str) -> str:
    """``1 clinic``, ``3 clinics``."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
