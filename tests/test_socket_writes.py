"""Gathered websocket writes (:mod:`directory.ui.socket_writes`).

The transport is tested against a recording transport on a real event loop; the protocol
end to end with uvicorn on a free loopback port and the pinned ``websockets`` client.
"""

from __future__ import annotations

import asyncio
import functools
import socket
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import uvicorn
import websockets
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from streamlit.web.server.starlette import starlette_server
from uvicorn import config as uvicorn_config

from directory.ui import socket_writes
from directory.ui.socket_writes import GatheredTransport, GatheringWebSocketProtocol


def on_a_loop(test: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    """Run an ``async`` test on a new event loop (no async plugin is installed)."""

    @functools.wraps(test)
    def run() -> None:
        asyncio.run(test())

    return run


class RecordingTransport:
    """What a socket transport was asked to do."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False
        self.extra = {"peername": ("127.0.0.1", 5)}

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.extra.get(name, default)


def _gathered(**kwargs: Any) -> tuple[RecordingTransport, GatheredTransport]:
    raw = RecordingTransport()
    return raw, GatheredTransport(raw, asyncio.get_running_loop(), **kwargs)  # type: ignore[arg-type]


@on_a_loop
async def test_writes_within_the_window_leave_as_one() -> None:
    raw, gathered = _gathered(gather_s=0.01)
    for part in (b"a", b"bc", b"", b"d"):
        gathered.write(part)
    assert raw.writes == []  # held
    await asyncio.sleep(0.05)
    assert raw.writes == [b"abcd"]
    gathered.write(memoryview(b"ef"))  # a new window after the first was written
    await asyncio.sleep(0.05)
    assert raw.writes == [b"abcd", b"ef"]


@on_a_loop
async def test_a_write_is_held_no_longer_than_the_window() -> None:
    loop = asyncio.get_running_loop()
    raw, gathered = _gathered(gather_s=0.02)
    started = loop.time()
    gathered.write(b"x")
    while not raw.writes and loop.time() - started < 2:
        await asyncio.sleep(0.001)
    assert raw.writes == [b"x"]
    assert loop.time() - started < 0.5  # the timer, not some later event, wrote it


@on_a_loop
async def test_a_large_write_goes_at_once() -> None:
    raw, gathered = _gathered(gather_s=10, flush_bytes=100)
    gathered.write(b"s" * 10)
    assert raw.writes == []
    gathered.write(b"L" * 95)
    assert raw.writes == [b"s" * 10 + b"L" * 95]


@on_a_loop
async def test_close_writes_what_is_held_first() -> None:
    raw, gathered = _gathered(gather_s=10)
    gathered.write(b"last message")
    gathered.write(b"close frame")
    gathered.close()
    assert raw.writes == [b"last messageclose frame"]
    assert raw.closed
    await asyncio.sleep(0)  # no timer left to write again
    assert raw.writes == [b"last messageclose frame"]


@on_a_loop
async def test_abort_drops_what_is_held() -> None:
    raw, gathered = _gathered(gather_s=0.01)
    gathered.write(b"never sent")
    gathered.abort()
    await asyncio.sleep(0.05)
    assert raw.writes == []
    assert raw.aborted


@on_a_loop
async def test_nothing_is_written_to_a_closing_transport() -> None:
    raw, gathered = _gathered(gather_s=0.01)
    gathered.write(b"too late")
    raw.closed = True  # the peer went away meanwhile
    await asyncio.sleep(0.05)
    assert raw.writes == []


@on_a_loop
async def test_everything_else_is_the_transports_own() -> None:
    _raw, gathered = _gathered()
    assert gathered.get_extra_info("peername") == ("127.0.0.1", 5)
    assert gathered.is_closing() is False


def test_streamlit_still_asks_uvicorn_for_the_protocol_we_replace() -> None:
    # If Streamlit chose another websocket implementation, install() would do nothing.
    assert starlette_server._get_websocket_protocol() == socket_writes.STREAMLIT_WS


def test_install_makes_uvicorn_build_the_gathering_protocol(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(uvicorn_config.WS_PROTOCOLS, socket_writes.STREAMLIT_WS, "x:y")
    socket_writes.install()
    loaded = uvicorn.Config(Starlette(), ws=socket_writes.STREAMLIT_WS)
    loaded.load()
    assert loaded.ws_protocol_class is GatheringWebSocketProtocol


def test_the_warm_replica_installs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.web import cli

    from directory.ui import warmup

    monkeypatch.setitem(uvicorn_config.WS_PROTOCOLS, socket_writes.STREAMLIT_WS, "x:y")
    seen: list[str | None] = []
    monkeypatch.setattr(warmup, "_warm", lambda: None)
    monkeypatch.setattr(warmup, "visit_self_then_signal", lambda *args: None)
    monkeypatch.setattr(
        cli, "main", lambda: seen.append(uvicorn_config.WS_PROTOCOLS[socket_writes.STREAMLIT_WS])
    )
    monkeypatch.setattr("sys.argv", ["warmup"])
    warmup.main(["run", "app.py"])
    assert seen == [f"{socket_writes.__name__}:GatheringWebSocketProtocol"]


MESSAGES = 200


async def _burst(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.receive_bytes()
    for number in range(MESSAGES):  # as Streamlit sends a page: many small messages
        await websocket.send_bytes(number.to_bytes(2, "big") * (1 + number % 50))
    await websocket.close(code=1000)


@on_a_loop
async def test_a_burst_of_messages_arrives_whole_in_order_and_closes_cleanly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = Starlette(routes=[WebSocketRoute("/ws", _burst)])
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, ws=GatheringWebSocketProtocol, log_level="error"
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(30):
            while not server.started:
                await asyncio.sleep(0.01)
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws") as client:
                await client.send(b"go")
                received = [message async for message in client]
                assert client.close_code == 1000
        assert received == [n.to_bytes(2, "big") * (1 + n % 50) for n in range(MESSAGES)]
    finally:
        server.should_exit = True
        async with asyncio.timeout(30):
            await serving
