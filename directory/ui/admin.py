"""The "For admins" page: sign in, check the data's health, and change it safely.

Only widgets, session state and rendering live here; the workflow is
:mod:`directory.admin` (read the data with its hash, review a change, save it
*based on* the hash the page showed, so a save by someone else in between is
refused and shown instead of overwritten), and every error becomes words in
:func:`directory.ui.common.user_message`.

The password only ever passes through the sign-in callback, which removes it
from session state before checking it; the session keeps
``admin_authenticated`` and ``admin_name`` only.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from directory import admin, auth, storage
from directory.admin import CurrentData, Review, problems_frame
from directory.dataset import LoadedClinics, parse_clinics
from directory.errors import DirectoryError
from directory.listing import escape_markdown
from directory.ui.common import data_path, render_footer, user_message

# Session-state keys. Everything the page keeps starts with "admin_" or "_admin_",
# so signing out can forget all of it at once.
AUTHENTICATED = "admin_authenticated"
ADMIN_NAME = "admin_name"
PASSWORD_WIDGET = "admin_password"  # noqa: S105 (a widget key)
NAME_WIDGET = "admin_login_name"
_FLASH = "_admin_flash"
_UPLOAD_GENERATION = "_admin_upload_generation"
_EDITOR = "_admin_editor"
_EDIT_REVIEW = "_admin_edit_review"
_RESTORE = "_admin_restore"
_VERIFY_WIDGET = "admin_verify_ids"
_KEY_PREFIXES = ("admin_", "_admin_")

CHANGE_LINES = 500
"""At most this many lines of changes are shown at once (the summary still counts all)."""
AUDIT_LOG_ROWS = 200

NOT_CONFIGURED_MARKDOWN = f"""\
This page is locked: no admin password is set up.

To set one up:

1. In a terminal, run `python -m directory hash-password` and type the new password.
   It prints a line starting with `scrypt$` (the password itself is never stored).
2. Put that line in `.streamlit/secrets.toml` as shown below, **or** set the environment
   variable `{auth.ENV_PASSWORD_HASH}` to it.
3. Restart the app and come back to this page.
"""

SECRETS_EXAMPLE = '[admin]\npassword_hash = "scrypt$n=16384,r=8,p=1$...$..."'

DOWNLOAD_CAPTION = (
    "This is the data file exactly as stored (byte for byte), so a restore or an edit "
    "elsewhere starts from the real thing. It is not protected against spreadsheet "
    "formulas: a cell starting with =, +, - or @ may run as a formula if you open the "
    "file in Excel or similar. Import it as text, or open it in a text editor."
)


def render() -> None:
    """The page body (the crisis line and navigation come from ``app.py``)."""
    st.title("For admins")
    password_hash = _configured_hash()
    if password_hash is None:
        st.info(NOT_CONFIGURED_MARKDOWN, icon=":material/lock:")
        st.code(SECRETS_EXAMPLE, language="toml")
        _forget_session()
    elif not auth.is_password_hash(password_hash):
        st.error(
            "The configured admin password hash is not valid, so this page stays locked. "
            "Make a new one with `python -m directory hash-password` and put it in "
            f"`.streamlit/secrets.toml` (`[admin] password_hash`) or `{auth.ENV_PASSWORD_HASH}`.",
            icon=":material/lock:",
        )
        _forget_session()
    elif not st.session_state.get(AUTHENTICATED):
        _render_login()
    else:
        _render_admin()
    render_footer(None)


# --- signing in and out -------------------------------------------------------------------


def _configured_hash() -> str | None:
    return auth.configured_password_hash(_secrets(), os.environ)


def _secrets() -> Mapping[str, object] | None:
    try:
        section = st.secrets.get(auth.SECRETS_SECTION)
    except (FileNotFoundError, KeyError, OSError, ValueError):
        return None  # no secrets.toml (or an unreadable one): fall back to the environment
    return None if section is None else {auth.SECRETS_SECTION: section}


def _session_key() -> str:
    context = get_script_run_ctx()
    return context.session_id if context is not None else "no-session"


def _render_login() -> None:
    _render_flash()
    wait = auth.LOGIN_GUARD.wait_seconds(_session_key())
    if wait > 0:
        st.warning(
            f"Too many wrong passwords. Please wait {auth.format_wait(wait)} before trying again.",
            icon=":material/timer:",
        )
    st.markdown("Sign in to check and change the clinic list.")
    with st.form("admin_login", clear_on_submit=True):
        st.text_input(
            "Your name (recorded with every change you save)",
            key=NAME_WIDGET,
            max_chars=admin.MAX_NAME_CHARS,
        )
        st.text_input(
            "Admin password",
            type="password",
            key=PASSWORD_WIDGET,
            max_chars=auth.MAX_PASSWORD_CHARS,
        )
        st.form_submit_button("Sign in", key="admin_sign_in", on_click=_sign_in, type="primary")


def _sign_in() -> None:
    """Form callback: take the password out of session state first, then check it."""
    state = st.session_state
    outcome = admin.sign_in(
        str(state.pop(PASSWORD_WIDGET, "") or ""),
        str(state.pop(NAME_WIDGET, "") or ""),
        password_hash=_configured_hash(),
        guard=auth.LOGIN_GUARD,
        session=_session_key(),
    )
    if outcome.name is None:
        _flash("warning" if outcome.locked_out else "error", outcome.refusal)
        return
    state[AUTHENTICATED] = True
    state[ADMIN_NAME] = outcome.name


def _forget_session() -> None:
    for key in list(st.session_state.keys()):
        if str(key).startswith(_KEY_PREFIXES):
            del st.session_state[key]


def _sign_out() -> None:
    _forget_session()
    _flash("info", "You are signed out.")


def _admin_name() -> str:
    return str(st.session_state.get(ADMIN_NAME) or "admin")


# --- messages that survive the rerun after a button ---------------------------------------


def _flash(
    kind: str, text: str, *, code: str | None = None, rows: list[dict[str, Any]] | None = None
) -> None:
    messages = st.session_state.setdefault(_FLASH, [])
    messages.append({"kind": kind, "text": text, "code": code, "rows": rows})


def _render_flash() -> None:
    for message in st.session_state.pop(_FLASH, []):
        kind = message["kind"]
        alert = getattr(st, kind if kind in ("success", "error", "warning") else "info")
        alert(message["text"])
        if message.get("code"):
            st.code(message["code"], language=None)
        if message.get("rows"):
            st.dataframe(pd.DataFrame(message["rows"]), hide_index=True)


# --- the signed-in page -------------------------------------------------------------------


def _render_admin() -> None:
    left, right = st.columns([4, 1])
    left.markdown(f"Signed in as **{escape_markdown(_admin_name())}**.")
    right.button("Sign out", key="admin_sign_out", on_click=_sign_out)
    _render_flash()
    today = date.today()
    current = _current_data(today)
    if current.error is not None:
        st.error(user_message(current.error, for_admin=True), icon=":material/error:")
    sections: dict[str, Callable[[CurrentData, date], None]] = {
        "Data health": _render_health,
        "Upload a CSV": _render_upload,
        "Edit listings": _render_editor,
        "Verify & map": _render_maintenance,
        "Backups": _render_backups,
        "Change log": _render_audit_log,
    }
    for tab, render_section in zip(st.tabs(list(sections)), sections.values(), strict=True):
        with tab:
            render_section(current, today)


def _current_data(today: date) -> CurrentData:
    return admin.read_current(
        data_path(), today=today, parse=lambda data, sha256: _parse_cached(sha256, today, data)
    )


@st.cache_resource(max_entries=2, show_spinner="Checking the data file…")
def _parse_cached(sha256: str, today: date, _data: bytes) -> LoadedClinics:
    # Keyed on the content's hash (``_data`` is left out of the key): never stale. The
    # result is shared between sessions, so callers treat it as read-only.
    return parse_clinics(_data, today=today)


def _render_health(current: CurrentData, today: date) -> None:
    if current.data is None:
        st.info("There is no data file to check yet.")
        return
    report = current.loaded.report
    health = admin.health_summary(current.loaded, today)
    first, second, third, fourth = st.columns(4)
    first.metric("Rows", report.rows)
    second.metric("Errors", report.error_count)
    third.metric("Warnings", report.warning_count)
    fourth.metric("Not verified in 12 months", len(health.stale))
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


# --- saving ---------------------------------------------------------------------------------


def _save(
    review: Review, *, action: str, based_on: str | None, current: CurrentData | None = None
) -> bool:
    """Save a review through :mod:`directory.admin`; every outcome becomes a message on the
    next run. True when the save went through (written or found identical)."""
    try:
        result = admin.save_review(
            data_path(),
            review,
            who=_admin_name(),
            action=action,
            based_on=based_on,
            current=current,
        )
    except DirectoryError as error:
        _flash_error(error)
        return False
    _flash_saved(result, restored=review.restores is not None)
    return True


def _flash_error(error: DirectoryError) -> None:
    """A refused change: the message from ``user_message``, its details (changes, report)."""
    _flash(
        "error",
        user_message(error, for_admin=True, saving=True),
        code=admin.error_details(error),
    )


def _flash_saved(result: storage.SaveResult, *, restored: bool = False) -> None:
    if not admin.is_written(result):
        what = "restored: that backup" if restored else "saved: that"
        _flash("info", f"Nothing was {what} is exactly the current data.")
        return
    sentence = f"Saved {result.report.rows} rows to {escape_markdown(Path(result.path).name)}"
    if result.backup is not None:
        backup = escape_markdown(Path(result.backup).name)
        sentence += f"; the previous file is kept as backup {backup}"
    prefix = "Restored. " if restored else ""
    _flash("success", f"{prefix}{sentence}.", code=result.changes.to_text(limit=CHANGE_LINES))


def _render_review(
    review: Review, *, save_key: str, on_save: Callable[[], None], save_label: str = "Save"
) -> None:
    report = review.report
    st.text(report.summary())
    if not report.valid:
        st.error(
            f"{report.error_count} error(s) must be fixed before this can be saved.",
            icon=":material/block:",
        )
        st.dataframe(problems_frame(report.errors), hide_index=True)
    if report.warnings:
        with st.expander(f"Warnings ({report.warning_count}): worth checking, not blocking"):
            st.dataframe(problems_frame(report.warnings), hide_index=True)
    if review.changes.is_empty:
        st.info("This makes no change to the current data.")
    else:
        st.markdown("**What would change**")
        st.code(review.changes.to_text(limit=CHANGE_LINES), language=None)
    if review.can_save:
        st.caption(
            f"The change log will record this save as made by {escape_markdown(_admin_name())}."
        )
        st.button(save_label, key=save_key, type="primary", on_click=on_save)


# --- upload ---------------------------------------------------------------------------------


def _render_upload(current: CurrentData, today: date) -> None:
    generation = int(st.session_state.get(_UPLOAD_GENERATION, 0))
    limit = st.get_option("server.maxUploadSize")
    uploaded = st.file_uploader(
        "Upload a clinic CSV to replace the current data",
        type=["csv"],
        key=f"admin_upload_{generation}",
        help=f"Largest accepted file: {limit} MB (server.maxUploadSize in .streamlit/config.toml).",
    )
    if uploaded is None:
        st.caption("You will see the validation report and the changes before anything is saved.")
        return
    review = admin.review_csv(uploaded.getvalue(), current.table, today=today)
    _render_review(
        review,
        save_key="admin_upload_save",
        # The callback keeps the file's hash as the page showed it: if the file changes
        # before the click, the save is refused as a conflict.
        on_save=lambda: _save_upload(review, current),
    )


def _save_upload(review: Review, current: CurrentData) -> None:
    if _save(review, action="upload", based_on=current.sha256, current=current):
        st.session_state[_UPLOAD_GENERATION] = int(st.session_state.get(_UPLOAD_GENERATION, 0)) + 1


# --- edit in place --------------------------------------------------------------------------


def _editor_key(generation: int) -> str:
    return f"admin_editor_{generation}"


def _editor_has_edits(key: str) -> bool:
    state = st.session_state.get(key)
    if not isinstance(state, Mapping):
        return False
    return any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def _editor_state(current: CurrentData) -> dict[str, Any]:
    """The editor's starting point: which file version, its table, and the widget's key.

    The editor keeps working on the version it started from, even if the file
    changes meanwhile (its edits are positions in that table). It follows the
    file on its own only while it holds no edits and no review.
    """
    editor = st.session_state.get(_EDITOR)
    stale = editor is not None and editor["sha256"] != current.sha256
    if editor is None or (
        stale and not _editor_has_edits(editor["key"]) and _EDIT_REVIEW not in st.session_state
    ):
        generation = 0 if editor is None else int(editor["generation"]) + 1
        editor = {
            "sha256": current.sha256,
            "frame": admin.editor_frame(current.loaded.table),
            "generation": generation,
            "key": _editor_key(generation),
        }
        st.session_state[_EDITOR] = editor
    return dict(editor)


def _reset_editor() -> None:
    editor = st.session_state.get(_EDITOR)
    if editor is not None:
        st.session_state.pop(editor["key"], None)
    st.session_state.pop(_EDITOR, None)
    st.session_state.pop(_EDIT_REVIEW, None)


def _render_editor(current: CurrentData, today: date) -> None:
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
    edited = st.data_editor(
        frame,
        key=editor["key"],
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={name: st.column_config.TextColumn(name) for name in frame.columns},
    )
    left, right = st.columns(2)
    if left.button("Review changes", key="admin_edit_review"):
        st.session_state[_EDIT_REVIEW] = {
            "signature": _signature(edited),
            "review": admin.review_edits(edited, frame, today=today),
            "sha256": editor["sha256"],
        }
    right.button("Discard my edits", key="admin_edit_discard", on_click=_reset_editor)
    pending = st.session_state.get(_EDIT_REVIEW)
    if pending is None:
        return
    if pending["signature"] != _signature(edited):
        st.info("You changed the table since the review; press Review changes again.")
        return
    review: Review = pending["review"]
    _render_review(
        review,
        save_key="admin_edit_save",
        on_save=lambda: _save_edits(review, pending["sha256"]),
    )


def _signature(edited: pd.DataFrame) -> str:
    """A fingerprint of the editor's table, to tell whether it changed since the review."""
    return hashlib.sha256(admin.edited_csv_text(edited).encode("utf-8")).hexdigest()


def _save_edits(review: Review, based_on: str | None) -> None:
    # Based on the version the editor started from, which may be older than the page's.
    if _save(review, action="edit", based_on=based_on):
        _reset_editor()


# --- verification, coordinates, download ----------------------------------------------------


def _render_maintenance(current: CurrentData, today: date) -> None:
    table = current.loaded.table
    st.subheader("Mark listings verified today")
    names = dict(zip(table["id"].astype(str), table["name"].astype(str), strict=True))
    ids = st.multiselect(
        "Listings you checked with the clinic today",
        options=list(names),
        format_func=lambda clinic_id: f"{clinic_id} ({names.get(clinic_id, '')})",
        key=_VERIFY_WIDGET,
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
            data_path(), ids, who=_admin_name(), based_on=based_on, today=date.today()
        )
    except DirectoryError as error:  # e.g. a listing removed meanwhile by someone else
        _flash_error(error)
        return
    _flash_saved(result)
    st.session_state[_VERIFY_WIDGET] = []


def _fill_coordinates(based_on: str | None) -> None:
    # The file as it is now (the save still checks it against the hash the page showed).
    current = admin.read_current(data_path())
    try:
        filling = admin.fill_coordinates(current)
    except DirectoryError as error:
        _flash_error(error)
        return
    rows = filling.rows()
    if not filling.placed:
        _flash(
            "info",
            "No coordinates to fill: every clinic has them, or their ZIP code is unknown.",
            rows=rows or None,
        )
        return
    if _save(filling.review, action="fill-coordinates", based_on=based_on, current=current):
        _flash("info", f"Filled coordinates for {len(filling.placed)} clinic(s):", rows=rows)


# --- backups and the audit log --------------------------------------------------------------


def _render_backups(current: CurrentData, today: date) -> None:
    try:
        backups = storage.list_backups(current.path)
    except (DirectoryError, OSError) as error:
        st.error(user_message(error, for_admin=True))
        return
    if not backups:
        st.info("No backups yet: one is made before every save.")
        return
    st.caption("A copy of the previous file is kept before every save. Newest first.")
    st.dataframe(admin.backups_frame(backups), hide_index=True)
    by_name = {Path(b.path).name: b for b in backups}
    chosen_name = st.selectbox("Backup to restore", list(by_name), key="admin_backup_choice")
    if chosen_name is None:
        return
    st.button(
        "Restore this backup…",
        key="admin_restore_start",
        on_click=lambda: st.session_state.update({_RESTORE: chosen_name}),
    )
    if st.session_state.get(_RESTORE) != chosen_name:
        return
    backup = by_name[chosen_name]
    st.warning(
        f"Restore {escape_markdown(chosen_name)}? It replaces the current data; the current "
        "file is backed up first, so this can be undone the same way.",
        icon=":material/history:",
    )
    try:
        review = admin.review_backup(current.path, backup, current.table, today=today)
    except DirectoryError as error:
        st.error(user_message(error, for_admin=True))
        return
    # The same review as any save: a backup with errors, or one identical to the
    # current data, gets no restore button.
    _render_review(
        review,
        save_key="admin_restore_confirm",
        save_label="Yes, restore it",
        on_save=lambda: _restore(review, current),
    )
    st.button("Cancel", key="admin_restore_cancel", on_click=_forget_restore)


def _forget_restore() -> None:
    st.session_state.pop(_RESTORE, None)


def _restore(review: Review, current: CurrentData) -> None:
    _forget_restore()
    _save(review, action="restore", based_on=current.sha256, current=current)


def _render_audit_log(current: CurrentData, today: date) -> None:
    try:
        entries = storage.read_audit_log(current.path, limit=AUDIT_LOG_ROWS)
    except (DirectoryError, OSError) as error:
        st.error(user_message(error, for_admin=True))
        return
    if not entries:
        st.info("No changes recorded yet.")
        return
    st.caption(f"Newest first (the last {AUDIT_LOG_ROWS} at most).")
    st.dataframe(admin.audit_frame(entries), hide_index=True)
