"""Run ``python -m directory`` in-process (fast) or as a real subprocess (the entry point).

In-process runs call :func:`directory.cli.main` with the arguments, from the repository
root (the default ``data/clinics.csv`` is relative) and with online geocoding off, and
return the exit code and what was printed, whether ``main`` returned a code or argparse
raised ``SystemExit``. A subprocess run is kept for the few tests that must prove the
real entry point: ``sys.exit(main())``, stream set-up, the exit status a shell sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from directory.cli import main
from directory.geocoding import ONLINE_GEOCODING_ENV, USER_AGENT_ENV


@dataclass(frozen=True)
class Completed:
    """What one command did: its exit code and everything it printed."""

    code: int
    out: str
    err: str


class Cli:
    """``cli("search", "--near", "80202")`` runs the command line in this process."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self._capsys = capsys
        monkeypatch.chdir(REPO_ROOT)
        # The only network the CLI can reach is the opt-in online geocoder: keep it off.
        monkeypatch.delenv(ONLINE_GEOCODING_ENV, raising=False)
        monkeypatch.delenv(USER_AGENT_ENV, raising=False)

    def __call__(self, *args: str | Path) -> Completed:
        self._capsys.readouterr()  # drop anything printed before this command
        try:
            code: int | str | None = main([str(arg) for arg in args])
        except SystemExit as exit_:  # argparse: bad usage (2) or --help (0)
            code = exit_.code
        out, err = self._capsys.readouterr()
        assert isinstance(code, int) or code is None, f"exit code {code!r} is not a number"
        assert "Traceback" not in err, err
        return Completed(0 if code is None else code, out, err)


def run_module(*args: str | Path, env: dict[str, str] | None = None) -> Completed:
    """``python -m directory ARGS`` in a real subprocess from the repository root."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_FINDER_")}
    environment.update({"PYTHONUTF8": "1", **(env or {})})
    done = subprocess.run(
        [sys.executable, "-m", "directory", *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="strict",
        env=environment,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Completed(done.returncode, done.stdout, done.stderr)
