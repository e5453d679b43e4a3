"""The "For admins" page: sign in, check the data's health, and change it safely.

Every change goes the same way: build the new table, show its validation
report and what it changes, then save with :func:`directory.storage.save_clinics`
*based on* the file's SHA-256 as the page showed it. If someone else saved in
between, the save is refused and the page shows their change instead of
overwriting it.

The pure parts (reviewing an upload or an edited table, the health summary)
are plain functions at the top, so tests call them without a browser. The
password only ever passes through the sign-in callback, which removes it from
session state before checking it; the session keeps ``admin_authenticated``
and ``admin_name`` only.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from directory import auth, schema, storage
from directory.changes import ClinicChanges, diff_tables
from directory.csvfile import csv_text, read_written, write_csv_text
from directory.dataset import LoadedClinics, parse_clinics, read_data_file
from directory.errors import (
    DataConflictError,
    DataFileError,
    DirectoryError,
    InvalidDataError,
)
from directory.listing import escape_markdown
from directory.report import Problem, ValidationReport
from directory.ui.common import data_path, render_footer, user_message
from directory.verification import stale_mask

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

MAX_NAME_CHARS = 100
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

CONFLICT_MESSAGE = (
    "Someone else changed the data since this page loaded it, so nothing was saved and "
    "their change is kept. Here is what changed in the meantime; check it, then make "
    "your change again on top of the current data."
)

DOWNLOAD_CAPTION = (
    "This is the data file exactly as stored (byte for byte), so a restore or an edit "
    "elsewhere starts from the real thing. It is not protected against spreadsheet "
    "formulas: a cell starting with =, +, - or @ may run as a formula if you open the "
    "file in Excel or similar. Import it as text, or open it in a text editor."
)


# --- pure helpers (no Streamlit) --------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """A proposed new data file, checked and compared with the current data."""

    payload: str | bytes
    """What would be saved (an upload's exact bytes, or CSV text from the editor)."""
    report: ValidationReport
    changes: ClinicChanges
    table: pd.DataFrame
    """The proposed data as the loader normalises it (CSV columns only)."""

    @property
    def can_save(self) -> bool:
        """Saving is allowed when there are no errors and something changes."""
        return self.report.valid and not self.changes.is_empty


def csv_columns(table: pd.DataFrame) -> pd.DataFrame:
    """The table without the loader's derived ``_`` columns."""
    return table[[c for c in table.columns if not str(c).startswith(schema.DERIVED_PREFIX)]]


def review_csv(data: str | bytes, current: pd.DataFrame, *, today: date) -> Review:
    """Validate a proposed data file and compare it with the current (loaded) table."""
    proposed = parse_clinics(data, today=today)
    changes = diff_tables(csv_columns(current), csv_columns(proposed.table))
    return Review(data, proposed.report, changes, csv_columns(proposed.table))


def editor_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The table as the editor shows it: CSV columns only, every cell a string.

    Built from the CSV text the storage would write, so what the editor shows is
    exactly what a save writes back.
    """
    frame = read_written(write_csv_text(csv_columns(table)))
    if frame is None:  # cannot happen for a table the writer wrote; never show a wrong table
        raise DataFileError("the data cannot be shown in the editor")
    return frame


def edited_csv_text(edited: pd.DataFrame) -> str:
    """CSV text of an edited table: blank cells for missing values, empty new rows dropped."""
    cells = edited.astype(object).where(edited.notna(), "").astype(str)
    cells = cells.apply(lambda column: column.str.strip() if column.dtype == object else column)
    cells = cells[cells.ne("").any(axis=1)]
    # The one CSV writer: it quotes a cell holding a lone "\r", which to_csv alone does not.
    return csv_text(cells)


def review_edits(edited: pd.DataFrame, original: pd.DataFrame, *, today: date) -> Review:
    """Validate the editor's table and compare it with the table the editor started from.

    ``original`` is the editor's input (:func:`editor_frame`); both sides go
    through the same loader, so only real edits show up as changes.
    """
    base = parse_clinics(edited_csv_text(original), today=today)
    return review_csv(edited_csv_text(edited), base.table, today=today)


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table (line, column, value, message) for ``st.dataframe``."""
    return pd.DataFrame(
        {
            "line": pd.array([p.line for p in problems], dtype="Int64"),
            "column": [p.column or "" for p in problems],
            "value": [p.value or "" for p in problems],
            "message": [p.message for p in problems],
        }
    )


@dataclass(frozen=True)
class Health:
    """The data file at a glance."""

    counts: pd.DataFrame
    """Rows per state (rows) and kind (columns), with totals."""
    stale: pd.DataFrame
    """Listings not verified in the last 12 months, or never (id, name, last_verified)."""
    approximate: pd.DataFrame
    """Clinics placed at their ZIP code's centre, as their coordinates are blank."""


def health_summary(loaded: LoadedClinics, today: date) -> Health:
    table = loaded.table
    if table.empty:
        empty = pd.DataFrame(columns=["id", "name"])
        return Health(pd.DataFrame(), empty, empty)
    state = table["state"].fillna("").astype(str).replace("", "(none)")
    kind = table["kind"].fillna("").astype(str).replace("", "(blank)")
    counts = pd.crosstab(
        state.rename("state"), kind.rename("kind"), margins=True, margins_name="all"
    )
    stale = table.loc[
        stale_mask(table["last_verified"], today), ["id", "name", "last_verified"]
    ].copy()
    stale["last_verified"] = stale["last_verified"].fillna("").replace("", "never")
    stale = stale.sort_values("last_verified", key=lambda s: s.replace("never", ""))
    approximate_mask = table[schema.COORDINATES_APPROXIMATE].fillna(False).astype(bool)
    approximate = table.loc[approximate_mask, ["id", "name", "zip"]]
    return Health(counts, stale.reset_index(drop=True), approximate.reset_index(drop=True))


def audit_frame(entries: list[dict[str, Any]]) -> pd.DataFrame:
    """Audit-log entries as a table; nested values become JSON text, so any entry displays."""

    def cell(value: object) -> object:
        if value is None or isinstance(value, str | int | float | bool):
            return value
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)

    return pd.DataFrame([{key: cell(value) for key, value in e.items()} for e in entries])


# --- the page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentData:
    """The data file as this run of the page read it."""

    path: Path
    data: bytes | None
    """None when the file cannot be read (then ``error`` says why)."""
    sha256: str | None
    loaded: LoadedClinics
    error: DirectoryError | None = None


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
            max_chars=MAX_NAME_CHARS,
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
    password = str(state.pop(PASSWORD_WIDGET, "") or "")
    name = " ".join(str(state.pop(NAME_WIDGET, "") or "").split())[:MAX_NAME_CHARS]
    session = _session_key()
    guard = auth.LOGIN_GUARD
    wait = guard.wait_seconds(session)
    if wait > 0:
        # Refused without even checking, so a locked-out guesser learns nothing.
        _flash("warning", f"Too many wrong passwords. Try again in {auth.format_wait(wait)}.")
        return
    if not name:
        _flash("error", "Please enter your name: it is recorded with every change you save.")
        return
    password_hash = _configured_hash()
    if password_hash is None or not auth.verify_password(password, password_hash):
        guard.record_failure(session)
        wait = guard.wait_seconds(session)
        message = "Wrong password."
        if wait > 0:
            message += f" Too many wrong passwords: try again in {auth.format_wait(wait)}."
        _flash("error", message)
        return
    guard.record_success(session)
    state[AUTHENTICATED] = True
    state[ADMIN_NAME] = name


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
    alerts: dict[str, Callable[..., object]] = {
        "success": st.success,
        "error": st.error,
        "warning": st.warning,
        "info": st.info,
    }
    for message in st.session_state.pop(_FLASH, []):
        alerts.get(message["kind"], st.info)(message["text"])
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
    tabs = st.tabs(
        ["Data health", "Upload a CSV", "Edit listings", "Verify & map", "Backups", "Change log"]
    )
    with tabs[0]:
        _render_health(current, today)
    with tabs[1]:
        _render_upload(current, today)
    with tabs[2]:
        _render_editor(current, today)
    with tabs[3]:
        _render_maintenance(current)
    with tabs[4]:
        _render_backups(current, today)
    with tabs[5]:
        _render_audit_log(current)


def _current_data(today: date) -> CurrentData:
    path = data_path()
    try:
        data = read_data_file(path)
    except DataFileError as error:
        empty = parse_clinics(",".join(schema.COLUMN_NAMES) + "\n", today=today)
        return CurrentData(path, None, None, empty, error)
    sha256 = hashlib.sha256(data).hexdigest()
    return CurrentData(path, data, sha256, _parse_cached(sha256, today, data))


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
    health = health_summary(current.loaded, today)
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
    payload: pd.DataFrame | str | bytes, *, action: str, based_on: str | None
) -> storage.SaveResult | None:
    """Save through storage; every outcome becomes a message on the next run."""
    try:
        result = storage.save_clinics(
            data_path(), payload, who=_admin_name(), action=action, based_on_sha256=based_on
        )
    except DataConflictError as error:
        _flash("error", CONFLICT_MESSAGE, code=error.changes or None)
        return None
    except InvalidDataError as error:
        report = error.report
        _flash(
            "error",
            "Nothing was saved: the data has errors. Fix them and try again.",
            code=report.to_text() if isinstance(report, ValidationReport) else str(error),
        )
        return None
    except DirectoryError as error:
        _flash("error", "Nothing was saved. " + user_message(error))
        return None
    if not _written(result):
        _flash("info", "Nothing was saved: that is exactly the current data.")
    else:
        _flash("success", _saved_sentence(result), code=result.changes.to_text(limit=CHANGE_LINES))
    return result


def _written(result: storage.SaveResult) -> bool:
    """False when the save found the content identical to the file and wrote nothing."""
    return bool(result.audit.get("written", True))


def _saved_sentence(result: storage.SaveResult) -> str:
    sentence = f"Saved {result.report.rows} rows to {escape_markdown(Path(result.path).name)}"
    if result.backup is not None:
        backup = escape_markdown(Path(result.backup).name)
        sentence += f"; the previous file is kept as backup {backup}"
    return sentence + "."


def _render_review(review: Review, *, save_key: str, on_save: Callable[[], None]) -> None:
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
        st.button("Save", key=save_key, type="primary", on_click=on_save)


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
    data = uploaded.getvalue()
    review = review_csv(data, current.loaded.table, today=today)
    _render_review(
        review,
        save_key="admin_upload_save",
        # The callback keeps the file's hash as the page showed it: if the file changes
        # before the click, the save is refused as a conflict.
        on_save=lambda: _save_upload(data, current.sha256),
    )


def _save_upload(data: bytes, based_on: str | None) -> None:
    if _save(data, action="upload", based_on=based_on) is not None:
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
            "frame": editor_frame(current.loaded.table),
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
            "review": review_edits(edited, frame, today=today),
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
        on_save=lambda: _save_edits(review.payload, pending["sha256"]),
    )


def _signature(edited: pd.DataFrame) -> str:
    """A fingerprint of the editor's table, to tell whether it changed since the review."""
    return hashlib.sha256(edited_csv_text(edited).encode("utf-8")).hexdigest()


def _save_edits(payload: str | bytes, based_on: str | None) -> None:
    if _save(payload, action="edit", based_on=based_on) is not None:
        _reset_editor()


# --- verification, coordinates, download ----------------------------------------------------


def _render_maintenance(current: CurrentData) -> None:
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
    missing = int(table[schema.COORDINATES_APPROXIMATE].fillna(False).astype(bool).sum())
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


def _fresh_table() -> pd.DataFrame | None:
    """The file as it is now, for a one-click change (the save still checks the hash)."""
    try:
        data = read_data_file(data_path())
    except DataFileError as error:
        _flash("error", "Nothing was saved. " + user_message(error))
        return None
    return parse_clinics(data, today=date.today()).table.copy()


def _mark_verified(ids: tuple[str, ...], based_on: str | None) -> None:
    table = _fresh_table()
    if table is None:
        return
    try:
        updated = storage.mark_verified(table, list(ids), date.today())
    except DirectoryError as error:  # e.g. a listing removed meanwhile by someone else
        _flash("error", "Nothing was saved. " + user_message(error))
        return
    if _save(updated, action="verify", based_on=based_on) is not None:
        st.session_state[_VERIFY_WIDGET] = []


def _fill_coordinates(based_on: str | None) -> None:
    table = _fresh_table()
    if table is None:
        return
    # online=None: offline only, from the bundled ZIP gazetteer (no address leaves the server).
    filled, fills = storage.fill_coordinates(table, online=None)
    placed = [fill for fill in fills if fill.lat is not None and fill.lon is not None]
    rows = [
        {
            "id": fill.id,
            "line": fill.line,
            "precision": fill.precision,
            "latitude": fill.lat,
            "longitude": fill.lon,
        }
        for fill in fills
    ]
    if not placed:
        _flash(
            "info",
            "No coordinates to fill: every clinic has them, or their ZIP code is unknown.",
            rows=rows or None,
        )
        return
    if _save(filled, action="fill-coordinates", based_on=based_on) is not None:
        _flash("info", f"Filled coordinates for {len(placed)} clinic(s):", rows=rows)


# --- backups and the audit log --------------------------------------------------------------


def _render_backups(current: CurrentData, today: date) -> None:
    try:
        backups = storage.list_backups(current.path)
    except DirectoryError as error:
        st.error(user_message(error, for_admin=True))
        return
    except OSError as error:
        st.error(f"The backups cannot be listed ({type(error).__name__}).")
        return
    if not backups:
        st.info("No backups yet: one is made before every save.")
        return
    st.caption("A copy of the previous file is kept before every save. Newest first.")
    st.dataframe(
        pd.DataFrame(
            {
                "backup": [Path(b.path).name for b in backups],
                "created (UTC)": [str(b.created_utc) for b in backups],
                "rows": [b.rows for b in backups],
            }
        ),
        hide_index=True,
    )
    by_name = {Path(b.path).name: b for b in backups}
    chosen_name = st.selectbox("Backup to restore", list(by_name), key="admin_backup_choice")
    if chosen_name is None:
        return
    st.button(
        "Restore this backup…",
        key="admin_restore_start",
        on_click=_ask_restore,
        args=(chosen_name,),
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
        review = review_csv(read_data_file(backup.path), current.loaded.table, today=today)
    except DataFileError as error:
        st.error(user_message(error, for_admin=True))
        return
    st.text(review.report.summary())
    if review.changes.is_empty:
        st.info("This backup is the same as the current data.")
    else:
        st.code(review.changes.to_text(limit=CHANGE_LINES), language=None)
    yes, no = st.columns(2)
    yes.button(
        "Yes, restore it",
        key="admin_restore_confirm",
        type="primary",
        on_click=_restore,
        args=(backup, current.sha256),
    )
    no.button("Cancel", key="admin_restore_cancel", on_click=_cancel_restore)


def _ask_restore(name: str) -> None:
    st.session_state[_RESTORE] = name


def _cancel_restore() -> None:
    st.session_state.pop(_RESTORE, None)


def _restore(backup: storage.Backup, based_on: str | None) -> None:
    st.session_state.pop(_RESTORE, None)
    try:
        result = storage.restore_backup(
            data_path(), backup, who=_admin_name(), based_on_sha256=based_on
        )
    except DataConflictError as error:
        _flash("error", CONFLICT_MESSAGE, code=error.changes or None)
        return
    except InvalidDataError as error:
        report = error.report
        _flash(
            "error",
            "Nothing was restored: that backup has errors.",
            code=report.to_text() if isinstance(report, ValidationReport) else str(error),
        )
        return
    except DirectoryError as error:
        _flash("error", "Nothing was restored. " + user_message(error))
        return
    if not _written(result):
        _flash("info", "Nothing was restored: that backup is exactly the current data.")
        return
    _flash(
        "success",
        "Restored. " + _saved_sentence(result),
        code=result.changes.to_text(limit=CHANGE_LINES),
    )


def _render_audit_log(current: CurrentData) -> None:
    try:
        entries = storage.read_audit_log(current.path, limit=AUDIT_LOG_ROWS)
    except DirectoryError as error:
        st.error(user_message(error, for_admin=True))
        return
    except OSError as error:
        st.error(f"The change log cannot be read ({type(error).__name__}).")
        return
    if not entries:
        st.info("No changes recorded yet.")
        return
    st.caption(f"Newest first (the last {AUDIT_LOG_ROWS} at most).")
    st.dataframe(audit_frame(entries), hide_index=True)
