"""Faults in the production layout (``make serve``): replicas behind nginx, on loopback.

Slow: each test starts real servers (127.0.0.1, free ports) and stops them. Every loop
has a count and a deadline. The nginx tests skip themselves when nginx is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.message import Message
from http.cookies import SimpleCookie
from importlib.metadata import version
from pathlib import Path

import pytest
import websockets

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_load  # type: ignore[import-not-found]  # noqa: E402 (not a package)

pytestmark = pytest.mark.slow

NGINX = Path("/usr/sbin/nginx")
needs_nginx = pytest.mark.skipif(not NGINX.exists(), reason="nginx is not installed")
STARTUP_S = 180.0
QUERIES = [bench_load.query_for(z) for z in bench_load.zips_of(bench_load.DATA, 300)]


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def running(
    tmp_path: Path, name: str, command: Callable[[int], list[str]]
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The server ``command(port)`` starts on a free loopback port, once it is healthy;
    stopped after."""
    port = bench_load.free_port()
    log = (tmp_path / f"{name}.log").open("wb")
    process = subprocess.Popen(
        command(port),
        cwd=REPO,
        env=bench_load.server_env(bench_load.DATA),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        bench_load.wait_healthy(base, process, STARTUP_S)
        yield base, process
    finally:
        _stop(process)
        log.close()


def proxy(
    tmp_path: Path, replicas: int = 2
) -> contextlib.AbstractContextManager[tuple[str, subprocess.Popen[bytes]]]:
    def serve(port: int) -> list[str]:
        script = str(REPO / "deploy" / "serve.py")
        options = ["--replicas", str(replicas), "--address", "127.0.0.1"]
        return [sys.executable, script, "--port", str(port), *options]

    return running(tmp_path, "serve", serve)


def replica_pids(supervisor: subprocess.Popen[bytes], count: int) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = sorted(bench_load._replica_pids(supervisor.pid))
        if len(pids) == count:
            return pids
        time.sleep(0.2)
    raise AssertionError(f"expected {count} replicas, found {pids}")


def replica_port(pid: int) -> int:
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return int(args[args.index(b"--server.port") + 1])


async def load_with_kill(base: str, kill: int, *, views: int, concurrency: int) -> list:
    """Run ``views`` new visitors; SIGKILL ``kill`` a third of the way in.

    Returns (started_at, view) pairs and the kill time, all on the monotonic clock.
    """
    done: list[tuple[float, bench_load.View]] = []
    pending = list(QUERIES[:views])
    killed_at: list[float] = []
    deadline = time.monotonic() + 120

    async def visitor() -> None:
        while pending and time.monotonic() < deadline:
            query = pending.pop()
            if not killed_at and len(done) >= views // 3:
                os.kill(kill, signal.SIGKILL)
                killed_at.append(time.monotonic())
            started = time.monotonic()
            done.append((started, await bench_load.visit(base, query)))

    await asyncio.gather(*(visitor() for _ in range(concurrency)))
    return [done, killed_at[0] if killed_at else None]


@needs_nginx
def test_a_killed_replica_is_skipped_and_comes_back(tmp_path: Path) -> None:
    with proxy(tmp_path) as (base, supervisor):
        first, second = replica_pids(supervisor, 2)
        first_port = replica_port(first)
        done, killed_at = asyncio.run(load_with_kill(base, first, views=90, concurrency=6))
        assert killed_at is not None
        after = [view for started, view in done if started > killed_at + 0.05]
        assert len(after) >= 30
        # Refused connections are retried on the other replica: no new visitor fails.
        assert [v.error for v in after if not v.ok] == []

        # The supervisor starts the killed replica again (warm, on the same port)...
        deadline = time.monotonic() + STARTUP_S
        restarted: list[int] = []
        while time.monotonic() < deadline:
            restarted = [p for p in bench_load._replica_pids(supervisor.pid) if p != second]
            if restarted and bench_load.healthy(f"http://127.0.0.1:{replica_port(restarted[0])}"):
                break
            time.sleep(0.5)
        assert restarted, "the killed replica was not restarted"
        assert replica_port(restarted[0]) == first_port
        time.sleep(6)  # nginx's fail_timeout: the replica is tried again after it
        # ...and it serves: with the other replica gone, every visitor lands on it.
        os.kill(second, signal.SIGKILL)
        time.sleep(0.5)
        views = [asyncio.run(bench_load.visit(base, q)) for q in QUERIES[100:110]]
        assert [v.error for v in views if not v.ok] == []


def replica_index(pid: int) -> int:
    """Which replica (0, 1, ...) the process is: its ready file is ``replica-<i>.ready``."""
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    (ready,) = [v for v in environ if v.startswith(b"CLINIC_FINDER_READY_FILE=")]
    return int(ready.rsplit(b"replica-", 1)[1].split(b".")[0])


def established(port: int) -> int:
    """Open TCP connections to a replica's port (nginx's, for the visitors it holds)."""
    out = subprocess.run(
        ["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    return len(out.splitlines())


def first_response_cookie(base: str, cookie: str = "") -> str | None:
    """The ``kcf_replica`` value set by a GET of the page (None: not set)."""
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(base + "/", headers=headers)  # noqa: S310 (loopback)
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
        assert answer.status == 200
        found = SimpleCookie()
        for header in answer.headers.get_all("Set-Cookie") or []:
            found.load(header)
    return found["kcf_replica"].value if "kcf_replica" in found else None


async def visit_with_cookie(base: str, cookie: str, query: str) -> bench_load.View:
    async with bench_load._connect(base, cookie) as socket_:
        async with asyncio.timeout(20):
            return await bench_load._run_view(socket_, query)


async def hold_sessions(base: str, count: int) -> list[websockets.ClientConnection]:
    sockets = []
    for query in QUERIES[200 : 200 + count]:  # one after another: each sees the last held
        socket_ = await bench_load._connect(base)
        assert (await bench_load._run_view(socket_, query)).ok
        sockets.append(socket_)
    return sockets


@needs_nginx
def test_new_visitors_go_to_the_least_busy_replica_and_stay_on_theirs(tmp_path: Path) -> None:
    with proxy(tmp_path) as (base, supervisor):
        pids = replica_pids(supervisor, 2)
        ports = {replica_index(pid): replica_port(pid) for pid in pids}
        pid_of = {replica_index(pid): pid for pid in pids}

        async def balance() -> list[int]:
            sockets = await hold_sessions(base, 6)
            try:
                return [established(ports[i]) for i in (0, 1)]
            finally:
                for socket_ in sockets:
                    await socket_.close()

        # New visitors without a cookie: each goes where fewer patients are.
        held = asyncio.run(balance())
        assert sum(held) >= 6
        assert abs(held[0] - held[1]) <= 1, held

        # A first response names the replica; with that cookie every request goes there,
        # even while the other replica cannot answer at all (stopped).
        name = first_response_cookie(base)
        assert name in ("r0", "r1")
        mine = int(name[1:])
        cookie = f"kcf_replica={name}"
        os.kill(pid_of[1 - mine], signal.SIGSTOP)
        try:
            for query in QUERIES[210:216]:
                assert first_response_cookie(base, cookie) is None  # already right
                view = asyncio.run(visit_with_cookie(base, cookie, query))
                assert view.ok, view.error
        finally:
            os.kill(pid_of[1 - mine], signal.SIGCONT)

        # Its replica gone, the visitor is served by the other, and the cookie follows.
        os.kill(pid_of[mine], signal.SIGKILL)
        assert first_response_cookie(base, cookie) == f"r{1 - mine}"
        assert asyncio.run(visit_with_cookie(base, cookie, QUERIES[220])).ok


def fetch(url: str) -> tuple[int, Message, bytes]:
    """Status, headers (any case) and body of a GET."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""


@needs_nginx
def test_nginx_serves_the_frontend_files_itself(tmp_path: Path) -> None:
    with proxy(tmp_path, replicas=1) as (base, supervisor):
        (pid,) = replica_pids(supervisor, 1)
        status, _headers, page = fetch(base + "/")
        assert status == 200
        scripts = re.findall(rb'src="\./(static/js/[^"]+\.js)"', page)
        assert scripts, "no script in Streamlit's page"
        before = bench_load.cpu_s([pid])
        for path in [s.decode() for s in scripts] * 20:
            status, headers, body = fetch(f"{base}/{path}")
            assert status == 200
            assert headers["Cache-Control"] == "public, immutable, max-age=31536000"
            assert "Set-Cookie" not in headers  # answered by nginx, not by a replica
        assert bench_load.cpu_s([pid]) - before < 0.5  # the replica was not asked
        leaflet = "/app/static/vendor/leaflet-1.9.4/dist/leaflet.js"
        status, headers, body = fetch(base + leaflet)
        assert status == 200
        assert body == (REPO / "static" / leaflet.removeprefix("/app/static/")).read_bytes()
        assert headers["X-Content-Type-Options"] == "nosniff"
        frame = "/component/streamlit_folium.st_folium/index.html"
        status, headers, body = fetch(base + frame)
        assert status == 200
        assert "Set-Cookie" not in headers
        assert headers["ETag"]  # a second page view revalidates instead of downloading
        # Nothing outside those folders is read from disk.
        for path in ("/static/../../app.py", "/app/static/%2e%2e/app.py", "/static/index.html"):
            status, headers, body = fetch(base + path)
            assert b"import streamlit" not in body
            assert status in (200, 400, 404)


def replica(
    tmp_path: Path, *options: str
) -> contextlib.AbstractContextManager[tuple[str, subprocess.Popen[bytes]]]:
    return running(
        tmp_path, "replica", lambda port: [*bench_load.streamlit_command("tuned", port), *options]
    )


async def disconnect_mid_run(base: str, query: str) -> None:
    async with bench_load._connect(base) as socket_:
        await socket_.send(bench_load.rerun_message(query))
        await socket_.recv()  # the run has started: leave now


def test_a_visitor_who_leaves_mid_run_breaks_nothing(tmp_path: Path) -> None:
    with replica(tmp_path) as (base, process):
        for query in QUERIES[:5]:
            asyncio.run(disconnect_mid_run(base, query))
        views = [asyncio.run(bench_load.visit(base, q)) for q in QUERIES[5:10]]
        assert [v.error for v in views if not v.ok] == []
        assert process.poll() is None
    assert "Traceback" not in (tmp_path / "replica.log").read_text(errors="replace")


def test_a_warm_replica_serves_the_maps_frame(tmp_path: Path) -> None:
    # The warm start imports the page's modules before the server exists; a component
    # imported then is never registered with the server, and every map was a 404.
    with replica(tmp_path) as (base, _process):
        assert asyncio.run(bench_load.visit(base, QUERIES[0])).ok  # a page, with its map
        status, _headers, body = fetch(base + "/component/streamlit_folium.st_folium/index.html")
        assert status == 200
        assert b"<html" in body.lower()


async def open_and_drop(base: str, count: int, concurrency: int) -> int:
    pending = list(QUERIES[:count])
    ok = 0

    async def visitor() -> None:
        nonlocal ok
        while pending:
            view = await bench_load.visit(base, pending.pop())
            ok += view.ok

    await asyncio.wait_for(asyncio.gather(*(visitor() for _ in range(concurrency))), 300)
    return ok


def test_memory_returns_after_200_dropped_sessions(tmp_path: Path) -> None:
    # A short disconnectedSessionTTL bounds the test; production keeps Streamlit's 120 s,
    # after which the same cleanup happens.
    ttl_s = 2
    with replica(tmp_path, "--server.disconnectedSessionTTL", str(ttl_s)) as (base, process):
        asyncio.run(open_and_drop(base, 20, 5))  # the first runs' lazy imports and caches
        time.sleep(ttl_s + 3)
        start = bench_load.rss_mb(process.pid)
        assert asyncio.run(open_and_drop(base, 200, 10)) == 200
        deadline = time.monotonic() + 60
        rss = bench_load.rss_mb(process.pid)
        while rss > start * 1.10 and time.monotonic() < deadline:
            time.sleep(1)
            rss = bench_load.rss_mb(process.pid)
        assert rss <= start * 1.10, f"RSS {start:.0f} MB -> {rss:.0f} MB"


def test_websockets_is_the_pinned_client() -> None:
    pins = (REPO / "requirements-dev.txt").read_text(encoding="utf-8")
    assert f"websockets=={version('websockets')}" in pins


def test_serve_reads_the_ready_file_the_warm_start_writes() -> None:
    """One name for the ready signal, in the script (standard library only) and the app."""
    sys.path.insert(0, str(REPO / "deploy"))
    import serve  # type: ignore[import-not-found]  # a script, not a package

    from directory.ui import warmup

    assert serve.READY_FILE_ENV == warmup.READY_FILE_ENV
