"""Safe saves: validation, atomic replace, backups, audit log, locking, conflicts, faults.

Fault injection is real where it can be: processes are killed with SIGKILL in
the middle of an import, a lock holder is killed while holding the lock, and
writers race each other in threads and processes. A full disk and a failing
rename are simulated by replacing the write and ``os.replace``.
"""

from __future__ import annotations

import csv
import errno
import fcntl
import hashlib
import io
import itertools
import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import filelock
import pandas as pd
import pytest

from directory import storage
from directory.csvfile import write_csv_text
from directory.dataset import load_clinics, parse_clinics
from directory.errors import (
    DataConflictError,
    DataFileError,
    InvalidDataError,
    QueryError,
    SaveError,
)
from directory.gazetteer import get_gazetteer
from directory.history import KEEP_BACKUPS, new_backup_path, resolve_backup
from directory.storage import CoordinateFill
from tests.conftest import REPO_ROOT, TODAY, csv_text, row, telehealth_row, write_csv

A = row(id="clinic-a", phone="(303) 555-0101")
B = row(id="clinic-b", name="Clinic B", address="2 Main St", phone="(303) 555-0102")
C = telehealth_row(id="clinic-c")
KILL_SEED = 20261120
"""Seed of the kill delays in the SIGKILL test."""
AUDIT_KEYS = {
    "time",
    "who",
    "action",
    "file",
    "what",
    "rows_before",
    "rows_after",
    "sha256_old",
    "sha256_new",
    "backup",
}


def canonical(content: str | bytes) -> bytes:
    """What a save writes for this CSV content."""
    return write_csv_text(parse_clinics(content, today=TODAY).table).encode("utf-8")


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def audit_lines(data: Path) -> list[dict[str, Any]]:
    log = data.parent / "audit.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


def leftovers(folder: Path) -> list[str]:
    """Temporary files a save left behind, anywhere under ``folder``."""
    return sorted(p.name for p in folder.rglob("*.tmp"))


def save(data: Path, new: pd.DataFrame | str | bytes, **kwargs: Any) -> storage.SaveResult:
    kwargs.setdefault("who", "alice")
    kwargs.setdefault("today", TODAY)
    return storage.save_clinics(data, new, **kwargs)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A valid data file of two clinics, not yet written by a save."""
    return write_csv(tmp_path, csv_text(A, B))


# --- round trips --------------------------------------------------------------------------


def test_round_trip_keeps_unknown_columns_and_the_order_of_columns_and_rows(
    tmp_path: Path,
) -> None:
    header = ("referral", *tuple(A)[:5], "internal notes", *tuple(A)[5:])
    rows = [
        {**C, "referral": " R-3 ", "internal notes": "call back"},
        {**A, "referral": "", "internal notes": "=not a formula?"},
        {**B, "referral": "R-1", "internal notes": ""},
    ]
    data = write_csv(tmp_path, csv_text(*rows, header=header))
    loaded = load_clinics(data, today=TODAY)
    result = save(data, loaded.table, action="edit")
    again = load_clinics(data, today=TODAY)
    written_header = data.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert written_header == list(header)
    assert again.table["id"].tolist() == ["clinic-c", "clinic-a", "clinic-b"]
    assert again.table["referral"].tolist() == [" R-3 ", "", "R-1"]
    assert again.table["internal notes"].tolist() == ["call back", "=not a formula?", ""]
    assert result.changes.is_empty
    # Saving what was loaded is a fixed point: a second save writes nothing.
    assert save(data, again.table).backup is None
    assert data.read_bytes() == result.path.read_bytes() == write_csv_text(again.table).encode()


def test_text_and_bytes_are_validated_and_written_as_canonical_utf8(data: Path) -> None:
    cp1252 = csv_text({**A, "notes": "Café downstairs"}, C).encode("cp1252")
    result = save(data, cp1252)
    assert data.read_bytes() == canonical(cp1252)
    assert "Café downstairs" in data.read_text(encoding="utf-8")
    assert any("Windows-1252" in p.message for p in result.report.warnings)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")  # Excel in many locales
    writer.writerow(tuple(A))
    writer.writerows([list(A.values()), list(C.values())])
    semicolons = buffer.getvalue()
    save(data, semicolons)
    assert data.read_bytes() == canonical(semicolons)
    assert data.read_text(encoding="utf-8").startswith("id,name,kind,")


def test_a_new_data_file_is_created_without_a_backup(tmp_path: Path) -> None:
    data = tmp_path / "clinics.csv"
    result = save(data, csv_text(A))
    assert data.read_bytes() == canonical(csv_text(A))
    assert result.backup is None
    assert result.changes.added == ["clinic-a"]
    entry = audit_lines(data)[-1]
    assert entry["sha256_old"] is None
    assert (entry["rows_before"], entry["rows_after"]) == (0, 1)


def test_saving_identical_content_writes_and_logs_nothing(data: Path) -> None:
    save(data, csv_text(A, B))
    before = (data.read_bytes(), data.stat().st_mtime_ns, len(audit_lines(data)))
    result = save(data, csv_text(A, B))
    assert result.backup is None
    assert result.audit["written"] is False
    assert result.changes.is_empty
    assert (data.read_bytes(), data.stat().st_mtime_ns, len(audit_lines(data))) == before


def test_file_mode_is_kept_and_a_symlinked_data_file_stays_a_symlink(tmp_path: Path) -> None:
    real = write_csv(tmp_path, csv_text(A), name="real.csv")
    real.chmod(0o640)
    link = tmp_path / "clinics.csv"
    link.symlink_to(real)
    save(link, csv_text(A, B))
    assert link.is_symlink()
    assert real.read_bytes() == canonical(csv_text(A, B))
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


# --- validation ---------------------------------------------------------------------------


def test_invalid_data_is_refused_with_its_report_and_nothing_changes(data: Path) -> None:
    original = data.read_bytes()
    bad = csv_text(A, {**B, "kind": "spaceship", "zip": "not a zip"})
    with pytest.raises(InvalidDataError, match="nothing was saved") as caught:
        save(data, bad)
    report = caught.value.report  # type: ignore[attr-defined]
    assert not report.valid
    assert {p.column for p in report.errors} >= {"kind", "zip"}
    assert data.read_bytes() == original
    assert not (data.parent / "backups").exists()
    assert audit_lines(data) == []


def test_warnings_are_allowed_and_returned(data: Path) -> None:
    stale = csv_text(A, {**B, "last_verified": "2020-01-01"})
    result = save(data, stale)
    assert result.report.valid
    assert any(p.column == "last_verified" for p in result.report.warnings)


def test_the_admin_must_be_named(data: Path) -> None:
    with pytest.raises(ValueError, match="who"):
        save(data, csv_text(A), who="  \n ")


# --- backups ------------------------------------------------------------------------------


def test_each_save_backs_up_the_previous_file(data: Path) -> None:
    first = data.read_bytes()
    result = save(data, csv_text(A, B, C))
    assert result.backup is not None
    assert result.backup.parent == data.parent / "backups"
    assert result.backup.read_bytes() == first
    stamp = datetime.strptime(result.backup.name, "clinics-%Y%m%dT%H%M%SZ.csv").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60
    second = data.read_bytes()
    result = save(data, csv_text(A))
    assert result.backup is not None
    assert result.backup.read_bytes() == second
    backups = storage.list_backups(data)
    assert next(b.path for b in backups) == result.backup  # newest first
    assert [b.rows for b in backups] == [3, 2]


def test_backups_in_the_same_second_get_a_counter(tmp_path: Path) -> None:
    data = tmp_path / "clinics.csv"
    moment = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
    first = new_backup_path(data, moment)
    assert first.name == "clinics-20261120T143000Z.csv"
    first.parent.mkdir()
    first.write_text("x")
    second = new_backup_path(data, moment)
    assert second.name == "clinics-20261120T143000Z-2.csv"
    second.write_text("x")
    assert new_backup_path(data, moment).name == "clinics-20261120T143000Z-3.csv"
    assert [b.path.name for b in storage.list_backups(data)] == [second.name, first.name]


def test_backups_are_pruned_to_the_last_30(data: Path) -> None:
    folder = data.parent / "backups"
    folder.mkdir()
    first_day = datetime(2026, 1, 1, tzinfo=UTC)
    for day in range(32):
        stamp = (first_day + timedelta(days=day)).strftime("%Y%m%dT%H%M%SZ")
        (folder / f"clinics-{stamp}.csv").write_text("old")
    unrelated = [folder / "README.txt", folder / "other-20200101T000000Z.csv"]
    for path in unrelated:
        path.write_text("keep me")
    result = save(data, csv_text(A, C))
    names = [b.path.name for b in storage.list_backups(data)]
    assert len(names) == KEEP_BACKUPS
    assert result.backup is not None
    assert names[0] == result.backup.name
    assert "clinics-20260101T000000Z.csv" not in names
    assert "clinics-20260104T000000Z.csv" in names
    assert all(path.exists() for path in unrelated)


def test_restore_is_a_save_of_the_backup(data: Path) -> None:
    # How a restore is saved (directory.admin.save_review): the backup, validated and
    # saved like any data, with its name in the audit line.
    save(data, csv_text(A, B))
    original = data.read_bytes()
    edited = save(data, csv_text(A, C))
    assert edited.backup is not None
    chosen = resolve_backup(data, edited.backup)
    restored = storage.save_loaded(
        data,
        parse_clinics(chosen.read_bytes()),
        who="carol",
        action="restore",
        audit_extra={"restored_from": chosen.name},
    )
    assert data.read_bytes() == original
    assert restored.changes.added == ["clinic-b"]
    assert restored.changes.removed == ["clinic-c"]
    assert restored.backup is not None  # the edited version is kept too
    entry = audit_lines(data)[-1]
    assert (entry["action"], entry["who"]) == ("restore", "carol")
    assert entry["restored_from"] == edited.backup.name


def test_restore_refuses_files_outside_the_backups_folder(data: Path, tmp_path: Path) -> None:
    save(data, csv_text(A, C))
    elsewhere = write_csv(tmp_path, csv_text(A), name="clinics-20260101T000000Z.csv")
    sneaky = tmp_path / "backups" / ".." / "clinics-20260101T000000Z.csv"
    for candidate in (elsewhere, sneaky, Path("/etc/passwd"), tmp_path / "backups" / "nope.csv"):
        with pytest.raises(DataFileError, match=r"not a backup|no such backup"):
            resolve_backup(data, candidate)


# --- audit log ----------------------------------------------------------------------------


def test_audit_lines_are_json_with_the_required_keys(data: Path) -> None:
    old = data.read_bytes()
    result = save(data, csv_text({**A, "phone": "(303) 555-0199"}, C), who="Dana Admin")
    entries = audit_lines(data)
    assert len(entries) == 1
    entry = entries[0]
    assert set(entry) >= AUDIT_KEYS
    assert entry == result.audit
    assert datetime.fromisoformat(entry["time"]).tzinfo is not None
    assert entry["time"].endswith("Z")
    assert (entry["who"], entry["action"], entry["file"]) == ("Dana Admin", "save", "clinics.csv")
    assert entry["what"]["added"] == ["clinic-c"]
    assert entry["what"]["removed"] == ["clinic-b"]
    assert entry["what"]["changed"] == {"clinic-a": ["phone"]}
    assert (entry["rows_before"], entry["rows_after"]) == (2, 2)
    assert entry["sha256_old"] == sha(old)
    assert entry["sha256_new"] == storage.file_sha256(data) == result.sha256
    assert result.backup is not None
    assert entry["backup"] == result.backup.name
    # Ids and column names only: never the values themselves.
    assert "555-0199" not in json.dumps(entry)


def test_read_audit_log_is_newest_first_and_survives_a_torn_line(data: Path) -> None:
    save(data, csv_text(A), who="one")
    save(data, csv_text(A, C), who="two")
    log = data.parent / "audit.log"
    with log.open("ab") as handle:
        handle.write(b'{"time": "2026-11-20T14:3')  # a writer killed mid-line
    assert [e["who"] for e in storage.read_audit_log(data)] == ["two", "one"]
    save(data, csv_text(A, B), who="three")
    assert [e["who"] for e in storage.read_audit_log(data)] == ["three", "two", "one"]
    assert [e["who"] for e in storage.read_audit_log(data, limit=2)] == ["three", "two"]


def test_read_audit_log_reads_the_tail_of_a_long_log(tmp_path: Path) -> None:
    data = tmp_path / "clinics.csv"
    lines = [json.dumps({"file": "clinics.csv", "n": i, "pad": "x" * 200}) for i in range(5000)]
    lines.insert(4990, json.dumps({"file": "other.csv", "n": -1}))
    lines.insert(4995, "not json at all")
    (tmp_path / "audit.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [e["n"] for e in storage.read_audit_log(data, limit=3)] == [4999, 4998, 4997]
    assert [e["n"] for e in storage.read_audit_log(data, limit=12)][-1] == 4988
    assert storage.read_audit_log(tmp_path / "missing" / "x.csv") == []


# --- optimistic saves ---------------------------------------------------------------------


def test_a_save_based_on_an_old_hash_is_refused_and_writes_nothing(data: Path) -> None:
    opened = storage.file_sha256(data)
    save(data, csv_text(A, B, C), who="bob")  # someone else saves first
    after_bob = (data.read_bytes(), sorted((data.parent / "backups").iterdir()))
    log_size = len(audit_lines(data))
    with pytest.raises(DataConflictError) as caught:
        save(data, csv_text(A), who="alice", based_on_sha256=opened)
    assert str(caught.value) == (
        "someone else changed the data since you opened it; nothing was saved"
    )
    # The base version is in the backups, so the message says what the others changed.
    assert "Changes made by others" in caught.value.changes
    assert "+ added clinic-c" in caught.value.changes
    assert (data.read_bytes(), sorted((data.parent / "backups").iterdir())) == after_bob
    assert len(audit_lines(data)) == log_size
    # Based on the current hash, the same save goes through.
    save(data, csv_text(A), based_on_sha256=storage.file_sha256(data))
    assert data.read_bytes() == canonical(csv_text(A))


def test_a_conflict_without_the_base_version_shows_your_changes(data: Path) -> None:
    with pytest.raises(DataConflictError) as caught:
        save(data, csv_text(A), based_on_sha256="0" * 64)
    assert "Your version compared with the current file" in caught.value.changes
    assert "- removed clinic-b" in caught.value.changes


def test_file_sha256(data: Path) -> None:
    assert storage.file_sha256(data) == sha(data.read_bytes())
    with pytest.raises(DataFileError, match="no such file"):
        storage.file_sha256(data.parent / "missing.csv")


# --- coordinates and verification -------------------------------------------------------


class FakeGeocoder:
    """geopy's ``geocode(query)``: answers from a table, or raises, and records queries."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.queries: list[str] = []

    def geocode(self, query: str) -> Any:
        self.queries.append(query)
        answer = self.answers.get(query.split(",")[0])
        if isinstance(answer, Exception):
            raise answer
        return None if answer is None else SimpleNamespace(latitude=answer[0], longitude=answer[1])


def blank_coordinates_table() -> pd.DataFrame:
    rows = [
        A,  # has coordinates
        row(id="near", name="Near", address="1 Near St", latitude="", longitude=""),
        row(id="far", name="Far", address="2 Far St", latitude="", longitude=""),
        row(id="down", name="Down", address="3 Down St", latitude="", longitude=""),
        row(id="nowhere", name="X", address="4 X St", zip="00001", latitude="", longitude=""),
        C,  # telehealth: no place at all
    ]
    return load_clinics_text(csv_text(*rows))


def load_clinics_text(text: str) -> pd.DataFrame:
    return parse_clinics(text, today=TODAY).table


def test_fill_coordinates_offline_uses_the_zip_centroid() -> None:
    table = blank_coordinates_table()
    before = table.copy()
    seen: list[str] = []
    filled, fills = storage.fill_coordinates(table, progress=lambda fill: seen.append(fill.id))
    centre = get_gazetteer().zip_point("80202")
    assert centre is not None
    by_id = {fill.id: fill for fill in fills}
    assert list(by_id) == seen == ["near", "far", "down", "nowhere"]
    assert by_id["near"] == CoordinateFill(
        "near", 3, "zip", round(centre[0], 5), round(centre[1], 5)
    )
    assert by_id["nowhere"] == CoordinateFill("nowhere", 6, "none", None, None)
    rows = filled.set_index("id")
    assert rows.loc["near", "latitude"] == round(centre[0], 5)
    assert rows.loc["clinic-a", "latitude"] == 39.7501  # given coordinates are kept
    assert pd.isna(rows.loc["clinic-c", "latitude"])  # telehealth untouched
    assert not rows.loc["near", "_coordinates_approximate"]
    pd.testing.assert_frame_equal(table, before)  # the caller's table is not modified


def test_fill_coordinates_online_prefers_the_address_and_falls_back_to_the_zip() -> None:
    online = FakeGeocoder(
        {
            "1 Near St": (39.7512345678, -104.9987654321),
            "2 Far St": (40.7128, -74.0060),  # New York: not in ZIP 80202, so not trusted
            "3 Down St": RuntimeError("service unavailable"),
            "4 X St": (39.5, -105.0),  # an unknown ZIP cannot be checked: trusted
        }
    )
    _, fills = storage.fill_coordinates(blank_coordinates_table(), online=online)
    by_id = {fill.id: fill for fill in fills}
    assert (by_id["near"].precision, by_id["near"].lat, by_id["near"].lon) == (
        "address",
        39.75123,
        -104.99877,
    )
    assert by_id["far"].precision == "zip"
    assert by_id["down"].precision == "zip"
    assert by_id["nowhere"].precision == "address"
    assert online.queries[0] == "1 Near St, Denver, CO 80202"


def test_filled_coordinates_save_and_load_back(data: Path) -> None:
    table = blank_coordinates_table()
    table = table[table["id"] != "nowhere"]
    save(data, table)
    filled, _ = storage.fill_coordinates(table)
    result = save(data, filled, action="geocode")
    again = load_clinics(data, today=TODAY).table.set_index("id")
    filled_ids = ["near", "far", "down"]
    assert again.loc[filled_ids, "latitude"].notna().all()
    # Filled offline from ZIP centres: the pins stay marked approximate for patients.
    assert again.loc[filled_ids, "_coordinates_approximate"].all()
    assert not again.loc["clinic-a", "_coordinates_approximate"]
    assert [c.column for c in result.changes.changed["near"]] == ["latitude", "longitude"]
    assert set(result.changes.changed) == {"near", "far", "down"}


def test_mark_verified_sets_the_date_for_the_given_ids_only() -> None:
    table = load_clinics_text(csv_text(A, B, C))
    marked = storage.mark_verified(table, iter(["clinic-a", "clinic-c"]), date(2026, 11, 19))
    assert marked.set_index("id")["last_verified"].to_dict() == {
        "clinic-a": "2026-11-19",
        "clinic-b": "2026-09-14",
        "clinic-c": "2026-11-19",
    }
    assert table["last_verified"].tolist() == ["2026-09-14"] * 3
    with pytest.raises(QueryError, match="'nope'"):
        storage.mark_verified(table, ["clinic-a", "nope"], date(2026, 11, 19))


# --- faults -------------------------------------------------------------------------------


def test_a_failed_replace_leaves_the_original_and_no_debris(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = data.read_bytes()
    real_replace = os.replace

    def failing_replace(source: Any, target: Any) -> None:
        if Path(target) == data:
            raise OSError(errno.EIO, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(SaveError, match="nothing was changed"):
        save(data, csv_text(A, C))
    assert data.read_bytes() == original
    assert leftovers(data.parent) == []
    assert list((data.parent / "backups").iterdir()) == []  # the backup is withdrawn too
    assert audit_lines(data) == []
    monkeypatch.undo()
    save(data, csv_text(A, C))
    assert data.read_bytes() == canonical(csv_text(A, C))


@pytest.mark.parametrize("failing", ["every write", "only the data file"])
def test_a_full_disk_leaves_the_original_intact_and_says_so(
    data: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    original = data.read_bytes()
    real_write_all = storage._write_all

    def full_disk(fd: int, content: bytes) -> None:
        target = os.readlink(f"/proc/self/fd/{fd}")
        if failing == "only the data file" and "/backups/" in target:
            real_write_all(fd, content)
            return
        os.write(fd, content[: len(content) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage, "_write_all", full_disk)
    with pytest.raises(SaveError) as caught:
        save(data, csv_text(A, C))
    assert str(caught.value) == (
        "the disk is full, so clinics.csv was not saved; nothing was changed"
    )
    assert data.read_bytes() == original
    assert leftovers(data.parent) == []
    assert list((data.parent / "backups").iterdir()) == []
    assert audit_lines(data) == []


def test_temp_files_left_by_a_killed_save_are_cleaned_up(data: Path) -> None:
    debris = [data.parent / ".clinics.csv.abcd1234.tmp", data.parent / "backups" / "x"]
    debris[1].parent.mkdir()
    debris[1] = debris[1].with_name(".clinics-20260101T000000Z.csv.zz_9abcd.tmp")
    for path in debris:
        path.write_text("half")
    mine = data.parent / ".someone-elses.tmp"
    mine.write_text("not ours")
    save(data, csv_text(A, C))
    assert not any(path.exists() for path in debris)
    assert mine.exists()


# --- locking ------------------------------------------------------------------------------


def test_the_lock_is_an_os_flock_held_during_the_save(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.platform.startswith("linux"):
        assert filelock.FileLock is filelock.UnixFileLock  # flock(2), released by the kernel
    seen: list[bool] = []
    real = storage._write_atomically

    def probe(target: Path, content: bytes, mode: int, **kwargs: Any) -> None:
        fd = os.open(data.with_name("clinics.csv.lock"), os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            seen.append(False)
        except BlockingIOError:
            seen.append(True)
        finally:
            os.close(fd)
        real(target, content, mode, **kwargs)

    monkeypatch.setattr(storage, "_write_atomically", probe)
    save(data, csv_text(A, C))
    assert seen == [True, True]  # held while writing the backup and the data


def test_a_busy_lock_times_out_with_a_clear_message(data: Path) -> None:
    holder = filelock.FileLock(str(data.with_name("clinics.csv.lock")))
    with holder:
        start = time.monotonic()
        with pytest.raises(SaveError, match="another save is in progress; try again"):
            save(data, csv_text(A, C), lock_timeout_seconds=0.3)
        assert time.monotonic() - start < 5
    save(data, csv_text(A, C), lock_timeout_seconds=0.3)


def test_a_lock_held_by_a_killed_process_does_not_block_the_next_save(data: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from filelock import FileLock\n"
            "lock = FileLock(sys.argv[1])\n"  # kept referenced: a collected lock is released
            "lock.acquire()\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n",
            str(data.with_name("clinics.csv.lock")),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(SaveError, match="another save is in progress"):
            save(data, csv_text(A, C), lock_timeout_seconds=0.2)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert data.with_name("clinics.csv.lock").exists()  # the file stays; the flock is gone
    save(data, csv_text(A, C), lock_timeout_seconds=5)
    assert data.read_bytes() == canonical(csv_text(A, C))


# --- concurrency --------------------------------------------------------------------------


def test_threads_saving_at_once_serialise_and_every_save_is_audited(data: Path) -> None:
    versions = [csv_text(A, row(id=f"clinic-{i}", name=f"Clinic {i}")) for i in range(6)]
    barrier = threading.Barrier(len(versions))
    errors: list[BaseException] = []

    def writer(text: str) -> None:
        barrier.wait()
        try:
            save(data, text, who=threading.current_thread().name, lock_timeout_seconds=60)
        except BaseException as error:  # collected and re-raised below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(text,)) for text in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert data.read_bytes() in {canonical(text) for text in versions}
    entries = audit_lines(data)
    assert len(entries) == len(versions)
    # Each save starts from the previous one's result: a chain, nothing lost in between.
    for earlier, later in itertools.pairwise(entries):
        assert later["sha256_old"] == earlier["sha256_new"]
    assert entries[-1]["sha256_new"] == storage.file_sha256(data)


def big_table(rows: int, variant: str) -> pd.DataFrame:
    """A valid table of ``rows`` clinics built from the shipped sample (fast to make)."""
    sample = load_clinics(REPO_ROOT / "data" / "clinics.csv", today=TODAY).table
    copies = -(-rows // len(sample))
    parts = [
        sample.assign(id=sample["id"] + f"-{variant}{k}", name=sample["name"] + f" {variant}{k}")
        for k in range(copies)
    ]
    return pd.concat(parts, ignore_index=True).head(rows)


def run_import(new: Path, data: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "directory", "import", str(new), "--yes", "--data", str(data)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_until_saving(process: subprocess.Popen[str]) -> None:
    """Read the import's output up to the diff, printed just before it starts saving."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Changes to "):
            return
    raise AssertionError("the import ended before it started saving")


@pytest.mark.slow
def test_two_processes_importing_at_once_leave_one_whole_file(tmp_path: Path) -> None:
    data = tmp_path / "clinics.csv"
    first = write_csv(tmp_path, write_csv_text(big_table(1000, "x")), name="first.csv")
    second = write_csv(tmp_path, write_csv_text(big_table(1000, "y")), name="second.csv")
    save(data, write_csv_text(big_table(1000, "old")))
    processes = [run_import(first, data), run_import(second, data)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert data.read_bytes() in {canonical(first.read_bytes()), canonical(second.read_bytes())}
    entries = audit_lines(data)[1:]
    assert [e["action"] for e in entries] == ["import", "import"]
    assert entries[1]["sha256_old"] == entries[0]["sha256_new"]
    assert entries[1]["sha256_new"] == storage.file_sha256(data)


@pytest.mark.slow
def test_sigkill_during_imports_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    data = tmp_path / "clinics.csv"
    old_text = write_csv_text(big_table(8000, "old"))
    new = write_csv(tmp_path, write_csv_text(big_table(8000, "new")), name="big.csv")
    # How long saving takes here (measured in this process), to aim the kills at it.
    save(data, new.read_bytes())
    start = time.monotonic()
    save(data, old_text)
    saving = time.monotonic() - start
    contents = {"old": data.read_bytes(), "new": canonical(new.read_bytes())}
    sources = {
        name: write_csv(tmp_path, body, name=f"{name}.csv") for name, body in contents.items()
    }

    # Seeded, so a failure can be rerun; each kill is jittered within its own quarter of
    # the window (0 to 1.2 x the save time), so the kills land early, midway, late and
    # after the save, not wherever chance puts four of them.
    rng = random.Random(KILL_SEED)
    kills = 4
    outcomes: list[tuple[float, str]] = []
    for k in range(kills):  # each a real `python -m directory import`, killed with SIGKILL
        # Import the other version each time, so a kill always lands between two files.
        current = "new" if data.read_bytes() == contents["new"] else "old"
        target = "old" if current == "new" else "new"
        process = run_import(sources[target], data)
        wait_until_saving(process)
        delay = rng.uniform(k / kills, (k + 1) / kills) * 1.2 * saving
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        content = data.read_bytes()
        state = "unchanged" if content == contents[current] else "replaced"
        outcomes.append((round(delay, 3), state if content in contents.values() else "MIXED"))
        assert content in (contents[current], contents[target]), (KILL_SEED, outcomes)
    debris = leftovers(tmp_path)
    print(f"saving takes {saving:.2f} s; kill delay and file after it: {outcomes}; {debris=}")
    # A later save succeeds at once (no stale lock) and cleans up any temp file.
    save(data, csv_text(A), lock_timeout_seconds=5)
    assert data.read_bytes() == canonical(csv_text(A))
    assert leftovers(tmp_path) == []
