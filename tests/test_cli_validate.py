"""``python -m directory validate`` and ``synth`` through real subprocesses: output and exit codes.

Exit codes: 0 valid (warnings allowed), 1 invalid content (including empty or binary
files), 2 the file cannot be opened or the command line is wrong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, TODAY, csv_text, row, write_csv

CORPUS = REPO_ROOT / "tests" / "data" / "malformed"
MANIFEST: dict[str, dict[str, Any]] = json.loads(
    (CORPUS / "expected.json").read_text(encoding="utf-8")
)
LAUGHING_GAS = (
    "line 3, column modalities: "
    "'laughing_gas' is not a modality; use iv, im, nasal, oral or at_home"
)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [sys.executable, "-m", "directory", *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONUTF8": "1"},
        timeout=120,
        check=False,
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


def as_json(completed: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(completed.stdout)
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
def test_default_path_is_the_shipped_sample_and_it_is_valid() -> None:
    completed = run("validate")
    assert completed.returncode == 0, completed.stdout
    lines = completed.stdout.splitlines()
    assert lines[0] == "data/clinics.csv"
    assert lines[-1].startswith("valid: 335 rows, 0 errors, ")


def test_invalid_file_text_report_exits_1(invalid_csv: Path) -> None:
    completed = run("validate", invalid_csv)
    assert completed.returncode == 1
    assert completed.stderr == ""
    assert completed.stdout.splitlines()[0] == str(invalid_csv)
    assert "Errors (the file cannot be used until these are fixed):" in completed.stdout
    assert f"    {LAUGHING_GAS}\n" in completed.stdout
    assert completed.stdout.splitlines()[-1] == "invalid: 2 rows, 1 error, 0 warnings"


def test_invalid_file_json_report_exits_1(invalid_csv: Path) -> None:
    completed = run("validate", invalid_csv, "--format", "json")
    assert completed.returncode == 1
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


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    path = write_csv(tmp_path, csv_text(row(zip="80202", last_verified="2020-01-01")))
    completed = run("validate", "--format", "json", path)
    assert completed.returncode == 0
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
def test_corpus_files_give_a_json_report_and_the_right_exit_code(name: str) -> None:
    expected = MANIFEST[name]
    completed = run("validate", CORPUS / name, "--format", "json")
    data = as_json(completed)
    assert completed.returncode == (1 if expected["severity"] == "error" else 0)
    assert data["valid"] is (completed.returncode == 0)
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
def test_a_file_that_cannot_be_opened_exits_2(tmp_path: Path, where: str, message: str) -> None:
    completed = run("validate", tmp_path / where)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.startswith("error: ")
    assert message in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without permission")
def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    path = write_csv(tmp_path, csv_text(row()))
    path.chmod(0)
    completed = run("validate", path)
    assert completed.returncode == 2
    assert "permission denied" in completed.stderr


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
def test_bad_usage_exits_2_with_one_line(args: list[str], message: str) -> None:
    completed = run(*args)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


def test_synth_writes_a_valid_deterministic_file(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    completed = run("synth", "--rows", "60", "--seed", "3", "--out", first)
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"wrote 60 rows to {first}"
    run("synth", "--rows", "60", "--seed", "3", "--out", second)
    assert first.read_bytes() == second.read_bytes()
    checked = run("validate", first, "--format", "json")
    assert checked.returncode == 0, checked.stdout
    assert as_json(checked)["rows"] == 60


def test_synth_into_a_missing_folder_exits_2(tmp_path: Path) -> None:
    completed = run("synth", "--rows", "5", "--out", tmp_path / "nowhere" / "x.csv")
    assert completed.returncode == 2
    assert completed.stderr.startswith("error: cannot write")
