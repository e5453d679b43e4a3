"""Hard limits on every data file (:mod:`directory.limits`): size, file type, width, cells.

Each hostile input must come back promptly with its one stated message. "Promptly" is a
bounded wait in the test (:func:`within`), not a timing assertion: a hang fails the test
instead of hanging the suite.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from cli_support import Cli, Completed
from conftest import HEADER, TODAY, VALID_ROW, csv_text, row, write_csv

from directory import limits
from directory.dataset import load_clinics, parse_clinics, read_data_file
from directory.errors import ConfigError, DataFileError

T = TypeVar("T")
BOUND_SECONDS = 30.0
"""Generous on a busy 2-core machine; a FIFO or /dev/zero without the limits never returns."""


def within(seconds: float, call: Callable[[], T]) -> T:
    """``call()``'s result, or a test failure if it has not returned after ``seconds``."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # re-raised in the test's own thread below
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)  # a hung worker must not block exit
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"did not return within {seconds} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv(limits.MAX_FILE_MB_ENV, raising=False)
    return Cli(capsys, monkeypatch)


# --- hostile paths: each is refused before a byte of content is read -------------------------


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "clinics.csv"
    os.mkfifo(path)
    return path


def _socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "s.csv"  # AF_UNIX paths are short: keep the name short
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    try:
        yield path
    finally:
        server.close()


def _symlink(target: str) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / "clinics.csv"
        path.symlink_to(target)
        return path

    return make


def _sparse(tmp_path: Path) -> Path:
    # 100 GB on paper, no blocks on disk: the size must be refused from fstat, unread.
    path = tmp_path / "clinics.csv"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024**3)
    return path


def _folder(tmp_path: Path) -> Path:
    path = tmp_path / "clinics.csv"
    path.mkdir()
    return path


HOSTILE_PATHS = [
    # issue 12 finding 4: `validate` on a symlink to /dev/zero ate 2.4 GB, then MemoryError.
    pytest.param(lambda _tmp: Path("/dev/zero"), "is a character device", id="dev-zero"),
    pytest.param(_symlink("/dev/zero"), "is a character device", id="symlink-dev-zero"),
    pytest.param(_symlink("/dev/urandom"), "is a character device", id="symlink-dev-urandom"),
    # issue 12 finding 4: a FIFO hangs the CLI (and, as CLINICS_CSV, a server thread).
    pytest.param(_fifo, "is a named pipe (FIFO)", id="fifo"),
    pytest.param(_sparse, "the largest data file accepted is 64 MB", id="sparse-100-gb"),
    pytest.param(_folder, "is a folder, not a CSV file", id="folder"),
]


def _message(error: DataFileError, path: Path) -> str:
    text = str(error)
    assert text.startswith(f"{path}: "), text  # where
    assert "\n" not in text  # one line
    return text


@pytest.mark.parametrize(("make", "message"), HOSTILE_PATHS)
def test_only_regular_files_within_the_limit_are_read(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(DataFileError) as refused:
        within(BOUND_SECONDS, lambda: read_data_file(path))
    assert message in _message(refused.value, path)


@pytest.mark.parametrize(("make", "message"), HOSTILE_PATHS)
def test_validate_refuses_hostile_paths_with_exit_2_and_one_line(
    cli: Cli, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    path = make(tmp_path)
    done: Completed = within(BOUND_SECONDS, lambda: cli("validate", path))
    assert done.code == 2
    assert done.err.count("\n") == 1, done.err
    assert done.err.startswith(f"error: {path}: ")
    assert message in done.err


def test_a_unix_socket_is_refused(cli: Cli, tmp_path: Path) -> None:
    """issue 12 finding 4: only regular files are opened (a socket cannot even be opened)."""
    for path in _socket(tmp_path):
        done: Completed = within(BOUND_SECONDS, lambda: cli("validate", path))  # noqa: B023
        assert done.code == 2
        assert f"error: {path}: is a socket, not a regular file" in done.err


def test_search_refuses_a_fifo_as_its_data(cli: Cli, tmp_path: Path) -> None:
    """issue 12 finding 4: every command reads the data through the same guarded open."""
    path = _fifo(tmp_path)
    done: Completed = within(
        BOUND_SECONDS, lambda: cli("search", "--near", "80202", "--data", path)
    )
    assert done.code == 2
    assert "is a named pipe (FIFO)" in done.err


def test_a_file_over_the_limit_is_refused_and_one_at_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(limits.MAX_FILE_MB_ENV, "1")
    text = csv_text(row()).encode()
    at_limit = write_csv(tmp_path, text + b"\n" * (1024 * 1024 - len(text)), "at.csv")
    over = write_csv(tmp_path, text + b"\n" * (1024 * 1024 + 1 - len(text)), "over.csv")
    assert load_clinics(at_limit, today=TODAY).report.valid
    with pytest.raises(DataFileError, match=r"is 1\.0 MB \(1,048,577 bytes\); the largest data"):
        load_clinics(over, today=TODAY)


def test_reading_stops_one_byte_past_the_limit_whatever_fstat_says() -> None:
    # /proc files report size 0 but have content: only the capped read stops them.
    with pytest.raises(DataFileError, match="the largest data file accepted is"):
        limits.read_file("/proc/self/maps", max_bytes=10)


def test_uploaded_bytes_over_the_limit_are_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An upload meets the same limit, so nothing is saved that the loader cannot read back."""
    monkeypatch.setenv(limits.MAX_FILE_MB_ENV, "1")
    loaded = parse_clinics(csv_text(row()).encode() + b"\n" * (1024 * 1024), today=TODAY)
    [error] = loaded.report.errors
    assert error.line is None
    assert error.message.startswith("the file is 1.0 MB")
    assert "CLINIC_FINDER_MAX_FILE_MB" in error.message


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("", 64 * 1024 * 1024), (" 1 ", 1024 * 1024), ("200", 200 * 1024 * 1024)],
)
def test_the_size_setting_is_read(setting: str, expected: int) -> None:
    assert limits.max_file_bytes({limits.MAX_FILE_MB_ENV: setting}) == expected


@pytest.mark.parametrize("setting", ["0", "-5", "1.5", "lots", "\uff11\uff10"])
def test_a_bad_size_setting_is_a_config_error(setting: str) -> None:
    with pytest.raises(ConfigError, match=f"{limits.MAX_FILE_MB_ENV}=.* is not a size"):
        limits.max_file_bytes({limits.MAX_FILE_MB_ENV: setting})


def test_a_bad_size_setting_stops_the_cli_with_exit_2(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(limits.MAX_FILE_MB_ENV, "huge")
    path = write_csv(tmp_path, csv_text(row()))
    done = cli("validate", path)
    assert done.code == 2
    assert done.err == (
        f"error: {path}: cannot be read: {limits.MAX_FILE_MB_ENV}='huge' is not a size; use a "
        "whole number of MB such as 64\n"
    )
    # An upload's review says so too, rather than failing the page.
    [error] = parse_clinics(csv_text(row()), today=TODAY).report.errors
    assert "is not a size" in error.message


# --- content limits: the width of the header and the length of a cell ------------------------


def test_a_million_column_header_is_refused_before_any_column_is_read(
    cli: Cli, tmp_path: Path
) -> None:
    """issue 12 finding 3: a 1M-column header (8.9 MB) kept the validator busy over 580 s."""
    header = ",".join(f"c{i}" for i in range(1_000_000))
    path = write_csv(tmp_path, header + "\n" + ",".join("x" * 1_000_000) + "\n")
    done: Completed = within(BOUND_SECONDS, lambda: cli("validate", path))
    assert done.code == 1
    assert (
        "line 1: the header has 1,000,000 columns; at most 200 are allowed (delete unused "
        "columns, including empty ones at the right of the sheet)"
    ) in done.out


@pytest.mark.parametrize(
    ("extra", "accepted"),
    [(limits.MAX_COLUMNS - len(HEADER), True), (limits.MAX_COLUMNS - len(HEADER) + 1, False)],
    ids=["200-columns", "201-columns"],
)
def test_the_column_limit_counts_the_header_cells(extra: int, accepted: bool) -> None:
    header = [*HEADER, *(f"own_{i}" for i in range(extra))]
    values = {**VALID_ROW, **{f"own_{i}": "x" for i in range(extra)}}
    loaded = parse_clinics(csv_text(values, header=header), today=TODAY)
    assert loaded.report.valid is accepted, loaded.report.to_text()
    if not accepted:
        [error] = loaded.report.errors
        assert (error.line, error.column) == (1, None)
        assert error.message.startswith("the header has 201 columns; at most 200")


def test_a_wide_header_hidden_behind_a_blank_first_line_is_still_counted() -> None:
    text = "\n" + ",".join(f"c{i}" for i in range(5000)) + "\n"
    loaded = within(BOUND_SECONDS, lambda: parse_clinics(text, today=TODAY))
    assert "the header has 5,000 columns" in loaded.report.errors[0].message


def test_a_wide_header_with_a_quoted_line_break_is_still_counted() -> None:
    text = 'id,"na\nme",' + ",".join(f"c{i}" for i in range(5000)) + "\n"
    loaded = within(BOUND_SECONDS, lambda: parse_clinics(text, today=TODAY))
    assert "the header has 5,002 columns" in loaded.report.errors[0].message


@pytest.mark.parametrize(
    ("length", "accepted"),
    [(limits.MAX_CELL_CHARS, True), (limits.MAX_CELL_CHARS + 1, False), (50_000, False)],
)
def test_a_cell_over_the_length_limit_is_an_error_at_its_line_and_column(
    tmp_path: Path, length: int, accepted: bool
) -> None:
    """issue 12 item 2: a maximum cell length, with line, column and what is allowed."""
    text = csv_text(row(), row(id="long", name="Long Notes Clinic", notes="n" * length))
    loaded = within(BOUND_SECONDS, lambda: load_clinics(write_csv(tmp_path, text), today=TODAY))
    problems = [(p.line, p.column, p.message) for p in loaded.report.errors]
    if accepted:
        assert problems == []
    else:
        assert problems == [
            (
                3,
                "notes",
                f"this cell is {length:,} characters long; at most 2,000 are allowed "
                "(check for a missing closing quote, or shorten the text)",
            )
        ]
        assert list(loaded.usable()["id"]) == [VALID_ROW["id"]]
        assert len(loaded.report.errors[0].value or "") < 300  # the report quotes a part


def test_a_cell_limit_error_in_the_cli_is_one_line_and_exit_1(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, csv_text(row(notes="n" * 3000)))
    done = cli("validate", path)
    assert done.code == 1
    assert "line 2, column notes: this cell is 3,000 characters long" in done.out
