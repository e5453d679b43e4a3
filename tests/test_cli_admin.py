"""The admin commands: import, diff, geocode, backups, restore, hash-password.

Exit codes: 0 done, 1 refused, 2 bad usage or an unusable file. The commands run
in-process (:class:`cli_support.Cli`, stdin replaced by a ``StringIO``); two smoke
tests run the real ``python -m directory``: the exit status a shell sees, and
``getpass`` with no terminal at all.
"""

from __future__ import annotations

import getpass
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import Cli, run_module

from directory import admin_cli, storage
from directory.auth import verify_password
from directory.csvfile import write_csv_text
from directory.dataset import load_clinics, parse_clinics
from tests.conftest import REPO_ROOT, TODAY, csv_text, row, telehealth_row, write_csv

A = row(id="clinic-a", phone="(303) 555-0101")
B = row(id="clinic-b", name="Clinic B", address="2 Main St", phone="(303) 555-0102")
C = telehealth_row(id="clinic-c")
Typed = Callable[[str], None]


def canonical(content: str | bytes) -> bytes:
    return write_csv_text(parse_clinics(content).table).encode("utf-8")


def audit(data: Path) -> list[dict[str, object]]:
    lines = (data.parent / "audit.log").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(capsys, monkeypatch)


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> Typed:
    """``typed("y\\n")``: what the person types at the next prompt (stdin, in-process)."""

    def set_stdin(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    set_stdin("")  # end of input unless a test types something
    return set_stdin


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_csv(tmp_path, csv_text(A, B))


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    """A new version: clinic-a's phone changed, clinic-b removed, clinic-c added."""
    return write_csv(tmp_path, csv_text({**A, "phone": "(303) 555-0199"}, C), name="new.csv")


# --- import -------------------------------------------------------------------------------


def test_import_shows_the_diff_and_saves_when_confirmed(
    cli: Cli, typed: Typed, data: Path, edited: Path
) -> None:
    typed("y\n")
    result = cli("import", edited, "--data", data)
    assert result.code == 0, result.err
    out = result.out
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


def test_import_into_a_new_file_lists_every_clinic_as_added(
    cli: Cli, tmp_path: Path, edited: Path
) -> None:
    data = tmp_path / "fresh.csv"
    result = cli("import", edited, "--data", data, "--yes")
    assert result.code == 0, result.err
    assert f"Changes to {data} (a new file):" in result.out
    assert "+ added clinic-a" in result.out
    assert "+ added clinic-c" in result.out
    assert data.read_bytes() == canonical(edited.read_bytes())


@pytest.mark.parametrize("answer", ["n\n", ""], ids=["no", "end-of-input"])
def test_import_declined_changes_nothing(
    cli: Cli, typed: Typed, data: Path, edited: Path, answer: str
) -> None:
    original = data.read_bytes()
    typed(answer)
    result = cli("import", edited, "--data", data)
    assert result.code == 1
    assert "declined; nothing was changed" in result.out
    assert data.read_bytes() == original
    assert not (data.parent / "backups").exists()
    assert not (data.parent / "audit.log").exists()


@pytest.mark.parametrize(
    ("answer", "confirmed"),
    [("y\n", True), (" YES \n", True), ("n\n", False), ("", False), ("yes please\n", False)],
)
def test_only_y_or_yes_confirms(
    answer: str, confirmed: bool, typed: Typed, capsys: pytest.CaptureFixture[str]
) -> None:
    typed(answer)
    assert admin_cli._confirm("Import? [y/N] ") is confirmed
    out = capsys.readouterr().out
    assert out.startswith("Import? [y/N] ")
    assert out.endswith("\n") is (not answer)  # end of input: the next line starts fresh


def test_a_save_by_someone_else_after_the_diff_is_refused(
    cli: Cli, data: Path, edited: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Someone saves while the admin reads the diff: the confirmed import must not win.
    def answer_after_someone_else_saves(prompt: str) -> bool:
        storage.save_clinics(data, csv_text(A, B, C), who="bob")
        return True

    monkeypatch.setattr(admin_cli, "_confirm", answer_after_someone_else_saves)
    result = cli("import", edited, "--data", data)
    assert result.code == 1
    assert "error: someone else changed the data since you opened it" in result.err
    assert "+ added clinic-c" in result.err  # what they changed
    assert data.read_bytes() == canonical(csv_text(A, B, C))
    assert [e["who"] for e in audit(data)] == ["bob"]


def test_invalid_import_is_refused_with_its_report(cli: Cli, data: Path, tmp_path: Path) -> None:
    original = data.read_bytes()
    bad = write_csv(tmp_path, csv_text(A, {**C, "modalities": "laughing_gas"}), name="bad.csv")
    result = cli("import", bad, "--data", data, "--yes")
    assert result.code == 1
    assert "'laughing_gas' is not a modality" in result.out
    assert f"nothing was imported; {data} is unchanged" in result.out
    assert data.read_bytes() == original


def test_import_of_an_unreadable_file_is_bad_usage(cli: Cli, data: Path, tmp_path: Path) -> None:
    result = cli("import", tmp_path / "missing.csv", "--data", data)
    assert result.code == 2
    assert result.err.strip() == f"error: {tmp_path / 'missing.csv'}: no such file"
    usage = cli("import")  # NEW.csv is required
    assert usage.code == 2
    assert "NEW.csv" in usage.err


def test_import_with_yes_needs_no_answer_and_reports_a_no_op(
    cli: Cli, data: Path, edited: Path
) -> None:
    first = cli("import", edited, "--data", data, "--yes")
    assert first.code == 0, first.err
    assert "[y/N]" not in first.out
    assert data.read_bytes() == canonical(edited.read_bytes())
    again = cli("import", edited, "--data", data, "--yes")
    assert again.code == 0
    assert "already holds exactly this data" in again.out
    assert len(audit(data)) == 1


# --- diff ---------------------------------------------------------------------------------


def test_diff_prints_the_changes_for_review(
    cli: Cli, data: Path, edited: Path, tmp_path: Path
) -> None:
    result = cli("diff", data, edited)
    assert result.code == 0
    assert result.out.splitlines() == [
        f"--- {data}",
        f"+++ {edited}",
        "+ added clinic-c",
        "- removed clinic-b",
        "~ changed clinic-a: phone '(303) 555-0101' -> '(303) 555-0199'",
        "1 added, 1 removed, 1 changed (2 -> 2 rows)",
    ]
    assert cli("diff", data, tmp_path / "nope.csv").code == 2


# --- geocode ------------------------------------------------------------------------------


def test_geocode_fills_blank_coordinates_from_the_zip(cli: Cli, tmp_path: Path) -> None:
    blank = row(id="clinic-d", name="Clinic D", address="9 Elm St", latitude="", longitude="")
    data = write_csv(tmp_path, csv_text(A, blank, C))
    original = data.read_bytes()

    dry = cli("geocode", data, "--dry-run")
    assert dry.code == 0, dry.err
    [line] = [line for line in dry.out.splitlines() if line.endswith("clinic-d")]
    assert line.split()[:3] == ["line", "3", "zip"]
    assert "dry run: nothing was saved" in dry.out
    assert data.read_bytes() == original

    saved = cli("geocode", data)
    assert saved.code == 0, saved.err
    table = load_clinics(data, today=TODAY).table.set_index("id")
    assert table.loc["clinic-d", "latitude"] == pytest.approx(39.7541, abs=0.01)
    assert round(table.loc["clinic-d", "latitude"], 5) == table.loc["clinic-d", "latitude"]
    assert table.loc["clinic-a", "latitude"] == 39.7501  # given coordinates are kept
    assert audit(data)[-1]["action"] == "geocode"

    done = cli("geocode", data)
    assert done.code == 0
    assert "every clinic already has coordinates; nothing to fill" in done.out
    assert cli("geocode", tmp_path / "nope.csv").code == 2


def test_geocode_online_says_how_to_enable_it(cli: Cli, data: Path) -> None:
    result = cli("geocode", data, "--online")
    assert result.code == 2
    assert "CLINIC_FINDER_ONLINE_GEOCODING=1" in result.err
    assert "CLINIC_FINDER_GEOCODER_USER_AGENT" in result.err


# --- backups and restore ------------------------------------------------------------------


def test_backups_are_listed_and_one_can_be_restored(cli: Cli, data: Path) -> None:
    original = canonical(data.read_bytes())
    storage.save_clinics(data, original, who="setup")  # canonical first version
    storage.save_clinics(data, csv_text(A, C), who="setup")
    listed = cli("backups", "--data", data)
    assert listed.code == 0
    newest = storage.list_backups(data)[0]
    assert newest.path.name in listed.out
    assert "2 rows" in listed.out

    restored = cli("restore", newest.path.name, "--data", data, "--yes")
    assert restored.code == 0, restored.err
    assert f"Restoring {newest.path.name} would make these changes to {data}:" in restored.out
    assert "+ added clinic-b" in restored.out
    assert data.read_bytes() == original
    assert audit(data)[-1]["restored_from"] == newest.path.name

    outside = cli("restore", data, "--data", data, "--yes")
    assert outside.code == 2
    assert "is not a backup of" in outside.err


def test_restore_asks_and_a_no_changes_nothing(
    cli: Cli, typed: Typed, data: Path, tmp_path: Path
) -> None:
    storage.save_clinics(data, csv_text(A, C), who="setup")
    [backup] = storage.list_backups(data)
    before = data.read_bytes()
    typed("n\n")
    result = cli("restore", backup.path, "--data", data)
    assert result.code == 1
    assert f"Restore {backup.path.name} as {data}? [y/N]" in result.out
    assert data.read_bytes() == before
    # A backup with errors is refused before anything is asked.
    broken = backup.path.with_name("clinics-20200101T000000Z.csv")
    broken.write_text(csv_text({**A, "kind": "spaceship"}), encoding="utf-8")
    refused = cli("restore", broken.name, "--data", data, "--yes")
    assert refused.code == 1
    assert "has errors, so it cannot be restored; nothing was changed" in refused.out
    assert data.read_bytes() == before


def test_backups_when_there_are_none(cli: Cli, data: Path) -> None:
    result = cli("backups", "--data", data)
    assert result.code == 0
    assert "no backups" in result.out


# --- hash-password ------------------------------------------------------------------------


def test_hash_password_prints_a_hash_that_verifies(cli: Cli, typed: Typed) -> None:
    typed("correct horse battery\ncorrect horse battery\n")
    result = cli("hash-password", "--stdin")
    assert result.code == 0, result.err
    encoded = result.out.strip()
    assert encoded.startswith("scrypt$n=16384,r=8,p=1$")
    assert verify_password("correct horse battery", encoded)
    assert "correct horse" not in result.err
    assert "password_hash" in result.err  # where to put it


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("correct horse battery\ncorrect horse batterY\n", "do not match"),
        ("short\nshort\n", "at least 10 characters"),
        ("", "no password given"),
        # issue 12 finding 7: `hash-password` accepted ten NUL characters.
        ("\x00" * 10 + "\n" + "\x00" * 10 + "\n", "a control character (U+0000); use letters"),
        ("long enough\x1b[2J\nlong enough\x1b[2J\n", "a control character (U+001B)"),
        ("long enough\x7f\nlong enough\x7f\n", "a control character (U+007F)"),
    ],
    ids=["mismatch", "too-short", "nothing", "ten-nuls", "escape", "delete"],
)
def test_hash_password_refusals(cli: Cli, typed: Typed, answer: str, message: str) -> None:
    typed(answer)
    result = cli("hash-password", "--stdin")
    assert result.code == 1
    assert message in result.err
    assert result.out == ""


# --- the real entry point (subprocesses) --------------------------------------------------


@pytest.mark.slow
def test_python_m_directory_import_exit_codes(data: Path, edited: Path, tmp_path: Path) -> None:
    # The codes a shell sees (sys.exit(main()) in __main__); 1 is covered in-process.
    saved = run_module("import", edited, "--data", data, "--yes")
    assert saved.code == 0, saved.err
    assert data.read_bytes() == canonical(edited.read_bytes())
    missing = run_module("import", tmp_path / "missing.csv", "--data", data)
    assert missing.code == 2
    assert missing.err.strip() == f"error: {tmp_path / 'missing.csv'}: no such file"


def test_hash_password_prompts_with_getpass_when_there_is_no_terminal() -> None:
    # Without a controlling terminal (a new session) getpass falls back to reading stdin.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_FINDER_")}
    result = subprocess.run(
        [sys.executable, "-m", "directory", "hash-password"],
        cwd=REPO_ROOT,
        input="another good password\nanother good password\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environment,
        start_new_session=True,
    )
    assert result.returncode == 0, result.stderr
    assert verify_password("another good password", result.stdout.strip())
