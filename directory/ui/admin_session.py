"""What the admin page keeps in session state: its keys, who is signed in, and flash messages.

Every module of the admin page imports its keys from here, so they are named
once. Everything the page keeps starts with ``admin_`` or ``_admin_``, so
signing out can forget all of it at once (:func:`forget_session`).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from directory import auth
from directory.errors import ConfigError

logger = logging.getLogger(__name__)

AUTHENTICATED = "admin_authenticated"
ADMIN_NAME = "admin_name"
PASSWORD_WIDGET = "admin_password"  # noqa: S105 (a widget key)
NAME_WIDGET = "admin_login_name"
FLASH = "_admin_flash"
UPLOAD_GENERATION = "_admin_upload_generation"
UPLOAD_WIDGET_PREFIX = "admin_upload_"
EDITOR = "_admin_editor"
EDITOR_WIDGET_PREFIX = "admin_editor_"
EDIT_REVIEW = "_admin_edit_review"
RESTORE = "_admin_restore"
VERIFY_WIDGET = "admin_verify_ids"
TABS = "admin_tab"
"""The selected tab (set from a callback to open one, e.g. the editor from the queue)."""
EDITOR_FOCUS = "_admin_editor_focus"
"""The listing the editor shows alone, opened from the problem reports ("Fix this listing")."""
KEY_PREFIXES = ("admin_", "_admin_")


def current_client() -> auth.Client:
    """Who is signing in: this browser session and its IP address (behind a trusted
    proxy, from ``X-Forwarded-For``; see :func:`directory.auth.client_address`)."""
    context = get_script_run_ctx()
    session = context.session_id if context is not None else "no-session"
    forwarded = ", ".join(st.context.headers.get_all("X-Forwarded-For")) or None
    address = auth.client_address(st.context.ip_address, forwarded, _trusted_proxies())
    return auth.Client(session, address)


@st.cache_resource
def _trusted_proxies() -> tuple[auth.Network, ...]:
    try:
        return auth.trusted_proxies(os.environ)
    except ConfigError as error:
        # Loopback only: a wrong setting must not make every client one address.
        logger.warning("%s; trusting loopback proxies only", error)
        return auth.trusted_proxies({})


def admin_name() -> str:
    """The signed-in admin's name, as the change log records it."""
    return str(st.session_state.get(ADMIN_NAME) or "admin")


def forget_session() -> None:
    """Remove everything the admin page keeps from session state (signing out, or locked)."""
    for key in list(st.session_state.keys()):
        if str(key).startswith(KEY_PREFIXES):
            del st.session_state[key]


# --- messages that survive the rerun after a button ---------------------------------------


def flash(
    kind: str, text: str, *, code: str | None = None, rows: list[dict[str, Any]] | None = None
) -> None:
    """Queue a message for the next run (``kind``: success, error, warning or info).

    Callers escape any data value in ``text`` (it is shown as Markdown); ``code``
    and ``rows`` are shown as plain text and a table.
    """
    messages = st.session_state.setdefault(FLASH, [])
    messages.append({"kind": kind, "text": text, "code": code, "rows": rows})


def render_flash() -> None:
    """Show the queued messages once, then forget them."""
    for message in st.session_state.pop(FLASH, []):
        kind = message["kind"]
        alert = getattr(st, kind if kind in ("success", "error", "warning") else "info")
        alert(message["text"])
        if message.get("code"):
            st.code(message["code"], language=None)
        if message.get("rows"):
            st.dataframe(pd.DataFrame(message["rows"]), hide_index=True)
