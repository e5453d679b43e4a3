"""The "For admins" page: sign in, check the data's health, and change it safely.

Only widgets, session state and rendering live here and in the page's other
modules; the workflow is :mod:`directory.admin` (read the data with its hash,
review a change, save it *based on* the hash the page showed, so a save by
someone else in between is refused and shown instead of overwritten), and every
error becomes words in :func:`directory.ui.common.user_message`.

This module is the page frame: the locked states, signing in and out, and the
tabs. The tabs are in :mod:`directory.ui.admin_data` (health, upload, editor,
verify & map), :mod:`directory.ui.admin_reports` (the verification queue: problem
reports and listings due for a check) and :mod:`directory.ui.admin_history` (backups,
change log); the
session-state keys and flash messages in :mod:`directory.ui.admin_session`.

The password only ever passes through the sign-in callback, which removes it
from session state before checking it; the session keeps
``admin_authenticated`` and ``admin_name`` only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import date

import streamlit as st

from directory import admin, auth
from directory.admin import CurrentData
from directory.dataset import LoadedClinics, parse_clinics
from directory.safetext import escape_markdown
from directory.ui.admin_data import render_editor, render_health, render_maintenance, render_upload
from directory.ui.admin_history import render_audit_log, render_backups
from directory.ui.admin_reports import render_queue
from directory.ui.admin_session import (
    ADMIN_NAME,
    AUTHENTICATED,
    NAME_WIDGET,
    PASSWORD_WIDGET,
    TABS,
    admin_name,
    current_client,
    flash,
    forget_session,
    render_flash,
)
from directory.ui.common import data_path, render_footer, user_message

# The keys are re-exported: tests and callers name them as ``directory.ui.admin.…``.
__all__ = ["ADMIN_NAME", "AUTHENTICATED", "NAME_WIDGET", "PASSWORD_WIDGET", "render"]

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


def render() -> None:
    """The page body (the crisis line and navigation come from ``app.py``)."""
    st.title("For admins")
    password_hash = _configured_hash()
    if password_hash is None:
        st.info(NOT_CONFIGURED_MARKDOWN, icon=":material/lock:")
        st.code(SECRETS_EXAMPLE, language="toml")
        forget_session()
    elif not auth.is_password_hash(password_hash):
        st.error(
            "The configured admin password hash is not valid, so this page stays locked. "
            "Make a new one with `python -m directory hash-password` and put it in "
            f"`.streamlit/secrets.toml` (`[admin] password_hash`) or `{auth.ENV_PASSWORD_HASH}`.",
            icon=":material/lock:",
        )
        forget_session()
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


def _render_login() -> None:
    render_flash()
    wait = auth.LOGIN_GUARD.wait_seconds(current_client())
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
        client=current_client(),
    )
    if outcome.name is None:
        flash("warning" if outcome.locked_out else "error", outcome.refusal)
        return
    state[AUTHENTICATED] = True
    state[ADMIN_NAME] = outcome.name


def _sign_out() -> None:
    forget_session()
    flash("info", "You are signed out.")


# --- the signed-in page -------------------------------------------------------------------


def _render_admin() -> None:
    left, right = st.columns([4, 1])
    left.markdown(f"Signed in as **{escape_markdown(admin_name())}**.")
    right.button("Sign out", key="admin_sign_out", on_click=_sign_out)
    render_flash()
    today = date.today()
    current = _current_data(today)
    if current.error is not None:
        st.error(user_message(current.error, for_admin=True), icon=":material/error:")
    sections: dict[str, Callable[[CurrentData, date], None]] = {
        "Data health": render_health,
        "Verification queue": render_queue,
        "Upload a CSV": render_upload,
        "Edit listings": render_editor,
        "Verify & map": render_maintenance,
        "Backups": render_backups,
        "Change log": render_audit_log,
    }
    # Keyed and stateful, so "Fix this listing" in the queue can open the editor's tab.
    tabs = st.tabs(list(sections), key=TABS, on_change="rerun")
    for tab, render_section in zip(tabs, sections.values(), strict=True):
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
