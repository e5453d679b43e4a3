"""The "Find a clinic" page: read the controls, call the engine, render the answer."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from directory import content, listing, schema
from directory.errors import (
    AmbiguousPlaceError,
    DataFileError,
    DirectoryError,
    PlaceNotFoundError,
)
from directory.export import to_safe_csv
from directory.geocoding import Origin, resolve_place
from directory.maps import MarkerPayload, build_map, clinic_for_click, marker_payload
from directory.params import RADIUS_CHOICES_MILES, SearchForm, form_from_params
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
        near=form.near,
        radius=form.radius_miles,
        modality=list(form.modalities),
        condition=list(form.conditions),
        payment=list(form.payment),
        va=form.va,
        no_therapist=form.no_therapist,
        max_price=form.max_price_usd,
        accepting=form.accepting,
        name=form.name,
        _params_loaded=True,
        _notices=list(form.notices),
    )


def _read_controls() -> SearchForm:
    for notice in st.session_state.pop("_notices", []):
        st.info(listing.escape_markdown(notice), icon=":material/info:")
    help_text = content.FILTER_HELP
    near_column, radius_column = st.columns([3, 2])
    near_column.text_input(
        "Your ZIP code or city",
        key="near",
        max_chars=200,
        placeholder="e.g. 80202 or Denver, CO",
        help=help_text["near"],
    )
    radius_column.select_slider(
        "Distance (miles)",
        options=list(RADIUS_CHOICES_MILES),
        key="radius",
        help=help_text["radius"],
    )
    with st.expander("Filter by what matters to you", expanded=False):
        left, right = st.columns(2)
        left.multiselect(
            "Treatment type",
            schema.MODALITIES.codes,
            key="modality",
            format_func=schema.MODALITIES.labels.__getitem__,
            help=help_text["modality"],
        )
        left.multiselect(
            "Conditions treated (all of them)",
            schema.CONDITIONS.codes,
            key="condition",
            format_func=schema.CONDITIONS.labels.__getitem__,
            help=help_text["condition"],
        )
        left.multiselect(
            "Payment",
            schema.PAYMENT.codes,
            key="payment",
            format_func=schema.PAYMENT.labels.__getitem__,
            help=help_text["payment"],
        )
        right.checkbox(
            "Works with VA (Community Care or VA facility)", key="va", help=help_text["va"]
        )
        right.checkbox(
            "I don't have a therapist yet", key="no_therapist", help=help_text["no_therapist"]
        )
        right.checkbox("Accepting new patients", key="accepting", help=help_text["accepting"])
        right.number_input(
            "Maximum price per session (US dollars)",
            value=None,  # an empty box means "no limit", not $0
            min_value=0,
            max_value=100_000,
            step=50,
            placeholder="No limit",
            key="max_price",
            help=help_text["max_price"],
        )
        right.text_input("Clinic name", key="name", max_chars=200, help=help_text["name"])
    state = st.session_state
    price = state.get("max_price")
    return SearchForm(
        near=str(state.get("near") or "").strip(),
        radius_miles=int(state.get("radius") or 25),
        modalities=tuple(state.get("modality") or ()),
        conditions=tuple(state.get("condition") or ()),
        payment=tuple(state.get("payment") or ()),
        va=bool(state.get("va")),
        no_therapist=bool(state.get("no_therapist")),
        max_price_usd=None if price is None else int(price),
        accepting=bool(state.get("accepting")),
        name=str(state.get("name") or "").strip(),
    )


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
                f"- {r.description}: {r.in_person_count} within {result.query.radius_miles:g} miles"
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
    sections = [
        frame.assign(result=name)
        for name, frame in (
            ("in_person", result.in_person),
            ("at_home", result.at_home),
            ("nearest_outside_radius", result.nearest_outside_radius),
        )
        if len(frame)
    ]
    if not sections:
        return
    st.subheader("Take your list with you")
    everything = pd.concat(sections, ignore_index=True)
    chosen = _compare_ids()
    pool = pd.concat(
        [result.in_person, result.at_home, result.nearest_outside_radius], ignore_index=True
    )
    picked = pool[pool["id"].isin(chosen)].drop_duplicates("id")
    left, right = st.columns(2)
    if len(everything):
        left.download_button(
            "Download results (CSV)",
            to_safe_csv(everything),
            file_name="ketamine-clinics.csv",
            mime="text/csv",
            key="csv",
        )
    shortlist = picked if len(picked) else pool.head(PAGE_SIZE)
    if len(shortlist):
        right.download_button(
            "Printable shortlist" + (" (compared clinics)" if len(picked) else " (first 10)"),
            listing.shortlist_html(
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
    elif len(pool):
        st.caption(f'Tick "Compare" on up to {MAX_COMPARE} clinics to see them side by side.')
