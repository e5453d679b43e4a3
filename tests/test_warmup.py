"""The warm start's own visit (:mod:`directory.ui.warmup`): it must knock on its own port."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from directory.ui import warmup


@pytest.mark.parametrize(
    ("args", "port"),
    [
        (["run", "app.py", "--server.port", "8512"], 8512),
        (["run", "app.py", "--server.address", "127.0.0.1", "--server.port=9000"], 9000),
        (["run", "app.py"], None),
        (["run", "app.py", "--server.port"], None),  # no value: Streamlit will say so
        (["run", "app.py", "--server.port", "eighty"], None),
        (["run", "app.py", "--server.portable", "1"], None),
    ],
)
def test_the_port_comes_from_the_command_line(args: list[str], port: int | None) -> None:
    assert warmup.server_port(args) == port


def test_the_visit_is_told_the_port_before_streamlit_parses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streamlit.web import cli

    started: list[tuple[Any, ...]] = []

    class Recorded(threading.Thread):
        def start(self) -> None:
            started.append(self._args)  # type: ignore[attr-defined]

    monkeypatch.setattr(warmup, "_warm", lambda: None)
    monkeypatch.setattr(warmup.threading, "Thread", Recorded)
    monkeypatch.setattr(cli, "main", lambda: None)
    monkeypatch.setattr("sys.argv", ["warmup"])
    warmup.main(["run", "app.py", "--server.port", "8765"])
    assert started == [(60.0, 8765)]
