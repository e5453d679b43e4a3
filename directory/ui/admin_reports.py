"""The admin's verification queue: open problem reports, and listings due for a check.

Open reports are grouped by clinic (the clinic with the newest report first) with
counts by kind; each group can be fixed in the editor, marked verified (the same
validated, backed-up, audited save as "Verify & map") or dismissed, each with an
optional note. Every resolution goes to the change log with the admin's name
(:func:`directory.reports.resolve_reports`). Patients' notes are shown as text in a
table, never as Markdown or links.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from directory import admin, export, reports
from directory.admin import CurrentData
from directory.errors import DirectoryError, ReportStoreError
from directory.listing import count_text
from directory.reports import ClinicReports
from directory.safetext import escape_markdown
from directory.ui.admin_review import flash_error, flash_saved
from directory.ui.admin_session import EDITOR_FOCUS, TABS, admin_name, flash
from directory.ui.common import data_path, user_message
from directory.ui.report import settings

EDIT_TAB = "Edit listings"
"""The editor's tab label (in :mod:`directory.ui.admin`), opened by "Fix this listing"."""
CLINICS_SHOWN = 30
"""Clinics shown at once in the queue (each with its buttons); resolving shows the next."""
REPORTS_SHOWN = 50
"""Reports listed per clinic (the counts always cover them all)."""
NOTE_PREFIX = "admin_report_note-"
ACTION_PREFIXES = {
    "fix": "admin_report_fix-",
    "verified": "admin_report_verify-",
    "dismissed": "admin_report_dismiss-",
}
CALL_LIST_FILE = "call-list.csv"


def action_key(action: str, clinic_id: str) -> str:
    """The key of a queue button (``fix``, ``verified``, ``dismissed``) for one clinic."""
    return ACTION_PREFIXES[action] + clinic_id


def open_report_count() -> tuple[int | None, str | None]:
    """How many reports are open, or (None, what is wrong) when the database fails."""
    try:
        return settings().store().open_count(), None
    except ReportStoreError as error:
        return None, user_message(error, for_admin=True)


def render_queue(current: CurrentData, today: date) -> None:
    """The "Verification queue" tab: open reports, then the listings due for a check."""
    st.subheader("Open problem reports")
    _render_open_reports(current)
    st.subheader("Due for a check")
    _render_due(current, today)


# --- open reports -----------------------------------------------------------------------------


def _render_open_reports(current: CurrentData) -> None:
    try:
        queue = settings().store().queue()
    except ReportStoreError as error:
        st.error(user_message(error, for_admin=True), icon=":material/database:")
        return
    if not queue:
        st.info("No open problem reports.")
        return
    total = sum(len(group.reports) for group in queue)
    st.caption(
        f"{count_text(total, 'open report')} about {count_text(len(queue), 'listing')}, "
        "the listing with the newest report first. Notes are shown exactly as patients "
        "typed them, as text."
    )
    table = current.loaded.table
    listings = pd.DataFrame()
    if "id" in table.columns and len(table):
        unique = table.drop_duplicates("id")
        listings = unique.set_index(unique["id"].astype(str))
    for group in queue[:CLINICS_SHOWN]:
        _render_group(group, listings, current)
    if len(queue) > CLINICS_SHOWN:
        st.caption(
            f"Showing the {CLINICS_SHOWN} listings with the newest reports; "
            f"{count_text(len(queue) - CLINICS_SHOWN, 'more listing')} after these."
        )


def _render_group(group: ClinicReports, listings: pd.DataFrame, current: CurrentData) -> None:
    clinic_id = group.clinic_id
    known = clinic_id in listings.index
    listing: Any = listings.loc[clinic_id] if known else None
    with st.container(border=True):
        name = listing["name"] if known else "(no longer in the data)"
        st.markdown(f"**{escape_markdown(name)}** · id {escape_markdown(clinic_id)}")
        if known:
            st.text(
                f"Phone: {listing.get('phone') or '(none)'} · last verified: "
                f"{listing.get('last_verified') or 'never'}"
            )
        st.text(group.counts_text())
        st.dataframe(_reports_frame(group), hide_index=True, width="stretch")
        st.text_input(
            "Note on this resolution (optional, kept with the reports)",
            key=NOTE_PREFIX + clinic_id,
            max_chars=reports.MAX_RESOLUTION_NOTE_CHARS,
        )
        fix, verify, dismiss = st.columns(3)
        fix.button(
            "Fix this listing",
            key=action_key("fix", clinic_id),
            disabled=not known,
            on_click=_fix,
            args=(clinic_id, group.ids),
            help="Opens this listing alone in the editor; saving a change closes these "
            "reports as fixed.",
        )
        verify.button(
            "Mark verified",
            key=action_key("verified", clinic_id),
            disabled=not known or current.data is None,
            on_click=_resolve,
            args=(clinic_id, group.ids, "verified", current.sha256),
            help="You checked with the clinic and the listing is right: sets last verified "
            "to today (a saved, backed-up change) and closes these reports.",
        )
        dismiss.button(
            "Dismiss",
            key=action_key("dismissed", clinic_id),
            on_click=_resolve,
            args=(clinic_id, group.ids, "dismissed", None),
            help="Closes these reports without changing the listing.",
        )


def _reports_frame(group: ClinicReports) -> pd.DataFrame:
    shown = group.reports[:REPORTS_SHOWN]
    return pd.DataFrame(
        {
            "report": [report.id for report in shown],
            "received (UTC)": [report.created_at.strftime("%Y-%m-%d %H:%M") for report in shown],
            "problem": [report.kind_label for report in shown],
            "note": [report.note for report in shown],
        }
    )


def _note(clinic_id: str) -> str:
    return str(st.session_state.get(NOTE_PREFIX + clinic_id) or "")


def _fix(clinic_id: str, ids: tuple[int, ...]) -> None:
    """Open the listing alone in the editor; its save closes the reports as fixed."""
    st.session_state[EDITOR_FOCUS] = {
        "clinic": clinic_id,
        "reports": list(ids),
        "note": _note(clinic_id),
    }
    st.session_state[TABS] = EDIT_TAB
    flash(
        "info",
        f"The editor shows only {escape_markdown(clinic_id)}. Saving a change to it closes "
        f"its {count_text(len(ids), 'open report')} as fixed.",
    )


def close_fixed(focus: dict[str, Any]) -> None:
    """After the editor saved a fix opened from the queue: close those reports as fixed."""
    _resolve(str(focus["clinic"]), tuple(focus["reports"]), "fixed", None, str(focus["note"]))


def _resolve(
    clinic_id: str,
    ids: tuple[int, ...],
    action: str,
    based_on: str | None,
    note: str | None = None,
) -> None:
    try:
        resolution = reports.resolve_reports(
            data_path(),
            settings().store(),
            ids,
            action=action,
            who=admin_name(),
            note=_note(clinic_id) if note is None else note,
            today=date.today(),
            based_on=based_on,
        )
    except DirectoryError as error:  # refused, a conflicting save, the database failing
        flash_error(error)
        return
    if resolution.verify is not None:
        flash_saved(resolution.verify)
    st.session_state.pop(NOTE_PREFIX + clinic_id, None)
    flash(
        "success",
        f"Closed {count_text(len(resolution.reports), 'report')} about "
        f"{escape_markdown(clinic_id)} as {action}.",
    )


# --- due for a check --------------------------------------------------------------------------


def _render_due(current: CurrentData, today: date) -> None:
    due = admin.call_list(current.loaded.table, today)
    if due.empty:
        st.info("Every listing was verified in the last 12 months.")
        return
    st.caption(
        f"{count_text(len(due), 'listing')} never verified or last verified more than 12 "
        "months ago, oldest first. Call them, then mark them verified (here from a report, "
        "or on the Verify & map tab)."
    )
    st.dataframe(due, hide_index=True, width="stretch")
    st.download_button(
        "Download the call list (CSV)",
        # A callable: built only when asked for; spreadsheet formulas neutralised.
        lambda: export.to_safe_csv(due),
        file_name=CALL_LIST_FILE,
        mime="text/csv",
        key="admin_call_list",
    )
