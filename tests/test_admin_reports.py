"""The verification queue on the "For admins" page through AppTest: open reports grouped by
clinic, resolving them (fix in the editor, mark verified, dismiss) with the change log,
the "due for a check" call list and its download, and a failing report database.

The page, sign-in and data fixtures are those of ``tests/test_admin_page.py``.
"""

# ruff: noqa: F401, F811 (fixtures are imported by name)

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from test_admin_page import (
    ADMIN,
    OLD,
    TODAY,
    _fresh_login_guard,
    audit_entries,
    data_file,
    no_exception,
    password_hash,
    signed_in,
    texts,
)

from directory import reports
from directory.dataset import load_clinics
from directory.reports import ReportStore
from directory.ui import admin_reports
from directory.ui.admin_session import TABS

DENVER = "mile-high-ketamine-denver"
BOSTON = "harbor-ketamine-boston"
HOSTILE = "[Call now](https://evil.example.com) <script>alert(1)</script> **=1+1**"


@pytest.fixture
def store(data_file: Path, monkeypatch: pytest.MonkeyPatch) -> ReportStore:
    monkeypatch.delenv(reports.REPORTS_DB_ENV, raising=False)
    clock = iter(range(1_800_000_000, 1_900_000_000, 60))  # a minute between reports
    return ReportStore(data_file.parent / reports.DEFAULT_FILE_NAME, clock=lambda: next(clock))


def seed(store: ReportStore) -> dict[str, list[int]]:
    known = {DENVER, BOSTON}
    ids: dict[str, list[int]] = {DENVER: [], BOSTON: []}
    for clinic, kind, session, note in (
        (BOSTON, "wrong_phone", "s1", "Number rings out"),
        (BOSTON, "wrong_phone", "s2", HOSTILE),
        (BOSTON, "other", "s3", ""),
        (DENVER, "closed", "s4", "Sign on the door says closed"),  # the newest
    ):
        ids[clinic].append(store.submit(clinic, kind, note, session=session, known_ids=known).id)
    return ids


def status(store: ReportStore, report_id: int) -> reports.Report:
    [found] = store.get([report_id])
    return found


def test_the_queue_groups_reports_by_clinic_newest_first_with_counts(store):
    seed(store)
    at = signed_in()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Open problem reports"] == "4"
    page = texts(at)
    assert page.index("Mile High Ketamine Clinic") < page.index("Harbor Ketamine")
    assert "The phone number is wrong: 2 · Something else: 1" in page
    assert "The clinic has closed: 1" in page
    assert "(617) 555-0100" in page  # the phone to call is right there
    notes = [
        note for frame in at.dataframe if "note" in frame.value for note in frame.value["note"]
    ]
    assert HOSTILE in notes  # in a table cell, as typed
    assert all("evil.example.com" not in m.value for m in at.markdown)  # never as Markdown
    for action in ("fix", "verified", "dismissed"):
        assert at.button(key=admin_reports.action_key(action, BOSTON))


def test_dismiss_closes_the_reports_with_the_note_and_logs_the_admin(store, data_file):
    ids = seed(store)
    before = data_file.read_bytes()
    at = signed_in()
    at.text_input(key=admin_reports.NOTE_PREFIX + BOSTON).input("Called: number is fine")
    at.button(key=admin_reports.action_key("dismissed", BOSTON)).click().run()
    no_exception(at)
    assert "Closed 3 reports" in " ".join(s.value for s in at.success)
    for report_id in ids[BOSTON]:
        closed = status(store, report_id)
        assert (closed.status, closed.resolved_by) == ("dismissed", ADMIN)
        assert closed.resolution_note == "Called: number is fine"
    assert status(store, ids[DENVER][0]).status == "open"
    assert data_file.read_bytes() == before  # dismissing changes no listing
    [entry] = audit_entries(data_file)
    assert entry["who"] == ADMIN
    assert entry["action"] == reports.AUDIT_ACTION
    assert entry["resolution"] == "dismissed"
    assert sorted(entry["reports"]) == sorted(ids[BOSTON])
    assert entry["clinics"] == [BOSTON]
    assert "Number rings out" not in str(entry)  # patients' notes stay out of the log
    assert {m.label: m.value for m in at.metric}["Open problem reports"] == "1"


def test_mark_verified_saves_the_listing_and_closes_the_reports(store, data_file):
    ids = seed(store)
    at = signed_in()
    at.button(key=admin_reports.action_key("verified", BOSTON)).click().run()
    no_exception(at)
    saved = load_clinics(data_file).table.set_index("id")
    assert saved.loc[BOSTON, "last_verified"] == TODAY.isoformat()
    assert all(status(store, i).status == "verified" for i in ids[BOSTON])
    actions = [(e["action"], e["who"]) for e in audit_entries(data_file)]
    assert actions == [(reports.AUDIT_ACTION, ADMIN), ("verify", ADMIN)]  # newest first


def test_mark_verified_on_changed_data_is_refused_and_keeps_the_reports(store, data_file):
    ids = seed(store)
    at = signed_in()
    data_file.write_text(data_file.read_text().replace("Harbor Ketamine", "Their Change"))
    at.button(key=admin_reports.action_key("verified", BOSTON)).click().run()
    no_exception(at)
    assert "Someone else changed the data" in " ".join(e.value for e in at.error)
    assert all(status(store, i).status == "open" for i in ids[BOSTON])


def test_fix_opens_that_row_alone_in_the_editor_and_its_save_closes_as_fixed(store, data_file):
    ids = seed(store)
    at = signed_in()
    at.text_input(key=admin_reports.NOTE_PREFIX + BOSTON).input("New number from the clinic")
    at.button(key=admin_reports.action_key("fix", BOSTON)).click().run()
    no_exception(at)
    assert at.session_state[TABS] == admin_reports.EDIT_TAB
    [editor] = at.data_editor
    assert editor.value["id"].tolist() == [BOSTON]
    assert all(status(store, i).status == "open" for i in ids[BOSTON])  # not yet
    at.session_state[editor.key] = {
        "edited_rows": {0: {"phone": "(617) 555-0199"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="admin_edit_review").click().run()
    no_exception(at)
    at.button(key="admin_edit_save").click().run()
    no_exception(at)
    saved = load_clinics(data_file).table.set_index("id")
    assert saved.loc[BOSTON, "phone"] == "(617) 555-0199"
    assert len(saved) == 3  # the other listings were kept
    for report_id in ids[BOSTON]:
        closed = status(store, report_id)
        assert (closed.status, closed.resolution_note) == ("fixed", "New number from the clinic")
    actions = [e["action"] for e in audit_entries(data_file)]
    assert actions == [reports.AUDIT_ACTION, "edit"]
    [editor] = at.data_editor
    assert len(editor.value) == 3  # back to every listing


def test_a_clinic_reported_closed_can_be_deleted_from_its_fix_view(store, data_file):
    """Review of issue 13: the one-listing editor could not delete a closed clinic."""
    ids = seed(store)
    at = signed_in()
    at.button(key=admin_reports.action_key("fix", BOSTON)).click().run()
    [editor] = at.data_editor
    at.session_state[editor.key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [0]}
    at.run()
    at.button(key="admin_edit_review").click().run()
    no_exception(at)
    at.button(key="admin_edit_save").click().run()
    no_exception(at)
    saved = load_clinics(data_file).table
    assert BOSTON not in set(saved["id"])
    assert len(saved) == 2  # only that listing went
    assert all(status(store, i).status == "fixed" for i in ids[BOSTON])


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The callables deferred download buttons registered, by file id (the runtime AppTest
    makes is gone after the run, so they are kept as they are registered)."""
    found: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self: MediaFileManager, callable_: object, *args: object, **kw: object):
        file_id = original(self, callable_, *args, **kw)  # type: ignore[arg-type]
        found[file_id] = callable_
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return found


def downloaded(at: AppTest, key: str, deferred: dict[str, object]) -> str:
    """What a deferred download button hands out when tapped."""
    [button] = [b for b in at.get("download_button") if b.proto.id.endswith(key)]
    make = deferred[button.proto.deferred_file_id]
    assert callable(make)
    data = make()
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)


def test_due_for_a_check_lists_stale_listings_with_phones_and_downloads_safely(
    store, data_file, deferred
):
    text = data_file.read_text(encoding="utf-8")
    data_file.write_text(text.replace("Harbor Ketamine", "=HYPERLINK(1)"), encoding="utf-8")
    at = signed_in()
    no_exception(at)
    due = next(f.value for f in at.dataframe if "last_verified" in f.value and "phone" in f.value)
    assert due["id"].tolist() == [BOSTON]
    assert due["phone"].tolist() == ["(617) 555-0100"]
    assert due["last_verified"].tolist() == [OLD]
    rows = list(csv.DictReader(io.StringIO(downloaded(at, "admin_call_list", deferred))))
    assert [r["id"] for r in rows] == [BOSTON]
    assert rows[0]["name"] == "'=HYPERLINK(1)"  # a formula is defused
    assert rows[0]["phone"] == "(617) 555-0100"


def test_a_broken_report_database_is_explained_to_the_admin(store, data_file):
    store.path.write_bytes(b"not a database " * 200)
    at = signed_in()
    no_exception(at)
    assert {m.label: m.value for m in at.metric}["Open problem reports"] == "?"
    errors = " ".join(e.value for e in at.error)
    assert "not a SQLite database" in errors
    assert "restore it from the server" in errors
    assert at.data_editor  # the rest of the page works


def test_a_locked_report_database_is_explained_to_the_admin(store, data_file):
    seed(store)
    holder = sqlite3.connect(store.path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        at = signed_in()
        at.button(key=admin_reports.action_key("dismissed", BOSTON)).click().run()
        no_exception(at)
        assert "locked by another process" in " ".join(e.value for e in at.error)
    finally:
        holder.close()
    assert store.open_count() == 4
