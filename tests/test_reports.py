"""Problem reports (:mod:`directory.reports`) on a real SQLite file in ``tmp_path``.

Settings, the vocabulary, hostile notes, the rate limits, flags, the queue, resolving
(with the data file's audit log), the schema's version, errors in words, and faults
with real processes: SIGKILL during writes, two writers at once, a read-only file and
a full disk.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TODAY, csv_text, row, telehealth_row, write_csv
from hypothesis import given, settings
from hypothesis import strategies as st

from directory import i18n, reports, storage
from directory.dataset import load_clinics
from directory.errors import (
    ConfigError,
    QueryError,
    ReportRateLimitError,
    ReportRefusedError,
    ReportStoreError,
)
from directory.reports import ReportStore
from directory.ui.common import user_message

A, B = "clinic-a", "clinic-b"
KNOWN = frozenset({A, B})
WRITER = REPO_ROOT / "tests" / "report_writer.py"


class Clock:
    """Seconds since the epoch, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta.total_seconds()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> ReportStore:
    return ReportStore(tmp_path / "reports.sqlite3", clock=clock)


def rows(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM reports").fetchone()[0])


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


# --- settings and vocabulary ----------------------------------------------------------------


def test_the_database_is_beside_the_data_file_unless_configured(tmp_path):
    data = tmp_path / "data" / "clinics.csv"
    assert reports.settings_from_env(data, {}).db_path == tmp_path / "data" / "reports.sqlite3"
    assert reports.settings_from_env(data, {}).hourly_cap == reports.DEFAULT_HOURLY_CAP
    chosen = reports.settings_from_env(
        data, {reports.REPORTS_DB_ENV: "/srv/r.db", reports.HOURLY_CAP_ENV: "7"}
    )
    assert (chosen.db_path, chosen.hourly_cap) == (Path("/srv/r.db"), 7)


@pytest.mark.parametrize("cap", ["0", "-3", "many", "1.5"])
def test_a_bad_hourly_cap_is_a_config_error(tmp_path, cap):
    with pytest.raises(ConfigError, match=reports.HOURLY_CAP_ENV):
        reports.settings_from_env(tmp_path / "c.csv", {reports.HOURLY_CAP_ENV: cap})


def test_the_vocabulary_has_the_issues_kinds_and_two_flags():
    assert reports.KIND_CODES == (
        "wrong_phone",
        "closed",
        "wrong_address",
        "wrong_treatments",
        "wrong_price",
        "not_accepting",
        "other",
    )
    assert reports.FLAG_KINDS == ("wrong_phone", "closed")
    assert reports.flag_notes(["closed", "wrong_phone", "other"]) == [
        "Some visitors reported this phone number may be wrong. Call to confirm.",
        "Some visitors reported this clinic may have closed. Call to confirm before you go.",
    ]
    assert len({kind.label for kind in reports.KINDS}) == len(reports.KINDS)


def test_the_patients_words_are_in_spanish_and_the_codes_are_not():
    with i18n.using("es"):
        labels = [kind.shown_label for kind in reports.KINDS]
        notes = reports.flag_notes(["closed"])
    assert labels[0] == "El número de teléfono está mal"
    assert labels[-1] == "Otra cosa"
    assert len(set(labels)) == len(labels)
    assert notes == [
        "Algunos visitantes informaron que esta clínica podría haber cerrado. "
        "Llame para confirmar antes de ir."
    ]
    assert [kind.shown_label for kind in reports.KINDS] == [kind.label for kind in reports.KINDS]
    assert reports.KINDS[0].label == "The phone number is wrong"  # the admin's queue


# --- submitting -----------------------------------------------------------------------------


def test_a_report_is_stored_and_read_back(store, clock):
    saved = store.submit(A, "closed", "  Door locked.  ", session="s1", known_ids=KNOWN)
    assert (saved.clinic_id, saved.kind, saved.note, saved.status) == (
        A,
        "closed",
        "Door locked.",
        "open",
    )
    assert saved.created_at.timestamp() == clock.now
    assert store.reports() == [saved]
    assert store.get([saved.id, 999]) == [saved]
    assert store.open_count() == 1


@pytest.mark.parametrize(
    ("clinic", "kind", "message"),
    [
        ("no-such-clinic", "closed", "no clinic with id 'no-such-clinic'"),
        ("", "closed", "no clinic"),
        (A, "haunted", "'haunted' is not a kind of problem"),
        (A, "", "not a kind of problem"),
    ],
)
def test_an_unknown_clinic_or_kind_is_refused_and_nothing_is_written(store, clinic, kind, message):
    with pytest.raises(ReportRefusedError, match=message):
        store.submit(clinic, kind, session="s", known_ids=KNOWN)
    assert not store.path.exists()


TEN_MB = "x" * (10 * 1024 * 1024)


@pytest.mark.parametrize(
    ("note", "stored"),
    [
        ("<script>alert(1)</script><img src=x onerror=alert(1)>", None),
        ("[Call now](https://evil.example.com) **bold** # heading", None),
        ("https://evil.example.com/phish", None),
        ('=HYPERLINK("https://evil.example.com")', None),
        ("'; DROP TABLE reports; --", None),
        ("nul\x00byte", "nulbyte"),
        ("bell\x07 and escape \x1b[31mred", "bell and escape [31mred"),
        ("right\u202eto left\u2066", "rightto left"),
        ("tab\there", "tab here"),
        ("line one\r\nline two\rline three", "line one\nline two\nline three"),
        ("a\n\n\n\n\nb", "a\n\nb"),
        ("é ✓ 🙂 中文", None),
        ("y" * 500, None),
        ("", ""),
    ],
)
def test_hostile_notes_are_stored_as_plain_text(store, note, stored):
    saved = store.submit(A, "other", note, session="s", known_ids=KNOWN)
    expected = note if stored is None else stored
    assert saved.note == expected
    [read] = store.reports()
    assert read.note == expected
    assert rows(store.path) == 1  # the table is still there


@pytest.mark.parametrize(
    "note", [TEN_MB, "z" * 501, "\x00" * 10 + "q" * 501, 12345, b"bytes"], ids=repr
)
def test_over_long_or_non_text_notes_are_refused(store, note):
    with pytest.raises(ReportRefusedError):
        store.submit(A, "other", note, session="s", known_ids=KNOWN)
    assert not store.path.exists()


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(note=st.text(max_size=700))
def test_any_text_is_refused_or_stored_exactly_as_cleaned(tmp_path_factory, note):
    store = ReportStore(tmp_path_factory.mktemp("prop") / "r.sqlite3")
    try:
        cleaned = reports.clean_note(note)
    except ReportRefusedError:
        assert len(note) > reports.MAX_NOTE_CHARS
        return
    assert len(cleaned) <= reports.MAX_NOTE_CHARS
    for ch in cleaned:
        assert ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs"), repr(cleaned)
        assert not "\u202a" <= ch <= "\u202e"
        assert not "\u2066" <= ch <= "\u2069"
    assert reports.clean_note(cleaned) == cleaned  # cleaning is stable
    saved = store.submit(A, "other", note, session="s", known_ids=KNOWN)
    assert store.get([saved.id])[0].note == cleaned


# --- rate limits ----------------------------------------------------------------------------


def test_three_reports_per_session_per_ten_minutes(store, clock):
    for _ in range(reports.SESSION_LIMIT):
        store.submit(A, "other", session="busy", known_ids=KNOWN)
        clock.advance(timedelta(minutes=1))
    with pytest.raises(ReportRateLimitError, match="wait"):
        store.submit(B, "closed", session="busy", known_ids=KNOWN)
    store.submit(B, "closed", session="someone-else", known_ids=KNOWN)  # others still can
    clock.advance(reports.SESSION_WINDOW - timedelta(minutes=2))  # the first one ages out
    store.submit(B, "closed", session="busy", known_ids=KNOWN)
    assert rows(store.path) == 5


def test_the_limits_speak_the_patients_language(tmp_path, clock):
    store = ReportStore(tmp_path / "r.sqlite3", hourly_cap=1, clock=clock)
    store.submit(A, "other", session="s1", known_ids=KNOWN)
    with i18n.using("es"), pytest.raises(ReportRateLimitError, match="muchos reportes"):
        store.submit(A, "other", session="s2", known_ids=KNOWN)
    with pytest.raises(ReportRateLimitError, match="a lot of reports"):
        store.submit(A, "other", session="s2", known_ids=KNOWN)


def test_the_hourly_cap_holds_for_everyone(tmp_path, clock):
    store = ReportStore(tmp_path / "r.sqlite3", hourly_cap=5, clock=clock)
    for n in range(5):
        store.submit(A, "other", session=f"s{n}", known_ids=KNOWN)
    with pytest.raises(ReportRateLimitError, match="a lot of reports"):
        store.submit(A, "other", session="fresh", known_ids=KNOWN)
    clock.advance(reports.HOURLY_WINDOW + timedelta(seconds=1))
    store.submit(A, "other", session="fresh", known_ids=KNOWN)
    assert rows(store.path) == 6


def test_a_flood_from_one_session_writes_three(store):
    for _ in range(100):
        with contextlib.suppress(ReportRateLimitError):
            store.submit(A, "closed", "spam " * 50, session="flood", known_ids=KNOWN)
    assert rows(store.path) == reports.SESSION_LIMIT


# --- flags ----------------------------------------------------------------------------------


def test_a_flag_needs_two_sessions_of_one_flagged_kind_in_thirty_days(store, clock):
    store.submit(A, "wrong_phone", session="s1", known_ids=KNOWN)
    store.submit(A, "wrong_phone", session="s1", known_ids=KNOWN)  # same visitor twice
    store.submit(A, "closed", session="s2", known_ids=KNOWN)  # another kind
    for n in range(5):
        store.submit(B, "wrong_price", session=f"p{n}", known_ids=KNOWN)  # not flagged
    assert store.flags() == {}
    store.submit(A, "wrong_phone", session="s3", known_ids=KNOWN)
    assert store.flags() == {A: ("wrong_phone",)}
    store.submit(A, "closed", session="s4", known_ids=KNOWN)
    assert store.flags() == {A: ("wrong_phone", "closed")}
    clock.advance(reports.FLAG_WINDOW + timedelta(minutes=1))
    assert store.flags() == {}  # old reports no longer flag the card


def test_resolving_the_reports_clears_the_flag(store):
    first = store.submit(A, "closed", session="s1", known_ids=KNOWN)
    second = store.submit(A, "closed", session="s2", known_ids=KNOWN)
    assert store.flags() == {A: ("closed",)}
    store.resolve([first.id], action="dismissed", who="Dana")
    assert store.flags() == {}  # one open report left
    third = store.submit(A, "closed", session="s3", known_ids=KNOWN)
    assert store.flags() == {A: ("closed",)}
    store.resolve([second.id, third.id], action="fixed", who="Dana")
    assert store.flags() == {}


def test_no_database_means_no_flags_and_none_is_created(tmp_path):
    store = ReportStore(tmp_path / "absent.sqlite3")
    assert store.flags() == {}
    assert store.reports() == []
    assert store.open_count() == 0
    assert store.signature() is None
    assert not store.path.exists()


def test_the_signature_changes_with_every_write(store, clock):
    store.submit(A, "closed", session="s1", known_ids=KNOWN)
    before = store.signature()
    assert store.flags() == {}
    assert store.signature() == before  # reading does not change it
    time.sleep(0.01)
    report = store.submit(A, "other", session="s2", known_ids=KNOWN)
    after_write = store.signature()
    assert after_write != before
    time.sleep(0.01)
    store.resolve([report.id], action="dismissed", who="Dana")
    assert store.signature() != after_write


# --- the queue and resolving ------------------------------------------------------------------


def test_the_queue_groups_by_clinic_newest_first_with_counts(store, clock):
    ids = []
    for clinic, kind, session in [
        (A, "wrong_phone", "s1"),
        (B, "closed", "s2"),
        (A, "other", "s3"),
        (A, "wrong_phone", "s4"),
    ]:
        ids.append(store.submit(clinic, kind, session=session, known_ids=KNOWN).id)
        clock.advance(timedelta(minutes=1))
    queue = store.queue()
    assert [group.clinic_id for group in queue] == [A, B]
    assert queue[0].ids == (ids[3], ids[2], ids[0])
    assert queue[0].counts() == {"wrong_phone": 2, "other": 1}
    assert queue[0].counts_text() == "The phone number is wrong: 2 · Something else: 1"
    store.resolve([ids[3], ids[2]], action="dismissed", who="Dana")
    assert [group.clinic_id for group in store.queue()] == [B, A]  # A's newest open is older


def test_resolving_is_all_or_nothing(store):
    first = store.submit(A, "closed", session="s1", known_ids=KNOWN)
    second = store.submit(A, "closed", session="s2", known_ids=KNOWN)
    store.resolve([first.id], action="fixed", who="Dana", note="New number\x00 added")
    with pytest.raises(ReportRefusedError, match=f"already resolved: {first.id}"):
        store.resolve([second.id, first.id], action="dismissed", who="Dana")
    with pytest.raises(ReportRefusedError, match="no report with id 77"):
        store.resolve([second.id, 77], action="dismissed", who="Dana")
    assert store.get([second.id])[0].status == "open"
    [closed] = store.get([first.id])
    assert (closed.status, closed.resolved_by, closed.resolution_note) == (
        "fixed",
        "Dana",
        "New number added",
    )
    assert closed.resolved_at is not None


@pytest.mark.parametrize(
    ("action", "who", "message"),
    [("deleted", "Dana", "not a resolution"), ("fixed", "  ", "name the admin")],
)
def test_a_resolution_needs_a_known_action_and_a_name(store, action, who, message):
    report = store.submit(A, "closed", session="s1", known_ids=KNOWN)
    with pytest.raises(ReportRefusedError, match=message):
        store.resolve([report.id], action=action, who=who)


def data_with_reports(tmp_path: Path) -> tuple[Path, ReportStore]:
    data = write_csv(
        tmp_path,
        csv_text(row(id=A, last_verified="2024-01-01"), telehealth_row(id=B)),
    )
    return data, ReportStore(tmp_path / reports.DEFAULT_FILE_NAME)


def test_resolve_verified_marks_the_listing_verified_and_logs_both(tmp_path):
    data, store = data_with_reports(tmp_path)
    report = store.submit(A, "wrong_phone", "rings out", session="s1", known_ids=KNOWN)
    done = reports.resolve_reports(
        data, store, [report.id], action="verified", who="Dana", note="Called", today=TODAY
    )
    assert done.verify is not None
    assert load_clinics(data).table.set_index("id").loc[A, "last_verified"] == TODAY.isoformat()
    assert store.get([report.id])[0].status == "verified"
    resolution, verify = storage.read_audit_log(data)
    assert (verify["action"], verify["who"]) == ("verify", "Dana")
    assert resolution["action"] == reports.AUDIT_ACTION
    assert resolution["resolution"] == "verified"
    assert (resolution["reports"], resolution["clinics"]) == ([report.id], [A])
    assert resolution["with_note"] is True
    assert "rings out" not in json.dumps(resolution)
    assert "Called" not in json.dumps(resolution)


def test_resolve_verified_for_a_removed_listing_closes_nothing(tmp_path):
    data, store = data_with_reports(tmp_path)
    report = store.submit(A, "closed", session="s1", known_ids=KNOWN)
    data.write_text(csv_text(telehealth_row(id=B)), encoding="utf-8")
    with pytest.raises(QueryError, match=A):
        reports.resolve_reports(data, store, [report.id], action="verified", who="D", today=TODAY)
    assert store.get([report.id])[0].status == "open"
    assert storage.read_audit_log(data) == []


def test_a_verify_saved_but_not_closed_says_the_save_stands(tmp_path, monkeypatch):
    """Review of issue 13: the listing was re-dated and backed up, then the database was
    locked, and the admin was told nothing had changed."""
    data, store = data_with_reports(tmp_path)
    report = store.submit(A, "wrong_phone", session="s1", known_ids=KNOWN)

    def locked(*args: object, **kwargs: object) -> None:
        raise reports.ReportStoreError("the report database is locked")

    monkeypatch.setattr(store, "resolve", locked)
    with pytest.raises(reports.ReportStoreError, match="marked verified and saved"):
        reports.resolve_reports(data, store, [report.id], action="verified", who="D", today=TODAY)
    assert load_clinics(data).table.set_index("id").loc[A, "last_verified"] == TODAY.isoformat()


def test_resolve_dismissed_leaves_the_data_alone(tmp_path):
    data, store = data_with_reports(tmp_path)
    before = data.read_bytes()
    report = store.submit(A, "closed", session="s1", known_ids=KNOWN)
    reports.resolve_reports(data, store, [report.id], action="dismissed", who="D", today=TODAY)
    assert data.read_bytes() == before
    [entry] = storage.read_audit_log(data)
    assert (entry["resolution"], entry["who"]) == ("dismissed", "D")


# --- the schema -----------------------------------------------------------------------------


def test_a_new_database_is_created_in_wal_mode_at_the_current_version(store):
    store.submit(A, "closed", session="s1", known_ids=KNOWN)
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == reports.SCHEMA_VERSION
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = {r[1] for r in connection.execute("PRAGMA index_list(reports)")}
    assert {"reports_open", "reports_session", "reports_created"} <= indexes
    store.submit(A, "closed", session="s2", known_ids=KNOWN)  # opening again migrates nothing
    assert rows(store.path) == 2


def test_an_empty_file_is_migrated(store):
    store.path.write_bytes(b"")
    store.submit(A, "closed", session="s1", known_ids=KNOWN)
    assert rows(store.path) == 1


def test_a_database_from_a_newer_version_is_refused(store):
    with sqlite3.connect(store.path) as connection:
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(ReportStoreError, match="newer version"):
        store.submit(A, "closed", session="s1", known_ids=KNOWN)


# --- failures in words ------------------------------------------------------------------------


def test_a_corrupt_database_is_an_error_for_the_admin_and_one_sentence_for_patients(store):
    store.path.write_bytes(b"garbage that is not sqlite " * 100)
    with pytest.raises(ReportStoreError) as caught:
        store.submit(A, "closed", session="s1", known_ids=KNOWN)
    assert "not a SQLite database" in str(caught.value)
    assert user_message(caught.value) == reports.NOT_SAVED_MESSAGE
    admin_text = user_message(caught.value, for_admin=True)
    assert "restore it from the server" in admin_text
    with pytest.raises(ReportStoreError):
        store.flags()


def test_a_locked_database_waits_then_says_so(tmp_path):
    store = ReportStore(tmp_path / "r.sqlite3", busy_timeout_seconds=0.2)
    store.submit(A, "closed", session="s1", known_ids=KNOWN)
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(ReportStoreError, match="locked by another process"):
            store.submit(A, "closed", session="s2", known_ids=KNOWN)
        assert time.monotonic() - started >= 0.15
        assert store.flags() == {}  # WAL: reading still works while a write is held
    finally:
        holder.close()
    store.submit(A, "closed", session="s2", known_ids=KNOWN)


def test_a_missing_folder_says_what_to_check(tmp_path):
    store = ReportStore(tmp_path / "no" / "such" / "folder" / "r.sqlite3")
    with pytest.raises(ReportStoreError, match="cannot open or create it"):
        store.submit(A, "closed", session="s1", known_ids=KNOWN)


# --- faults with real processes ---------------------------------------------------------------


def writer(
    db: Path, count: int, prefix: str, *extra: str, **popen: object
) -> subprocess.Popen[str]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, str(WRITER), str(db), str(count), prefix, *extra],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


@pytest.mark.slow
@pytest.mark.parametrize("after", [1, 40, 150])
def test_sigkill_during_writes_loses_at_most_the_report_being_written(tmp_path, after):
    db = tmp_path / "r.sqlite3"
    process = writer(db, 100_000, "killed")
    assert process.stdout is not None
    committed = 0
    deadline = time.monotonic() + 60
    while committed < after and time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else ""
        committed += 1
    process.send_signal(signal.SIGKILL)  # mid-way through the next write, most likely
    process.wait(timeout=30)
    committed += len([line for line in process.stdout.read().splitlines() if line.strip()])
    assert integrity(db) == "ok"
    stored = rows(db)
    assert committed <= stored <= committed + 1  # at most the one in flight is lost
    ReportStore(db, hourly_cap=10**6).submit(A, "closed", session="after", known_ids=KNOWN)
    assert rows(db) == stored + 1


@pytest.mark.slow
def test_two_processes_writing_500_reports_each_end_with_1000_rows(tmp_path):
    db = tmp_path / "r.sqlite3"
    go = tmp_path / "go"
    ReportStore(db).create()
    processes = [writer(db, 500, f"replica{n}", "--go", str(go)) for n in (1, 2)]
    go.touch()
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err
        outputs.append([int(line) for line in out.split()])
    assert [len(ids) for ids in outputs] == [500, 500]
    assert len(set(outputs[0]) | set(outputs[1])) == 1000
    assert rows(db) == 1000
    assert integrity(db) == "ok"


def _without_root_override() -> list[str]:
    """Root ignores file permissions; setpriv drops that power for the child process."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only file is writable")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"]


@pytest.mark.slow
def test_a_read_only_database_refuses_the_write_in_words(tmp_path):
    db = tmp_path / "r.sqlite3"
    ReportStore(db).submit(A, "closed", session="s1", known_ids=KNOWN)
    db.chmod(0o444)
    script = (
        "from directory.reports import ReportStore\n"
        "from directory.ui.common import user_message\n"
        "import sys\n"
        "try:\n"
        f"    ReportStore({str(db)!r}).submit({A!r}, 'closed', session='s2', known_ids={{{A!r}}})\n"
        "except Exception as error:\n"
        "    print(type(error).__name__)\n"
        "    print(user_message(error))\n"
        "    print(user_message(error, for_admin=True))\n"
    )
    done = subprocess.run(
        [*_without_root_override(), sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    kind, patient, for_admin = done.stdout.splitlines()[:3]
    assert kind == "ReportStoreError", done.stdout + done.stderr
    assert patient == reports.NOT_SAVED_MESSAGE
    assert "cannot write to it" in for_admin
    db.chmod(0o644)
    assert rows(db) == 1
    assert integrity(db) == "ok"


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
def test_a_full_disk_refuses_the_write_in_words_and_keeps_the_database(tmp_path):
    db = tmp_path / "r.sqlite3"
    ReportStore(db).submit(A, "closed", session="s1", known_ids=KNOWN)
    process = writer(db, 0, "filler", "--fill", preexec_fn=lambda: _limit_file_size(256 * 1024))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 3, err
    last = out.splitlines()[-1]
    assert last.startswith("error: the problem-report database"), last
    assert "disk" in last
    assert integrity(db) == "ok"
    written = len(out.splitlines()) - 1
    assert rows(db) == 1 + written  # every thanked-for report is there


def test_a_reporter_is_the_same_across_reloads_but_never_stored_as_an_address():
    """Review of issue 13: each reload was a new "visitor", so one person could put a
    "may have closed" note on any clinic with two reloads. Reports from one address on
    one day now share a token that cannot be turned back into the address."""
    from datetime import date as _date

    key, day = b"k" * 32, _date(2026, 12, 1)
    token = reports.reporter_token("session-a", "203.0.113.5", key=key, day=day)
    assert token == reports.reporter_token("session-b", "203.0.113.5", key=key, day=day)
    assert "203.0.113.5" not in token
    assert len(token) == 32
    assert token != reports.reporter_token("session-a", "203.0.113.6", key=key, day=day)
    later = _date(2026, 12, 2)
    assert token != reports.reporter_token("session-a", "203.0.113.5", key=key, day=later)
    assert token != reports.reporter_token("session-a", "203.0.113.5", key=b"j" * 32, day=day)
    six = [reports.reporter_token("s", f"2001:db8:1:2::{n}", key=key, day=day) for n in (1, 9)]
    assert six[0] == six[1]  # one IPv6 /64 is one visitor
    assert reports.reporter_token("session-a", None, key=key, day=day) == "session-a"
