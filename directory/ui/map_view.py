"""The map of the results: drawn by :mod:`directory.maps`, a click selects a clinic."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from directory import i18n
from directory.geocoding import Origin
from directory.maps import MarkerPayload, MarkerTable, build_map, clinic_for_click, marker_table
from directory.ui.common import Directory, tile_settings

MAP_HEIGHT_PX = 460
SELECTED = "selected_clinic"


def render_map(
    directory: Directory,
    clinics: pd.DataFrame,
    origin: Origin | None,
    radius_miles: float | None,
    *,
    payload: MarkerPayload | None = None,
    modalities: tuple[str, ...] = (),
) -> None:
    """Draw the map of ``clinics`` (rows of ``directory``'s index); a click on a clinic's
    marker selects it (see :func:`selected_clinic`). ``modalities``: the search's
    treatment filter, which the pins' colours follow."""
    if payload is None:
        payload = markers(directory).payload(clinics, modalities)
    # The selection is not drawn on the map: a different map script makes st_folium build
    # a new map (and reset the view) on every selection; the list shows the selected clinic.
    folium_map = build_map(
        clinics,
        origin=origin,
        radius_miles=radius_miles,
        tiles=tile_settings(),
        payload=payload,
        modalities=modalities,  # pins take the colour of the treatment searched for
    )
    # Imported here, in a script run, never at import time: streamlit-folium registers its
    # component's files with the running server only when it is first imported inside a
    # run. Imported by the warm start (before the server exists), the replica answered
    # 404 for the map's frame and production pages had no map.
    from streamlit_folium import st_folium

    output = st_folium(
        folium_map,
        key="map",
        height=MAP_HEIGHT_PX,
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
            st.session_state[SELECTED] = found


def selected_clinic() -> str | None:
    """The id of the clinic last clicked on the map, if any."""
    selected = st.session_state.get(SELECTED)
    return selected if isinstance(selected, str) else None


def markers(directory: Directory) -> MarkerTable:
    """The map texts of every listing, made once per data file (not per view).

    The table holds data and links only, no words of a language (see
    :class:`directory.maps.MarkerTable`), so both languages share it."""
    return _marker_table(str(directory.path), directory.version, directory)


def country_payload(directory: Directory) -> MarkerPayload:
    """Every clinic, packed for the map, once per data file and language (the first view
    of every visitor): the packed names include the nameless clinics' name."""
    return _packed_country(str(directory.path), directory.version, i18n.language(), directory)


# The directory itself is not hashed (leading underscore); path and version (and for
# texts, the language) are the key.
@st.cache_resource(max_entries=2)
def _marker_table(path: str, version: tuple[int, int], _directory: Directory) -> MarkerTable:
    del path, version
    return marker_table(_directory.index.table)


@st.cache_resource(max_entries=2 * len(i18n.LANGUAGES))
def _packed_country(
    path: str, version: tuple[int, int], language: str, _directory: Directory
) -> MarkerPayload:
    del path, version
    index = _directory.index
    with i18n.using(language):  # the key's language, whatever made the call
        return markers(_directory).payload(index.table[index.is_clinic])
