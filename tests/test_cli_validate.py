"""``python -m directory validate`` and ``synth``: output and exit codes.

Exit codes: 0 valid (warnings allowed), 1 invalid content (including empty or binary
files), 2 the file cannot be opened or the command line is wrong. The command line runs
in-process (:class:`cli_support.Cli`); a few tests run the real ``python -m directory``
to prove the entry point turns those codes into the process's exit status.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_support import Cli, Completed, run_module
from conftest import REPO_ROOT, TODAY, csv_text, row, write_csv

CORPUS = REPO_ROOT / "tests" / "data" / "malformed"
MANIFEST: dict[str, dict[str, Any]] = json.loads(
    (CORPUS / "expected.json").read_text(encoding="utf-8")
)
LAUGHING_GAS = (
    "line 3, column modalities: "
    "'laughing_gas' is not a modality; use iv, im, nasal, oral or at_home"
)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(capsys, monkeypatch)


def as_json(completed: Completed) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(completed.out)
    assert {"valid", "rows", "errors", "warnings"} <= set(data)
    for problem in data["errors"] + data["warnings"]:
        assert set(problem) == {"line", "column", "value", "message"}
    return data


@pytest.fixture
def invalid_csv(tmp_path: Path) -> Path:
    boston = row(
        id="boston",
        name="Boston Clinic",
        address="1 Tremont St",
        city="Boston",
        state="MA",
        zip="02116",
        latitude="",
        longitude="",
        modalities="laughing_gas",
    )
    return write_csv(tmp_path, csv_text(row(), boston), "invalid.csv")


@pytest.mark.skipif(date.today() < TODAY, reason="the sample's dates would be in the future")
def test_default_path_is_the_shipped_sample_and_it_is_valid(cli: Cli) -> None:
    completed = cli("validate")
    assert completed.code == 0, completed.out
    lines = completed.out.splitlines()
    assert lines[0] == "data/clinics.csv"
    assert lines[-1].startswith("valid: 335 rows, 0 errors, ")


def test_invalid_file_text_report_exits_1(cli: Cli, invalid_csv: Path) -> None:
    completed = cli("validate", invalid_csv)
    assert completed.code == 1
    assert completed.err == ""
    assert completed.out.splitlines()[0] == str(invalid_csv)
    assert "Errors (the file cannot be used until these are fixed):" in completed.out
    assert f"    {LAUGHING_GAS}\n" in completed.out
    assert completed.out.splitlines()[-1] == "invalid: 2 rows, 1 error, 0 warnings"


def test_invalid_file_json_report_exits_1(cli: Cli, invalid_csv: Path) -> None:
    completed = cli("validate", invalid_csv, "--format", "json")
    assert completed.code == 1
    data = as_json(completed)
    assert (data["valid"], data["rows"], data["warnings"]) == (False, 2, [])
    assert data["errors"] == [
        {
            "line": 3,
            "column": "modalities",
            "value": "laughing_gas",
            "message": LAUGHING_GAS.split(": ", 1)[1],
        }
    ]


def test_warnings_alone_exit_0(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, csv_text(row(zip="80202", last_verified="2020-01-01")))
    completed = cli("validate", "--format", "json", path)
    assert completed.code == 0
    data = as_json(completed)
    assert data["valid"] is True
    assert [(w["line"], w["column"]) for w in data["warnings"]] == [(2, "last_verified")]


@pytest.mark.parametrize(
    "name",
    [
        "empty.csv",
        "binary.csv",
        "xlsx_signature.csv",
        "header_only.csv",
        "utf16_tab_bad_zip.csv",
    ],
)
def test_corpus_files_give_a_json_report_and_the_right_exit_code(cli: Cli, name: str) -> None:
    expected = MANIFEST[name]
    completed = cli("validate", CORPUS / name, "--format", "json")
    data = as_json(completed)
    assert completed.code == (1 if expected["severity"] == "error" else 0)
    assert data["valid"] is (completed.code == 0)
    found = data["errors"] if expected["severity"] == "error" else data["warnings"]
    assert any(
        (p["line"], p["column"]) == (expected["line"], expected["column"])
        and expected["message"] in p["message"]
        for p in found
    ), data


@pytest.mark.parametrize(
    ("where", "message"),
    [
        pytest.param("missing.csv", "no such file", id="missing"),
        pytest.param(".", "is a folder, not a CSV file", id="folder"),
    ],
)
def test_a_file_that_cannot_be_opened_exits_2(
    cli: Cli, tmp_path: Path, where: str, message: str
) -> None:
    completed = cli("validate", tmp_path / where)
    assert completed.code == 2
    assert completed.out == ""
    assert completed.err.startswith("error: ")
    assert message in completed.err
    assert len(completed.err.strip().splitlines()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without permission")
def test_an_unreadable_file_exits_2(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, csv_text(row()))
    path.chmod(0)
    completed = cli("validate", path)
    assert completed.code == 2
    assert "permission denied" in completed.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["validate", "--format", "xml"], "invalid choice: 'xml'", id="bad-format"),
        pytest.param(["validate", "a.csv", "b.csv"], "unrecognized arguments", id="two-paths"),
        pytest.param(["validate", "--strict"], "unrecognized arguments", id="unknown-option"),
        pytest.param([], "required", id="no-command"),
        pytest.param(
            ["synth", "--rows", "-1", "--out", "x.csv"],
            "must be 0 or more",
            id="synth-negative-rows",
        ),
        pytest.param(["synth", "--rows", "10"], "required: --out", id="synth-no-out"),
    ],
)
def test_bad_usage_exits_2_with_one_line(cli: Cli, args: list[str], message: str) -> None:
    completed = cli(*args)
    assert completed.code == 2
    assert message in completed.err
    assert len(completed.err.strip().splitlines()) == 1


def test_synth_writes_a_valid_deterministic_file(cli: Cli, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    completed = cli("synth", "--rows", "60", "--seed", "3", "--out", first)
    assert completed.code == 0
    assert completed.out.strip() == f"wrote 60 rows to {first}"
    assert cli("synth", "--rows", "60", "--seed", "3", "--out", second).code == 0
    assert first.read_bytes() == second.read_bytes()
    checked = cli("validate", first, "--format", "json")
    assert checked.code == 0, checked.out
    assert as_json(checked)["rows"] == 60


def test_synth_into_a_missing_folder_exits_2(cli: Cli, tmp_path: Path) -> None:
    completed = cli("synth", "--rows", "5", "--out", tmp_path / "nowhere" / "x.csv")
    assert completed.code == 2
    assert completed.err.startswith("error: cannot write")


# --- the real entry point: `python -m directory` in a subprocess ------------------------


def test_the_real_entry_point_prints_help_and_exits_0() -> None:
    completed = run_module("--help")
    assert completed.code == 0
    assert completed.out.startswith("usage: python -m directory ")
    assert all(command in completed.out for command in ("validate", "search", "synth"))
    assert completed.err == ""


def test_the_real_entry_point_exits_1_for_invalid_data() -> None:
    # An empty file: invalid before any row is checked, so the run stays quick.
    completed = run_module("validate", CORPUS / "empty.csv")
    assert completed.code == 1
    assert completed.out.splitlines()[-1].startswith("invalid: ")
    assert MANIFEST["empty.csv"]["message"] in completed.out
    assert completed.err == ""


def test_the_real_entry_point_exits_2_for_bad_usage() -> None:
    completed = run_module("validate", "--format", "xml")
    assert completed.code == 2
    assert completed.out == ""
    assert "invalid choice: 'xml'" in completed.err
    assert len(completed.err.strip().splitlines()) == 1
