"""The admin workflow without a browser: read with a hash, review, save against that hash.

Real files in ``tmp_path`` throughout; nothing is faked.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from directory import admin, auth, storage
from directory.csvfile import write_csv_text
from directory.dataset import load_clinics, parse_clinics
from directory.errors import (
    DataConflictError,
    DataFileError,
    InvalidDataError,
    QueryError,
    SaveError,
)
from directory.ui.common import user_message
from tests.conftest import HEADER, TODAY, csv_text, row, telehealth_row, write_csv

A = row(id="clinic-a", phone="(303) 555-0101")
B = row(id="clinic-b", name="Clinic B", address="2 Main St", phone="(303) 555-0102")
C = telehealth_row(id="clinic-c")


def canonical(content: str | bytes) -> bytes:
    return write_csv_text(parse_clinics(content, today=TODAY).table).encode("utf-8")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_csv(tmp_path, csv_text(A, B))


# --- reading the current data -------------------------------------------------------------


def test_read_current_gives_the_bytes_their_hash_and_the_parsed_table(data: Path) -> None:
    current = admin.read_current(data, today=TODAY)
    assert current.data == data.read_bytes()
    assert current.sha256 == storage.file_sha256(data)
    assert current.loaded.table["id"].tolist() == ["clinic-a", "clinic-b"]
    assert current.error is None
    assert current.require() is current


def test_read_current_uses_the_given_parser_with_the_hash(data: Path) -> None:
    seen: list[str] = []

    def parse(content: bytes, sha256: str) -> object:
        seen.append(sha256)
        return parse_clinics(content, today=TODAY)

    current = admin.read_current(data, parse=parse)  # type: ignore[arg-type]
    assert seen == [current.sha256]


def test_a_missing_or_unreadable_file_is_reported_not_raised(tmp_path: Path) -> None:
    missing = admin.read_current(tmp_path / "nope.csv")
    assert (missing.data, missing.sha256, missing.missing) == (None, None, True)
    assert list(missing.loaded.table.columns[: len(HEADER)]) == list(HEADER)
    assert missing.loaded.table.empty
    assert missing.require(allow_missing=True) is missing
    with pytest.raises(DataFileError, match="no such file"):
        missing.require()
    folder = admin.read_current(tmp_path)  # a folder exists, but is no file
    assert folder.error is not None
    assert not folder.missing
    with pytest.raises(DataFileError):
        folder.require(allow_missing=True)


# --- reviews ------------------------------------------------------------------------------


def test_review_csv_with_a_real_file(tmp_path: Path) -> None:
    current = parse_clinics(csv_text(row(), telehealth_row()), today=TODAY)
    upload = tmp_path / "upload.csv"
    upload.write_text(
        csv_text(row(name="Mile High Ketamine (renamed)"), row(id="new-one", address="9 Elm St")),
        encoding="utf-8",
    )
    review = admin.review_csv(upload.read_bytes(), current.table, today=TODAY)
    assert review.report.valid
    assert review.can_save
    assert review.payload == upload.read_bytes()
    assert review.changes.added == ["new-one"]
    assert review.changes.removed == ["homeward-telehealth"]
    [change] = review.changes.changed["mile-high-ketamine-denver"]
    assert (change.column, change.new) == ("name", "Mile High Ketamine (renamed)")
    assert not any(str(c).startswith("_") for c in review.table.columns)


def test_review_csv_blocks_errors_and_no_op_uploads() -> None:
    current = parse_clinics(csv_text(row()), today=TODAY)
    bad = admin.review_csv(csv_text(row(state="ZZ")).encode(), current.table, today=TODAY)
    assert not bad.report.valid
    assert not bad.can_save
    same = admin.review_csv(csv_text(row()), current.table, today=TODAY)
    assert same.report.valid
    assert same.changes.is_empty
    assert not same.can_save


def editor_base() -> pd.DataFrame:
    return admin.editor_frame(parse_clinics(csv_text(A, B, C), today=TODAY).table)


def test_editor_frame_has_csv_columns_as_strings() -> None:
    frame = editor_base()
    assert list(frame.columns) == list(HEADER)
    assert all(frame[c].map(type).eq(str).all() for c in frame.columns)
    assert frame.loc[0, "latitude"] == "39.7501"
    assert frame.loc[2, "latitude"] == ""


def test_review_edits_change_add_and_delete() -> None:
    base = editor_base()
    edited = base.copy()
    edited.loc[0, "price_per_session_usd"] = "600"
    edited = edited.drop(index=2)  # delete the telehealth row
    added = {**row(id="new-clinic", address="5 New St")}
    edited = pd.concat([edited, pd.DataFrame([added])], ignore_index=True)
    edited.loc[len(edited)] = [None] * len(edited.columns)  # an empty new row is ignored
    review = admin.review_edits(edited, base, today=TODAY)
    assert review.report.valid, review.report.to_text()
    assert review.changes.added == ["new-clinic"]
    assert review.changes.removed == ["clinic-c"]
    [change] = review.changes.changed["clinic-a"]
    assert change.column == "price_per_session_usd"
    assert isinstance(review.payload, str)
    assert review.can_save


def test_review_edits_without_changes_is_empty_and_errors_block() -> None:
    base = editor_base()
    assert admin.review_edits(base.copy(), base, today=TODAY).changes.is_empty
    broken = base.copy()
    broken.loc[0, "phone"] = "call us"
    review = admin.review_edits(broken, base, today=TODAY)
    assert not review.report.valid
    assert not review.can_save


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"], ids=["lone-cr", "lf", "crlf"])
def test_a_line_break_in_an_edited_cell_survives_review_save_and_reload(
    data: Path, newline: str
) -> None:
    # The editor once wrote a lone "\r" unquoted, so the cell split into a second row
    # ("invalid: 2 rows, 7 errors").
    current = admin.read_current(data, today=TODAY)
    base = admin.editor_frame(current.loaded.table)
    edited = base.copy()
    edited.loc[0, "notes"] = f"line one{newline}line two"
    review = admin.review_edits(edited, base, today=TODAY)
    assert review.report.valid, review.report.to_text()
    assert review.report.rows == 2
    [change] = review.changes.changed["clinic-a"]
    assert change.column == "notes"

    admin.save_review(data, review, who="dana", action="edit", based_on=current.sha256)
    again = load_clinics(data, today=TODAY)
    assert again.report.valid
    assert again.table["id"].tolist() == ["clinic-a", "clinic-b"]
    assert "line one" in again.table.loc[0, "notes"]
    assert "line two" in again.table.loc[0, "notes"]
    # Reopened in the editor it is still one cell of one row, and unchanged.
    reopened = admin.editor_frame(again.table)
    assert len(reopened) == 2
    assert admin.review_edits(reopened.copy(), reopened, today=TODAY).changes.is_empty


def test_review_backup_by_name_and_refusal_of_other_files(data: Path, tmp_path: Path) -> None:
    storage.save_clinics(data, csv_text(A, C), who="setup")
    [backup] = storage.list_backups(data)
    current = admin.read_current(data, today=TODAY)
    review = admin.review_backup(data, backup.path.name, current.loaded.table, today=TODAY)
    assert review.restores == backup.path
    assert review.changes.added == ["clinic-b"]
    assert review.can_save
    assert admin.review_backup(data, backup, current.loaded.table).restores == backup.path
    with pytest.raises(DataFileError, match="is not a backup of"):
        admin.review_backup(data, data, current.loaded.table)


# --- saving against the hash that was shown -----------------------------------------------


def test_save_review_saves_against_the_hash_shown(data: Path) -> None:
    current = admin.read_current(data, today=TODAY)
    review = admin.review_csv(csv_text(A, C), current.loaded.table, today=TODAY)
    result = admin.save_review(
        data, review, who="dana", action="upload", based_on=current.sha256, current=current
    )
    assert admin.is_written(result)
    assert data.read_bytes() == canonical(csv_text(A, C))
    assert result.changes.added == ["clinic-c"]
    [entry] = storage.read_audit_log(data)
    assert (entry["who"], entry["action"]) == ("dana", "upload")
    # The same review again is a no-op: nothing written, nothing logged.
    again = admin.save_review(
        data, review, who="dana", action="upload", based_on=storage.file_sha256(data)
    )
    assert not admin.is_written(again)
    assert len(storage.read_audit_log(data)) == 1


def test_a_save_after_someone_elses_is_a_conflict_and_keeps_theirs(data: Path) -> None:
    current = admin.read_current(data, today=TODAY)
    review = admin.review_csv(csv_text(A), current.loaded.table, today=TODAY)
    storage.save_clinics(data, csv_text(A, B, C), who="bob")  # someone else saves first
    theirs = data.read_bytes()
    with pytest.raises(DataConflictError) as caught:
        admin.save_review(data, review, who="dana", action="upload", based_on=current.sha256)
    assert data.read_bytes() == theirs
    details = admin.error_details(caught.value)
    assert details is not None
    assert "+ added clinic-c" in details
    message = user_message(caught.value, for_admin=True, saving=True)
    assert message.startswith("Someone else changed the data since you opened it")
    assert "Their change is kept" in message


def test_an_invalid_review_is_refused_with_its_report(data: Path) -> None:
    current = admin.read_current(data, today=TODAY)
    review = admin.review_csv(csv_text({**A, "kind": "spaceship"}), current.loaded.table)
    original = data.read_bytes()
    with pytest.raises(InvalidDataError) as caught:
        admin.save_review(data, review, who="dana", action="upload", based_on=current.sha256)
    assert data.read_bytes() == original
    details = admin.error_details(caught.value)
    assert details is not None
    assert "spaceship" in details
    assert user_message(caught.value, for_admin=True).startswith("Nothing was saved")


def test_restoring_a_reviewed_backup_records_where_it_came_from(data: Path) -> None:
    original = canonical(data.read_bytes())
    storage.save_clinics(data, original, who="setup")
    storage.save_clinics(data, csv_text(A, C), who="setup")
    newest = storage.list_backups(data)[0]
    current = admin.read_current(data, today=TODAY)
    review = admin.review_backup(data, newest, current.loaded.table, today=TODAY)
    admin.save_review(
        data, review, who="dana", action="restore", based_on=current.sha256, current=current
    )
    assert data.read_bytes() == original
    entry = storage.read_audit_log(data)[0]
    assert (entry["action"], entry["restored_from"]) == ("restore", newest.path.name)


def test_mark_verified_reads_the_file_and_saves_against_the_hash(data: Path) -> None:
    shown = storage.file_sha256(data)
    day = date(2026, 11, 19)
    admin.mark_verified(data, ["clinic-b"], who="dana", based_on=shown, today=day)
    table = load_clinics(data, today=TODAY).table.set_index("id")
    assert table.loc["clinic-b", "last_verified"] == "2026-11-19"
    assert table.loc["clinic-a", "last_verified"] == "2026-09-14"
    assert storage.read_audit_log(data)[0]["action"] == "verify"
    # Based on the old hash: someone (the save above) changed the file since.
    with pytest.raises(DataConflictError):
        admin.mark_verified(data, ["clinic-a"], who="dana", based_on=shown, today=day)
    # A listing removed meanwhile is named; nothing is saved.
    before = data.read_bytes()
    with pytest.raises(QueryError, match="'gone'") as caught:
        admin.mark_verified(
            data, ["gone"], who="dana", based_on=storage.file_sha256(data), today=day
        )
    assert data.read_bytes() == before
    assert user_message(caught.value, for_admin=True, saving=True).startswith("Nothing was saved")


def test_fill_coordinates_reviews_the_filled_table(tmp_path: Path) -> None:
    blank = row(id="clinic-d", name="Clinic D", address="9 Elm St", latitude="", longitude="")
    unknown = row(id="clinic-x", name="X", address="4 X St", zip="00001", latitude="", longitude="")
    data = write_csv(tmp_path, csv_text(A, blank, unknown, C))
    current = admin.read_current(data, today=TODAY)
    filling = admin.fill_coordinates(current, today=TODAY)
    assert [fill.id for fill in filling.fills] == ["clinic-d", "clinic-x"]
    assert [fill.id for fill in filling.placed] == ["clinic-d"]
    assert [r["precision"] for r in filling.rows()] == ["zip", "none"]
    assert set(filling.review.changes.changed) == {"clinic-d"}
    assert not filling.review.can_save  # clinic-x still cannot be placed: an error
    data.write_text(csv_text(A, blank, C), encoding="utf-8")
    current = admin.read_current(data, today=TODAY)
    filling = admin.fill_coordinates(current, today=TODAY)
    assert filling.review.can_save
    admin.save_review(
        data, filling.review, who="dana", action="fill-coordinates", based_on=current.sha256
    )
    table = load_clinics(data, today=TODAY).table.set_index("id")
    assert table.loc["clinic-d", "latitude"] == pytest.approx(39.7541, abs=0.01)
    with pytest.raises(DataFileError):
        admin.fill_coordinates(admin.read_current(tmp_path / "nope.csv"))


# --- errors become words ------------------------------------------------------------------


def test_user_message_for_admins_escapes_and_says_nothing_was_saved(tmp_path: Path) -> None:
    unreadable = DataFileError(f"{tmp_path}/[x](javascript:alert(1)).csv: no such file")
    reading = user_message(unreadable, for_admin=True)
    assert reading.startswith("The data file cannot be read: ")
    assert "\\[x\\]\\(javascript" in reading
    assert user_message(unreadable, for_admin=True, saving=True).startswith(
        "Nothing was saved. The data file cannot be read"
    )
    assert "988" in user_message(unreadable)  # patients get the calm sentence
    busy = SaveError(storage.BUSY_MESSAGE)
    assert user_message(busy, for_admin=True) == "Another save is in progress; try again."
    conflict = DataConflictError(storage.CONFLICT_MESSAGE, "details")
    assert user_message(conflict, for_admin=True).startswith(
        "Someone else changed the data since you opened it; nothing was saved"
    )
    assert admin.error_details(busy) is None


# --- signing in ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def password_hash() -> str:
    return auth.hash_password("open sesame, but longer")


def test_sign_in_checks_name_password_and_lockout(password_hash: str) -> None:
    clock = [1000.0]
    guard = auth.LoginGuard(clock=lambda: clock[0])

    def attempt(password: str, name: str = "  Dana \n Admin ") -> admin.SignIn:
        return admin.sign_in(password, name, password_hash=password_hash, guard=guard, client="s1")

    assert attempt("open sesame, but longer") == admin.SignIn("Dana Admin")
    no_name = attempt("open sesame, but longer", name="   ")
    assert no_name.name is None
    assert "enter your name" in no_name.refusal
    assert guard.global_throttle.failures == 0  # a missing name is not a wrong try
    for guess in range(4):
        assert attempt(f"guess {guess}").refusal == "Wrong password."
    fifth = attempt("guess 5")
    assert "Too many wrong passwords" in fifth.refusal
    locked = attempt("open sesame, but longer")  # the right one, refused unchecked
    assert (locked.name, locked.locked_out) == (None, True)
    clock[0] += 31
    assert attempt("open sesame, but longer").name == "Dana Admin"
    assert admin.sign_in(
        "x", "Dana", password_hash=None, guard=auth.LoginGuard(), client="s"
    ) == admin.SignIn(None, "Wrong password.")
    assert len(attempt("open sesame, but longer", name="n" * 500).name or "") == 100


# --- the data at a glance -----------------------------------------------------------------


def test_health_summary() -> None:
    loaded = parse_clinics(
        csv_text(
            row(last_verified="2026-09-14"),
            row(id="a", name="A", address="2 Main St", last_verified="2025-01-01"),
            row(id="b", name="B", address="3 Main St", last_verified="", latitude="", longitude=""),
        ),
        today=TODAY,
    )
    health = admin.health_summary(loaded, TODAY)
    assert health.stale.to_dict("records") == [
        {"id": "b", "name": "B", "last_verified": "never"},
        {"id": "a", "name": "A", "last_verified": "2025-01-01"},
    ]
    assert health.approximate["id"].tolist() == ["b"]
    assert health.counts.loc["CO", "clinic"] == 3
    empty = admin.health_summary(admin.empty_clinics(TODAY), TODAY)
    assert empty.stale.empty
    assert empty.counts.empty


def test_audit_and_backup_frames() -> None:
    frame = admin.audit_frame([{"who": "a", "changes": {"added": ["x"]}, "n": 1}])
    assert frame.loc[0, "changes"] == '{"added": ["x"]}'
    assert frame.loc[0, "n"] == 1
    problems = admin.problems_frame(parse_clinics(csv_text(row(state="ZZ"))).report.errors)
    assert problems.loc[0, "column"] == "state"
    assert problems.loc[0, "line"] == 2


def test_a_burst_of_parallel_guesses_from_one_address_gets_no_more_than_its_free_tries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Review of issue 12: the wait check and the failure count were not one step, so
    parallel sessions from one address all passed the check while scrypt ran."""
    checked: list[str] = []

    def slow_verify(password: str, encoded: str) -> bool:
        checked.append(password)
        time.sleep(0.05)  # as long as scrypt takes, more or less
        return False

    monkeypatch.setattr(auth, "verify_password", slow_verify)
    guard = auth.LoginGuard()
    start = threading.Barrier(20)

    def guess(n: int) -> None:
        start.wait(timeout=10)
        for attempt in range(3):
            admin.sign_in(
                f"guess {n}-{attempt}",
                "Mallory",
                password_hash="scrypt$x",  # noqa: S106 (never checked: verify is faked)
                guard=guard,
                client=auth.Client(f"session-{n}", "203.0.113.9"),
            )

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert 1 <= len(checked) <= 5  # at most the address's five free tries
