"""``python -m directory reports`` and ``reports resolve``: in-process through ``main(argv)``
(:class:`cli_support.Cli`), and one smoke test of the real entry point in a subprocess.

Exit codes: 0 done, 1 refused (unknown or already resolved ids, a listing no longer in
the data), 2 bad usage or a database that cannot be used.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import Cli, run_module
from conftest import csv_text, row, telehealth_row, write_csv

from directory import reports, storage
from directory.dataset import load_clinics
from directory.reports import ReportStore

A, B = "clinic-a", "clinic-b"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv(reports.REPORTS_DB_ENV, raising=False)
    return Cli(capsys, monkeypatch)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path, csv_text(row(id=A, last_verified="2024-01-01"), telehealth_row(id=B))
    )


@pytest.fixture
def store(data: Path) -> ReportStore:
    return ReportStore(data.parent / reports.DEFAULT_FILE_NAME)


def seed(store: ReportStore) -> list[int]:
    known = {A, B}
    return [
        store.submit(A, "wrong_phone", "Rings out\nevery time", session="s1", known_ids=known).id,
        store.submit(B, "other", "\x1b[31m[x](https://evil.example.com)", session="s2",
                     known_ids=known).id,
    ]  # fmt: skip


def test_no_database_yet_is_not_an_error(cli, data):
    done = cli("reports", "--data", data)
    assert done.code == 0
    assert "no open problem reports" in done.out
    assert not (data.parent / reports.DEFAULT_FILE_NAME).exists()


def test_text_lists_open_reports_newest_first_on_one_line_each(cli, data, store):
    first, second = seed(store)
    done = cli("reports", "--data", data)
    assert done.code == 0
    assert "2 open reports about 2 listing(s)" in done.out
    assert done.out.index(f"#{second}") < done.out.index(f"#{first}")
    assert "note: Rings out every time" in done.out
    assert "\x1b" not in done.out  # nothing a terminal would run


def test_json_holds_every_field_and_all_includes_resolved(cli, data, store):
    first, second = seed(store)
    store.resolve([first], action="dismissed", who="Dana", note="fine")
    done = cli("reports", "--data", data, "--format", "json")
    assert done.code == 0
    document = json.loads(done.out)
    assert document["database"] == str(store.path)
    assert [r["id"] for r in document["reports"]] == [second]
    everything = json.loads(cli("reports", "--data", data, "--format", "json", "--all").out)
    by_id = {r["id"]: r for r in everything["reports"]}
    assert set(by_id) == {first, second}
    assert by_id[first]["status"] == "dismissed"
    assert by_id[first]["resolved_by"] == "Dana"
    assert by_id[first]["note"] == "Rings out\nevery time"
    assert set(by_id[first]) == {
        "id", "clinic_id", "kind", "note", "created_at", "status", "resolved_at",
        "resolved_by", "resolution_note",
    }  # fmt: skip


def test_the_database_setting_is_honoured(cli, data, tmp_path, monkeypatch):
    elsewhere = ReportStore(tmp_path / "elsewhere.sqlite3")
    elsewhere.submit(A, "closed", session="s", known_ids={A})
    monkeypatch.setenv(reports.REPORTS_DB_ENV, str(elsewhere.path))
    assert "1 open report about 1 listing(s)" in cli("reports", "--data", data).out


def test_resolve_dismissed_closes_and_logs(cli, data, store):
    first, second = seed(store)
    done = cli("reports", "resolve", first, "--action", "dismissed", "--note", "ok", "--data", data)
    assert done.code == 0, done.err
    assert f"resolved 1 report(s) as dismissed: {first}" in done.out
    assert store.get([first])[0].status == "dismissed"
    assert store.get([second])[0].status == "open"
    [entry] = storage.read_audit_log(data)
    assert (entry["action"], entry["resolution"]) == (reports.AUDIT_ACTION, "dismissed")
    assert entry["who"]


def test_resolve_verified_saves_the_listing(cli, data, store):
    first, _ = seed(store)
    done = cli("reports", "--data", data, "resolve", first, "--action", "verified")
    assert done.code == 0, done.err
    assert "saved" in done.out
    table = load_clinics(data).table.set_index("id")
    assert table.loc[A, "last_verified"] != "2024-01-01"
    assert [e["action"] for e in storage.read_audit_log(data)] == [reports.AUDIT_ACTION, "verify"]


@pytest.mark.parametrize(
    ("ids", "message"),
    [(["999"], "no report with id 999"), (["1", "999"], "no report with id 999")],
)
def test_resolving_unknown_ids_is_refused_and_changes_nothing(cli, data, store, ids, message):
    seed(store)
    done = cli("reports", "resolve", *ids, "--action", "fixed", "--data", data)
    assert done.code == 1
    assert message in done.err
    assert store.open_count() == 2


def test_resolving_twice_is_refused(cli, data, store):
    first, _ = seed(store)
    assert cli("reports", "resolve", first, "--action", "fixed", "--data", data).code == 0
    again = cli("reports", "resolve", first, "--action", "fixed", "--data", data)
    assert again.code == 1
    assert "already resolved" in again.err


def test_verified_for_a_listing_gone_from_the_data_is_refused(cli, data, store):
    first, _ = seed(store)
    data.write_text(csv_text(telehealth_row(id=B)), encoding="utf-8")
    done = cli("reports", "resolve", first, "--action", "verified", "--data", data)
    assert done.code == 1
    assert A in done.err
    assert store.get([first])[0].status == "open"


@pytest.mark.parametrize(
    "args",
    [
        ("reports", "resolve", "--action", "fixed"),
        ("reports", "resolve", "1"),
        ("reports", "resolve", "one", "--action", "fixed"),
        ("reports", "resolve", "0", "--action", "fixed"),
        ("reports", "resolve", "1", "--action", "deleted"),
        ("reports", "--format", "xml"),
    ],
)
def test_bad_usage_exits_2(cli, data, args):
    done = cli(*args, "--data", data) if args[1] != "resolve" else cli(*args)
    assert done.code == 2


def test_an_unusable_database_exits_2_with_the_reason(cli, data, store):
    store.path.write_bytes(b"not sqlite " * 100)
    done = cli("reports", "--data", data)
    assert done.code == 2
    assert "not a SQLite database" in done.err


@pytest.mark.slow
def test_the_real_entry_point(data, store):
    first, _ = seed(store)
    listed = run_module("reports", "--data", data, "--format", "json")
    assert listed.code == 0
    assert len(json.loads(listed.out)["reports"]) == 2
    resolved = run_module("reports", "resolve", first, "--action", "fixed", "--data", data)
    assert resolved.code == 0, resolved.err
    refused = run_module("reports", "resolve", first, "--action", "fixed", "--data", data)
    assert refused.code == 1
