"""The "Report a problem" control on every card and in the compare view, and the flag notes.

The control is one small button per card; its form (what is wrong, an optional note)
is drawn only for the card it was opened on, so a page of results costs one widget per
card. Reports are saved by :mod:`directory.reports`; every error becomes words in
:func:`directory.ui.common.user_message` (a patient never sees a traceback, only "We
could not save your report"), and the search keeps working whatever the database does.

Flags are read with one query per change of the database (keyed on its files' mtimes
and sizes, and at most :data:`FLAGS_TTL_SECONDS` old), not one per card.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime
from types import MappingProxyType

import pandas as pd
import streamlit as st

from directory import reports
from directory.errors import ConfigError, DirectoryError, ReportRateLimitError, ReportStoreError
from directory.facts import Row
from directory.i18n import N_
from directory.i18n import gettext as _
from directory.reports import ReportSettings, ReportStore
from directory.safetext import escape_markdown
from directory.ui import style
from directory.ui.admin_session import current_client
from directory.ui.common import data_path, get_directory, user_message

logger = logging.getLogger(__name__)

SESSION_TOKEN = "_report_session"  # noqa: S105 (a session-state key)
"""A random token for this browser session (not the IP, not Streamlit's session id)."""
OPEN_FORM = "_report_open"
OUTCOMES = "_report_outcomes"
FLAGS_TTL_SECONDS = 30
NOTE_HELP = N_(
    "Please don't write your name, phone number or health details. We don't ask who you "
    "are and don't store your IP address."
)
CHOOSE_KIND = N_("Please choose what is wrong, then send the report.")
REPORT_A_PROBLEM = N_("Report a problem")
"""The button's words (in English: every message here is shown with ``_()``)."""

_warned: set[str] = set()


def settings() -> ReportSettings:
    """The report settings, read from the environment (cheap; tests change it per test)."""
    try:
        return reports.settings_from_env(data_path())
    except ConfigError as error:
        if str(error) not in _warned:  # once per process, not once per card
            _warned.add(str(error))
            logger.warning("problem reports use the default hourly cap: %s", error)
        return reports.settings_from_env(data_path(), environ={})


# --- flags ------------------------------------------------------------------------------------


def clinic_flags() -> Mapping[str, tuple[str, ...]]:
    """``{clinic_id: flagged kinds}``: one cached query, redone when the database changes."""
    store = settings().store()
    signature = store.signature()
    if signature is None:
        return MappingProxyType({})
    return _cached_flags(str(store.path), signature, date.today())


@st.cache_resource(ttl=FLAGS_TTL_SECONDS, max_entries=4, show_spinner=False)
def _cached_flags(
    path: str, signature: tuple[int, int, int, int], today: date
) -> Mapping[str, tuple[str, ...]]:
    # Every argument is part of the key: a new report or resolution changes the files'
    # mtimes and sizes, and ``today`` moves the 30-day window; the TTL bounds the rest.
    # cache_resource (no copy per call): the mapping is read-only.
    try:
        return MappingProxyType(ReportStore(path).flags())
    except ReportStoreError as error:
        logger.warning("problem-report flags are not shown: %s", error)
        return MappingProxyType({})


def render_flag_note(row: Row) -> None:
    """The plain note on a card that visitors reported closed or with a wrong phone."""
    for note in reports.flag_notes(clinic_flags().get(str(row["id"]), ())):
        st.warning(note, icon=":material/report:")


# --- the control ------------------------------------------------------------------------------


def _box_key(control: str) -> str:
    # A container key becomes a CSS class: clinic ids may hold any character, so hash.
    return "report-" + hashlib.sha256(control.encode("utf-8")).hexdigest()[:16]


def render_report_control(row: Row, *, key: str, label: str | None = None) -> None:
    """A "Report a problem" button for this clinic; the form once it is pressed.

    ``label``: the button's words, already in the page's language (default: "Report a
    problem")."""
    label = _(REPORT_A_PROBLEM) if label is None else label
    clinic_id = str(row["id"])
    control = f"report-{key}-{clinic_id}"
    outcome = _outcomes().get(control)
    if outcome is None and st.session_state.get(OPEN_FORM) != control:
        # Most cards, most of the time: the button alone, one element (each element is a
        # message to the browser, and a page draws one per card).
        _render_open_button(control, label)
        return
    with st.container(key=_box_key(control)):
        if outcome is not None:
            kind, text = outcome
            alert = {"success": st.success, "warning": st.warning}.get(kind, st.error)
            alert(text, icon=":material/flag:")
        if st.session_state.get(OPEN_FORM) != control:
            _render_open_button(control, label)
            return
        _render_form(row, control)


def _render_open_button(control: str, label: str) -> None:
    st.button(
        label,
        key=f"{control}-open",
        icon=":material/flag:",
        type="tertiary",
        on_click=_open,
        args=(control,),
    )


def _render_form(row: Row, control: str) -> None:
    name = escape_markdown(row.get("name"))
    with st.form(key=f"{control}-form"):
        st.radio(
            _("What is wrong with the listing of {name}?").format(name=name),
            reports.KIND_CODES,
            format_func=lambda code: reports.kind_named(code).shown_label,
            index=None,
            key=f"{control}-kind",
        )
        st.text_area(
            _("Anything else we should know? (optional)"),
            max_chars=reports.MAX_NOTE_CHARS,
            key=f"{control}-note",
            placeholder=_("For example: the number rings out, or the clinic has moved."),
            help=_(NOTE_HELP),
        )
        st.caption(
            _("Reports are reviewed by people who look after this list.") + " " + _(NOTE_HELP)
        )
        send, cancel = st.columns(2)
        send.form_submit_button(
            _("Send report"),
            key=f"{control}-send",
            type="primary",
            on_click=_submit,
            args=(control, str(row["id"])),
        )
        cancel.form_submit_button(_("Cancel"), key=f"{control}-cancel", on_click=_close)


def render_compare_controls(picked: pd.DataFrame) -> None:
    """A "Report a problem" control for each clinic in the side-by-side comparison."""
    for position, (_index, row) in enumerate(picked.iterrows()):
        render_report_control(
            row,
            key=f"compare-{position}",
            label=_("Report a problem with {name}").format(name=escape_markdown(row.get("name"))),
        )


def _outcomes() -> dict[str, tuple[str, str]]:
    found = st.session_state.get(OUTCOMES)
    return found if isinstance(found, dict) else {}


def _set_outcome(control: str, kind: str, text: str) -> None:
    st.session_state[OUTCOMES] = {**_outcomes(), control: (kind, text)}


def _open(control: str) -> None:
    st.session_state[OPEN_FORM] = control
    outcomes = _outcomes()
    outcomes.pop(control, None)
    st.session_state[OUTCOMES] = outcomes
    style.request_focus(_box_key(control))  # keyboard users land on the form


def _close() -> None:
    st.session_state.pop(OPEN_FORM, None)


# Per process, in memory only: see reports.reporter_token.
_TOKEN_KEY = secrets.token_bytes(32)


def _session_token() -> str:
    token = st.session_state.get(SESSION_TOKEN)
    if not isinstance(token, str) or not token:
        token = secrets.token_hex(16)
        st.session_state[SESSION_TOKEN] = token
    return token


def _reporter() -> str:
    """This visitor's token for the limits and the flags (their address is not stored)."""
    address = current_client().address
    return reports.reporter_token(
        _session_token(), address, key=_TOKEN_KEY, day=datetime.now(UTC).date()
    )


def _submit(control: str, clinic_id: str) -> None:
    """Form callback: save the report; the outcome is shown where the control was."""
    state = st.session_state
    kind = state.get(f"{control}-kind")
    if kind is None:
        _set_outcome(control, "warning", _(CHOOSE_KIND))
        # The form stays open with what was typed; its message, above the form, is brought
        # into view (on a phone it was left under the top bar, as if nothing happened).
        style.request_focus(_box_key(control))
        return
    try:
        known = pd.Index(get_directory().index.table["id"].astype(str))
        settings().store().submit(
            clinic_id,
            str(kind),
            state.get(f"{control}-note") or "",
            session=_reporter(),
            known_ids=known,
        )
    except ReportRateLimitError as error:  # raised with the patient's words
        _set_outcome(control, "warning", user_message(error))
    except ReportStoreError as error:
        logger.error("a problem report was not saved: %s", error)
        _set_outcome(control, "error", user_message(error))
    except (DirectoryError, OSError) as error:
        _set_outcome(control, "error", user_message(error))
    else:
        _set_outcome(control, "success", _(reports.THANKS_MESSAGE))
    _close()
    style.request_focus(_box_key(control))
