"""The admin tabs that look at and change the data: health, upload, editor, verify & map.

Each tab is ``render_…(current, today)``; changes go through
:mod:`directory.ui.admin_review`, saved *based on* the file's hash as the tab
showed it, so a save by someone else in between is refused, not overwritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from directory import admin
from directory.admin import CurrentData, Review, problems_frame
from directory.errors import DirectoryError
from directory.safetext import escape_markdown
from directory.ui import admin_reports
from directory.ui.admin_review import flash_error, flash_saved, render_review, save
from directory.ui.admin_session import (
    EDIT_REVIEW,
    EDITOR,
    EDITOR_FOCUS,
    EDITOR_WIDGET_PREFIX,
    UPLOAD_GENERATION,
    UPLOAD_WIDGET_PREFIX,
    VERIFY_WIDGET,
    admin_name,
    flash,
)
from directory.ui.common import data_path

DOWNLOAD_CAPTION = (
    "This is the data file exactly as stored (byte for byte), so a restore or an edit "
    "elsewhere starts from the real thing. It is not protected against spreadsheet "
    "formulas: a cell starting with =, +, - or @ may run as a formula if you open the "
    "file in Excel or similar. Import it as text, or open it in a text editor."
)


# --- data health ----------------------------------------------------------------------------


def render_health(current: CurrentData, today: date) -> None:
    """The "Data health" tab: counts, errors, warnings, stale and approximate listings."""
    if current.data is None:
        st.info("There is no data file to check yet.")
        return
    report = current.loaded.report
    health = admin.health_summary(current.loaded, today)
    first, second, third, fourth, fifth = st.columns(5)
    first.metric("Rows", report.rows)
    second.metric("Errors", report.error_count)
    third.metric("Warnings", report.warning_count)
    fourth.metric("Not verified in 12 months", len(health.stale))
    open_reports, reports_problem = admin_reports.open_report_count()
    fifth.metric("Open problem reports", "?" if open_reports is None else open_reports)
    if reports_problem is not None:
        st.error(reports_problem, icon=":material/database:")
    elif open_reports or len(health.stale):
        st.caption("The Verification queue tab lists the open reports and the listings due.")
    if report.has_file_errors:
        st.error(
            "Patients see no listings at all: the file has an error in its header or as a "
            "whole (see Errors below). Fix it, or restore a backup.",
            icon=":material/block:",
        )
    st.subheader("Listings by state and kind")
    st.dataframe(health.counts, width="content")
    with st.expander(f"Errors ({report.error_count})", expanded=not report.valid):
        if report.errors:
            st.caption("Rows with errors are hidden from patients until they are fixed.")
            st.dataframe(problems_frame(report.errors), hide_index=True)
        else:
            st.text("No errors.")
    with st.expander(f"Warnings ({report.warning_count})"):
        if report.warnings:
            st.dataframe(problems_frame(report.warnings), hide_index=True)
        else:
            st.text("No warnings.")
    with st.expander(f"Not verified in the last 12 months ({len(health.stale)})"):
        st.dataframe(health.stale, hide_index=True)
    with st.expander(f"Approximate map position: ZIP code centre ({len(health.approximate)})"):
        st.caption(
            "These clinics have no latitude/longitude of their own, so the map and distances "
            "use the centre of their ZIP code. Add the real coordinates to make them exact."
        )
        st.dataframe(health.approximate, hide_index=True)


# --- upload ---------------------------------------------------------------------------------


def render_upload(current: CurrentData, today: date) -> None:
    """The "Upload a CSV" tab: a file replaces the data after its review."""
    generation = int(st.session_state.get(UPLOAD_GENERATION, 0))
    limit = st.get_option("server.maxUploadSize")
    uploaded = st.file_uploader(
        "Upload a clinic CSV to replace the current data",
        type=["csv"],
        key=f"{UPLOAD_WIDGET_PREFIX}{generation}",
        help=f"Largest accepted file: {limit} MB (server.maxUploadSize in .streamlit/config.toml).",
    )
    if uploaded is None:
        st.caption("You will see the validation report and the changes before anything is saved.")
        return
    data = uploaded.getvalue()
    review = _review_upload(hashlib.sha256(data).hexdigest(), current.sha256, today, data, current)
    render_review(
        review,
        save_key="admin_upload_save",
        # The callback keeps the file's hash as the page showed it: if the file changes
        # before the click, the save is refused as a conflict.
        on_save=lambda: _save_upload(review, current),
    )


@st.cache_resource(max_entries=2, show_spinner="Checking the uploaded file…")
def _review_upload(
    sha256: str, current_sha256: str | None, today: date, _data: bytes, _current: CurrentData
) -> Review:
    # Every click on the page reruns this tab with the same upload: keyed on the upload's
    # hash and the hash of the data it is compared with (``_data`` and ``_current`` are
    # left out of the key), it is parsed and compared once, never on each rerun.
    # Shared read-only between reruns and sessions, like the current data's parse.
    return admin.review_csv(_data, _current.table, today=today)


def _save_upload(review: Review, current: CurrentData) -> None:
    if save(review, action="upload", based_on=current.sha256, current=current):
        # A new uploader key empties the widget, so the saved file is not offered again.
        st.session_state[UPLOAD_GENERATION] = int(st.session_state.get(UPLOAD_GENERATION, 0)) + 1


# --- edit in place --------------------------------------------------------------------------


def _editor_has_edits(key: str) -> bool:
    """True when the editor widget ``key``, or its one-listing view, holds edits."""
    for name in list(st.session_state.keys()):
        if name != key and not str(name).startswith(f"{key}-only-"):
            continue
        state = st.session_state.get(name)
        if isinstance(state, Mapping) and any(
            state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows")
        ):
            return True
    return False


def _focus(frame: pd.DataFrame) -> dict[str, Any] | None:
    """The listing to edit alone ("Fix this listing" in the queue), if it is in ``frame``."""
    focus = st.session_state.get(EDITOR_FOCUS)
    if not isinstance(focus, dict):
        return None
    if not frame["id"].astype(str).eq(str(focus.get("clinic"))).any():
        st.warning(
            f"The listing {escape_markdown(focus.get('clinic'))} is not in the data the editor "
            "holds, so all listings are shown.",
            icon=":material/search_off:",
        )
        st.session_state.pop(EDITOR_FOCUS, None)
        return None
    return focus


def _show_all_listings() -> None:
    st.session_state.pop(EDITOR_FOCUS, None)
    st.session_state.pop(EDIT_REVIEW, None)


def _widget_key(editor: Mapping[str, Any], focus: Mapping[str, Any] | None) -> str:
    if focus is None:
        return str(editor["key"])
    # One widget per listing shown alone: its edits are positions in that one-row table.
    digest = hashlib.sha256(str(focus["clinic"]).encode("utf-8")).hexdigest()[:12]
    return f"{editor['key']}-only-{digest}"


def _editor_state(current: CurrentData) -> dict[str, Any]:
    """The editor's starting point: which file version, its table, and the widget's key.

    The editor keeps working on the version it started from, even if the file
    changes meanwhile (its edits are positions in that table). It follows the
    file on its own only while it holds no edits and no review.
    """
    editor = st.session_state.get(EDITOR)
    stale = editor is not None and editor["sha256"] != current.sha256
    if editor is None or (
        stale and not _editor_has_edits(editor["key"]) and EDIT_REVIEW not in st.session_state
    ):
        generation = 0 if editor is None else int(editor["generation"]) + 1
        editor = {
            "sha256": current.sha256,
            "frame": admin.editor_frame(current.loaded.table),
            "generation": generation,
            "key": f"{EDITOR_WIDGET_PREFIX}{generation}",
        }
        st.session_state[EDITOR] = editor
    return dict(editor)


def _reset_editor() -> None:
    editor = st.session_state.get(EDITOR)
    if editor is not None:
        for name in list(st.session_state.keys()):
            if name == editor["key"] or str(name).startswith(f"{editor['key']}-only-"):
                st.session_state.pop(name, None)
    st.session_state.pop(EDITOR, None)
    st.session_state.pop(EDIT_REVIEW, None)


def render_editor(current: CurrentData, today: date) -> None:
    """The "Edit listings" tab: edit the table in place, review, then save."""
    editor = _editor_state(current)
    if editor["sha256"] != current.sha256:
        st.warning(
            "The data file has changed since you started editing. Saving these edits will be "
            "refused; discard them to start again from the current data.",
            icon=":material/sync_problem:",
        )
    st.caption(
        "Change cells, add rows at the bottom or select rows to delete them. Nothing is "
        "saved until you review the changes and press Save."
    )
    frame: pd.DataFrame = editor["frame"]
    focus = _focus(frame)
    shown = frame
    if focus is not None:
        shown = frame[frame["id"].astype(str).eq(str(focus["clinic"])).to_numpy()]
        st.info(
            f"Showing only {escape_markdown(focus['clinic'])}, from the problem reports. "
            "Saving a change to it (or deleting it, if it has closed) closes its open "
            "reports as fixed.",
            icon=":material/build:",
        )
        st.button("Show all listings", key="admin_edit_show_all", on_click=_show_all_listings)
    edited = st.data_editor(
        shown,
        key=_widget_key(editor, focus),
        # Alone, a listing can be changed or deleted (a clinic reported closed), not added to.
        num_rows="dynamic" if focus is None else "delete",
        hide_index=True,
        width="stretch",
        column_config={name: st.column_config.TextColumn(name) for name in frame.columns},
    )
    if focus is not None:
        # The one-listing view edits a slice: the review and the save see the whole table.
        merged = frame.drop(index=shown.index.difference(edited.index))  # deleted there
        merged.loc[edited.index, edited.columns] = edited.to_numpy()
        edited = merged
    left, right = st.columns(2)
    if left.button("Review changes", key="admin_edit_review"):
        st.session_state[EDIT_REVIEW] = {
            "signature": _signature(edited),
            "review": admin.review_edits(edited, frame, today=today),
            "sha256": editor["sha256"],
        }
    right.button("Discard my edits", key="admin_edit_discard", on_click=_reset_editor)
    pending = st.session_state.get(EDIT_REVIEW)
    if pending is None:
        return
    if pending["signature"] != _signature(edited):
        st.info("You changed the table since the review; press Review changes again.")
        return
    review: Review = pending["review"]
    render_review(
        review,
        save_key="admin_edit_save",
        on_save=lambda: _save_edits(review, pending["sha256"], focus),
    )


def _signature(edited: pd.DataFrame) -> str:
    """A fingerprint of the editor's table, to tell whether it changed since the review."""
    return hashlib.sha256(admin.edited_csv_text(edited).encode("utf-8")).hexdigest()


def _save_edits(review: Review, based_on: str | None, focus: dict[str, Any] | None) -> None:
    # Based on the version the editor started from, which may be older than the page's.
    if save(review, action="edit", based_on=based_on):
        _reset_editor()
        if focus is not None:  # a fix opened from the queue: close its reports as fixed
            admin_reports.close_fixed(focus)
            st.session_state.pop(EDITOR_FOCUS, None)


# --- verification, coordinates, download ----------------------------------------------------


def render_maintenance(current: CurrentData, today: date) -> None:
    """The "Verify & map" tab: mark listings verified, fill coordinates, download the file."""
    table = current.loaded.table
    st.subheader("Mark listings verified today")
    names = dict(zip(table["id"].astype(str), table["name"].astype(str), strict=True))
    ids = st.multiselect(
        "Listings you checked with the clinic today",
        options=list(names),
        format_func=lambda clinic_id: f"{clinic_id} ({names.get(clinic_id, '')})",
        key=VERIFY_WIDGET,
    )
    st.button(
        "Mark verified today",
        key="admin_verify_save",
        disabled=not ids or current.data is None,
        on_click=_mark_verified,
        args=(tuple(ids), current.sha256),
    )

    st.subheader("Fill in missing map coordinates")
    missing = int(admin.approximate_mask(table).sum())
    st.caption(
        f"{missing} clinic(s) have no latitude/longitude. This writes the coordinates of "
        "their ZIP code's centre (from the offline gazetteer) into the file."
    )
    st.button(
        "Fill missing coordinates",
        key="admin_fill_coordinates",
        disabled=current.data is None,
        on_click=_fill_coordinates,
        args=(current.sha256,),
    )

    st.subheader("Download the data file")
    if current.data is not None:
        st.download_button(
            "Download the current CSV",
            current.data,
            file_name=current.path.name,
            mime="text/csv",
            key="admin_download",
        )
        st.caption(DOWNLOAD_CAPTION)


def _mark_verified(ids: tuple[str, ...], based_on: str | None) -> None:
    try:
        result = admin.mark_verified(
            data_path(), ids, who=admin_name(), based_on=based_on, today=date.today()
        )
    except DirectoryError as error:  # e.g. a listing removed meanwhile by someone else
        flash_error(error)
        return
    flash_saved(result)
    st.session_state[VERIFY_WIDGET] = []


def _fill_coordinates(based_on: str | None) -> None:
    # The file as it is now (the save still checks it against the hash the page showed).
    current = admin.read_current(data_path())
    try:
        filling = admin.fill_coordinates(current)
    except DirectoryError as error:
        flash_error(error)
        return
    rows = filling.rows()
    if not filling.placed:
        flash(
            "info",
            "No coordinates to fill: every clinic has them, or their ZIP code is unknown.",
            rows=rows or None,
        )
        return
    if save(filling.review, action="fill-coordinates", based_on=based_on, current=current):
        flash("info", f"Filled coordinates for {len(filling.placed)} clinic(s):", rows=rows)
