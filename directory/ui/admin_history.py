"""The admin tabs about the data's past: backups (and restoring one) and the change log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import streamlit as st

from directory import admin, storage
from directory.admin import CurrentData, Review
from directory.errors import DirectoryError
from directory.safetext import escape_markdown
from directory.ui.admin_review import render_review, save
from directory.ui.admin_session import RESTORE
from directory.ui.common import user_message

AUDIT_LOG_ROWS = 200

_T = TypeVar("_T")


def _read_or_show_error(read: Callable[[], _T]) -> _T | None:
    """``read()``, or None after showing its error in words (the tab shows nothing else)."""
    try:
        return read()
    except (DirectoryError, OSError) as error:
        st.error(user_message(error, for_admin=True))
        return None


# --- backups --------------------------------------------------------------------------------


def render_backups(current: CurrentData, today: date) -> None:
    """The "Backups" tab: the list, and restoring one after its review and a confirmation."""
    backups = _read_or_show_error(lambda: storage.list_backups(current.path))
    if backups is None:
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
        on_click=lambda: st.session_state.update({RESTORE: chosen_name}),
    )
    if st.session_state.get(RESTORE) != chosen_name:
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
    render_review(
        review,
        save_key="admin_restore_confirm",
        save_label="Yes, restore it",
        on_save=lambda: _restore(review, current),
    )
    st.button("Cancel", key="admin_restore_cancel", on_click=_forget_restore)


def _forget_restore() -> None:
    st.session_state.pop(RESTORE, None)


def _restore(review: Review, current: CurrentData) -> None:
    _forget_restore()
    save(review, action="restore", based_on=current.sha256, current=current)


# --- the change log -------------------------------------------------------------------------


def render_audit_log(current: CurrentData, today: date) -> None:
    """The "Change log" tab: the newest entries of the audit log."""
    entries = _read_or_show_error(
        lambda: storage.read_audit_log(current.path, limit=AUDIT_LOG_ROWS)
    )
    if entries is None:
        return
    if not entries:
        st.info("No changes recorded yet.")
        return
    st.caption(f"Newest first (the last {AUDIT_LOG_ROWS} at most).")
    st.dataframe(admin.audit_frame(entries), hide_index=True)
