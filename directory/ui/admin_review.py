"""Reviewing a change before it is saved, and saving it: shared by every admin tab that writes.

A change is shown the same way wherever it comes from (upload, edits, a
backup): its validation summary, errors, warnings and the lines that would
change, with a save button only when it can be saved. Every outcome of a save
becomes a flash message for the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from directory import admin, storage
from directory.admin import CurrentData, Review, problems_frame
from directory.errors import DirectoryError
from directory.safetext import escape_markdown
from directory.ui.admin_session import admin_name, flash
from directory.ui.common import data_path, user_message

CHANGE_LINES = 500
"""At most this many lines of changes are shown at once (the summary still counts all)."""


def save(
    review: Review, *, action: str, based_on: str | None, current: CurrentData | None = None
) -> bool:
    """Save a review through :mod:`directory.admin`; every outcome becomes a message on the
    next run. True when the save went through (written or found identical)."""
    try:
        result = admin.save_review(
            data_path(),
            review,
            who=admin_name(),
            action=action,
            based_on=based_on,
            current=current,
        )
    except DirectoryError as error:
        flash_error(error)
        return False
    flash_saved(result, restored=review.restores is not None)
    return True


def flash_error(error: DirectoryError) -> None:
    """A refused change: the message from ``user_message``, its details (changes, report)."""
    flash(
        "error",
        user_message(error, for_admin=True, saving=True),
        code=admin.error_details(error),
    )


def flash_saved(result: storage.SaveResult, *, restored: bool = False) -> None:
    """What a save did: nothing (identical data), or the rows, backup and changes."""
    if not admin.is_written(result):
        what = "restored: that backup" if restored else "saved: that"
        flash("info", f"Nothing was {what} is exactly the current data.")
        return
    sentence = f"Saved {result.report.rows} rows to {escape_markdown(Path(result.path).name)}"
    if result.backup is not None:
        backup = escape_markdown(Path(result.backup).name)
        sentence += f"; the previous file is kept as backup {backup}"
    prefix = "Restored. " if restored else ""
    flash("success", f"{prefix}{sentence}.", code=result.changes.to_text(limit=CHANGE_LINES))


def render_review(
    review: Review, *, save_key: str, on_save: Callable[[], None], save_label: str = "Save"
) -> None:
    """Show a proposed change; a save button (``save_key``) only if it can be saved."""
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
            f"The change log will record this save as made by {escape_markdown(admin_name())}."
        )
        st.button(save_label, key=save_key, type="primary", on_click=on_save)
