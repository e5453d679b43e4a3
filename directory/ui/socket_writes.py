"""Fewer, larger TCP writes for each visitor's websocket (production replicas only).

A page view is about a hundred websocket messages, one per element, and Streamlit's
server writes each one to the socket as soon as it is queued: a view left the replica as
dozens of small TCP segments. Behind nginx, whose side of the loopback connection is a
receiver that has just sent data (the browser's first message), Linux delays its ACKs by
up to 40 ms; once the replica's congestion window is full of small unacknowledged
segments, the rest of the page waits for that timer. ``nstat`` counted about one delayed
ACK per view, and a view took 80 ms where the replica had finished its work at 45 ms
(``docs/deploy.md``, "What the 40 ms was").

:class:`GatheringWebSocketProtocol` is uvicorn's own websocket protocol with one change:
writes made within :data:`GATHER_S` of the first are joined and written once. That is
about ten segments a view instead of thirty, and the stall mostly disappears. A write is
held at most :data:`GATHER_S`; a large one (past :data:`FLUSH_BYTES`) goes at once, and
closing the connection writes what is held first. :func:`install` makes uvicorn use it
wherever Streamlit asks for its ``websockets-sansio`` implementation (Streamlit 1.67
always does with uvicorn 0.44 or later; ``tests/test_socket_writes.py`` checks that).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

GATHER_S = 0.002
"""How long the first write waits for others to join it. Streamlit's server sends the
messages queued by a page run in one pass (then sleeps 5 ms), so 2 ms gathers a pass
without delaying the page noticeably; measured against 1, 3, 5 and 10 ms, it gave the
lowest median view through nginx (``benchmarks/bench_load.py``)."""

FLUSH_BYTES = 256 * 1024
"""Held bytes that are written at once, without waiting (the country map is ~200 kB)."""

STREAMLIT_WS = "websockets-sansio"
"""The name Streamlit gives uvicorn for its websocket protocol (``ws=`` in uvicorn's
``Config``)."""


class GatheredTransport:
    """A transport whose writes are gathered for :data:`GATHER_S` and written as one.

    Everything but ``write``, ``close`` and ``abort`` is the wrapped transport's own.
    """

    def __init__(
        self,
        transport: asyncio.Transport,
        loop: asyncio.AbstractEventLoop,
        *,
        gather_s: float = GATHER_S,
        flush_bytes: int = FLUSH_BYTES,
    ) -> None:
        self._transport = transport
        self._loop = loop
        self._gather_s = gather_s
        self._flush_bytes = flush_bytes
        self._held: list[bytes] = []
        self._held_bytes = 0
        self._timer: asyncio.TimerHandle | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Hold ``data``; write everything held once the first write is ``gather_s`` old."""
        if not data:
            return
        self._held.append(bytes(data))
        self._held_bytes += len(data)
        if self._held_bytes >= self._flush_bytes:
            self.flush()
        elif self._timer is None:
            self._timer = self._loop.call_later(self._gather_s, self.flush)

    def flush(self) -> None:
        """Write what is held now, as one write."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._held:
            return
        data = b"".join(self._held)
        self._held.clear()
        self._held_bytes = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        """Write what is held (a close frame, say), then close."""
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        """Drop what is held and the connection, as ``abort`` does."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._held.clear()
        self._held_bytes = 0
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GatheringWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's ``websockets-sansio`` protocol, writing through a :class:`GatheredTransport`."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        gathered = GatheredTransport(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        super().connection_made(gathered)  # type: ignore[arg-type]


def install() -> None:
    """Make uvicorn build :class:`GatheringWebSocketProtocol` for Streamlit's websockets.

    Called by :mod:`directory.ui.warmup` in each production replica, before the server
    starts; ``make run`` (plain ``streamlit run``) is left as it is.
    """
    from uvicorn import config

    config.WS_PROTOCOLS[STREAMLIT_WS] = f"{__name__}:{GatheringWebSocketProtocol.__name__}"
