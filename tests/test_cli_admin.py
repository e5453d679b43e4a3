"""The admin commands through real subprocesses: import, diff, geocode, backups, restore,
hash-password. Exit codes: 0 done, 1 refused, 2 bad usage or an unusable file."""

from __future__ import annotations

import getpass
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from directory import admin_cli, storage
from directory.auth import verify_password
from directory.csvfile import write_csv_text
from directory.dataset import load_clinics, parse_clinics
from tests.conftest import REPO_ROOT, TODAY, csv_text, row, telehealth_row, write_csv

A = row(id="clinic-a", phone="(303) 555-0101")
B = row(id="clinic-b", name="Clinic B", address="2 Main St", phone="(303) 555-0102")
C = telehealth_row(id="clinic-c")


def run(*args: str, stdin: str = "", new_session: bool = False) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_FINDER_ONLINE")}
    return subprocess.run(
        [sys.executable, "-m", "directory", *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environment,
        start_new_session=new_session,
    )


def canonical(content: str | bytes) -> bytes:
    return write_csv_text(parse_clinics(content).table).encode("utf-8")


def audit(data: Path) -> list[dict[str, object]]:
    lines = (data.parent / "audit.log").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_csv(tmp_path, csv_text(A, B))


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    """A new version: clinic-a's phone changed, clinic-b removed, clinic-c added."""
    return write_csv(tmp_path, csv_text({**A, "phone": "(303) 555-0199"}, C), name="new.csv")


# --- import -------------------------------------------------------------------------------


def test_import_shows_the_diff_and_saves_when_confirmed(data: Path, edited: Path) -> None:
    result = run("import", str(edited), "--data", str(data), stdin="y\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"Changes to {data}:" in out
    assert "+ added clinic-c" in out
    assert "- removed clinic-b" in out
    assert "~ changed clinic-a: phone '(303) 555-0101' -> '(303) 555-0199'" in out
    assert f"Import these changes into {data}? [y/N]" in out
    assert "saved" in out
    assert data.read_bytes() == canonical(edited.read_bytes())
    entry = audit(data)[-1]
    assert entry["action"] == "import"
    assert entry["who"] == getpass.getuser()
    assert len(storage.list_backups(data)) == 1


@pytest.mark.parametrize("answer", ["n\n", ""], ids=["no", "end-of-input"])
def test_import_declined_changes_nothing(data: Path, edited: Path, answer: str) -> None:
    original = data.read_bytes()
    result = run("import", str(edited), "--data", str(data), stdin=answer)
    assert result.returncode == 1
    assert "declined; nothing was changed" in result.stdout
    assert data.read_bytes() == original
    assert not (data.parent / "backups").exists()
    assert not (data.parent / "audit.log").exists()


@pytest.mark.parametrize(
    ("typed", "confirmed"),
    [("y\n", True), (" YES \n", True), ("n\n", False), ("", False), ("yes please\n", False)],
)
def test_only_y_or_yes_confirms(
    typed: str, confirmed: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    assert admin_cli._confirm("Import? [y/N] ") is confirmed
    assert capsys.readouterr().out.startswith("Import? [y/N] ")


def test_invalid_import_is_refused_with_its_report(data: Path, tmp_path: Path) -> None:
    original = data.read_bytes()
    bad = write_csv(tmp_path, csv_text(A, {**C, "modalities": "laughing_gas"}), name="bad.csv")
    result = run("import", str(bad), "--data", str(data), "--yes")
    assert result.returncode == 1
    assert "'laughing_gas' is not a modality" in result.stdout
    assert f"nothing was imported; {data} is unchanged" in result.stdout
    assert data.read_bytes() == original


def test_import_of_an_unreadable_file_is_bad_usage(data: Path, tmp_path: Path) -> None:
    result = run("import", str(tmp_path / "missing.csv"), "--data", str(data))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'missing.csv'}: no such file"
    assert run("import").returncode == 2  # NEW.csv is required


def test_import_with_yes_needs_no_answer_and_reports_a_no_op(data: Path, edited: Path) -> None:
    first = run("import", str(edited), "--data", str(data), "--yes")
    assert first.returncode == 0, first.stderr
    assert data.read_bytes() == canonical(edited.read_bytes())
    again = run("import", str(edited), "--data", str(data), "--yes")
    assert again.returncode == 0
    assert "already holds exactly this data" in again.stdout
    assert len(audit(data)) == 1


# --- diff ---------------------------------------------------------------------------------


def test_diff_prints_the_changes_for_review(data: Path, edited: Path, tmp_path: Path) -> None:
    result = run("diff", str(data), str(edited))
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f"--- {data}",
        f"+++ {edited}",
        "+ added clinic-c",
        "- removed clinic-b",
        "~ changed clinic-a: phone '(303) 555-0101' -> '(303) 555-0199'",
        "1 added, 1 removed, 1 changed (2 -> 2 rows)",
    ]
    assert run("diff", str(data), str(tmp_path / "nope.csv")).returncode == 2


# --- geocode ------------------------------------------------------------------------------


def test_geocode_fills_blank_coordinates_from_the_zip(tmp_path: Path) -> None:
    blank = row(id="clinic-d", name="Clinic D", address="9 Elm St", latitude="", longitude="")
    data = write_csv(tmp_path, csv_text(A, blank, C))
    original = data.read_bytes()

    dry = run("geocode", str(data), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    [line] = [line for line in dry.stdout.splitlines() if line.endswith("clinic-d")]
    assert line.split()[:3] == ["line", "3", "zip"]
    assert "dry run: nothing was saved" in dry.stdout
    assert data.read_bytes() == original

    saved = run("geocode", str(data))
    assert saved.returncode == 0, saved.stderr
    table = load_clinics(data, today=TODAY).table.set_index("id")
    assert table.loc["clinic-d", "latitude"] == pytest.approx(39.7541, abs=0.01)
    assert round(table.loc["clinic-d", "latitude"], 5) == table.loc["clinic-d", "latitude"]
    assert table.loc["clinic-a", "latitude"] == 39.7501  # given coordinates are kept
    assert audit(data)[-1]["action"] == "geocode"


def test_geocode_online_says_how_to_enable_it(data: Path) -> None:
    result = run("geocode", str(data), "--online")
    assert result.returncode == 2
    assert "CLINIC_FINDER_ONLINE_GEOCODING=1" in result.stderr
    assert "CLINIC_FINDER_GEOCODER_USER_AGENT" in result.stderr


# --- backups and restore ------------------------------------------------------------------


def test_backups_are_listed_and_one_can_be_restored(data: Path) -> None:
    original = canonical(data.read_bytes())
    storage.save_clinics(data, original, who="setup")  # canonical first version
    storage.save_clinics(data, csv_text(A, C), who="setup")
    listed = run("backups", "--data", str(data))
    assert listed.returncode == 0
    newest = storage.list_backups(data)[0]
    assert newest.path.name in listed.stdout
    assert "2 rows" in listed.stdout

    restored = run("restore", newest.path.name, "--data", str(data), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "+ added clinic-b" in restored.stdout
    assert data.read_bytes() == original
    assert audit(data)[-1]["restored_from"] == newest.path.name

    outside = run("restore", str(data), "--data", str(data), "--yes")
    assert outside.returncode == 2
    assert "is not a backup of" in outside.stderr


def test_backups_when_there_are_none(data: Path) -> None:
    result = run("backups", "--data", str(data))
    assert result.returncode == 0
    assert "no backups" in result.stdout


# --- hash-password ------------------------------------------------------------------------


def test_hash_password_prints_a_hash_that_verifies() -> None:
    result = run("hash-password", "--stdin", stdin="correct horse battery\ncorrect horse battery\n")
    assert result.returncode == 0, result.stderr
    encoded = result.stdout.strip()
    assert encoded.startswith("scrypt$n=16384,r=8,p=1$")
    assert verify_password("correct horse battery", encoded)
    assert "correct horse" not in result.stderr
    assert "password_hash" in result.stderr  # where to put it


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("correct horse battery\ncorrect horse batterY\n", "do not match"),
        ("short\nshort\n", "at least 10 characters"),
        ("", "no password given"),
    ],
    ids=["mismatch", "too-short", "nothing"],
)
def test_hash_password_refusals(typed: str, message: str) -> None:
    result = run("hash-password", "--stdin", stdin=typed)
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_hash_password_prompts_with_getpass_when_there_is_no_terminal() -> None:
    # Without a controlling terminal getpass falls back to reading stdin.
    typed = "another good password\nanother good password\n"
    result = run("hash-password", stdin=typed, new_session=True)
    assert result.returncode == 0, result.stderr
    assert verify_password("another good password", result.stdout.strip())
