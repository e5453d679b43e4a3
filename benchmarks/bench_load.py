"""Many new visitors at once, through Streamlit's own websocket protocol.

Run: ``python benchmarks/bench_load.py`` (``make bench`` runs it too). Everything it
starts listens on 127.0.0.1 only, on free ports, and is stopped at the end; every loop
has a count and a deadline.

A *view* is what a new visitor costs: a new websocket session on ``/_stcore/stream``
whose first run carries ``?near=<ZIP>&radius=50`` (a ``BackMsg`` with ``rerun_script``,
as the Streamlit frontend sends it), timed from opening the socket to the
``script_finished`` message. Each view searches a different ZIP (ZIPs of the data file).
A view *fails* when the socket or the run fails, the run does not finish successfully
before the deadline, or the page shows an exception element.

It measures, in one run:

* ``defaults``: ``streamlit run app.py`` with Streamlit's default runner and watcher
  options (``runner.postScriptGC = true``, ``server.fileWatcherType = "auto"``), i.e.
  the server as it was before issue 11;
* ``tuned``: one replica as ``make serve`` starts it (``.streamlit/config.toml`` and the
  warm start of :mod:`directory.ui.warmup`);
* ``proxy`` (when nginx is installed): ``deploy/serve.py``, N replicas behind nginx.

For each: the first visitor after the start (and its ratio to a warm view), single views
one after another (p50 is the server time per view: loopback, nothing else running),
K concurrent visitors (p50/p95/max latency, views/s, failures, bytes per view), and the
resident memory of the replicas idle and with ``--open-sessions`` sessions held open.
Then, through the proxy, a first visit in Chromium (Playwright, ``/usr/bin/chromium``,
never ``playwright install``) and three more with its cache warm: time to the first
result card, bytes and requests on the wire, and the replicas' CPU time for the visit
(page, frontend files, websocket, map), which a new browser costs beyond its view.

Options: ``--url URL`` drives an already-running server instead (load figures only);
``--profile`` records the tuned server under load with py-spy (if installed) and
prints the top functions; ``--only tuned,proxy`` skips the others.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import csv
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data" / "clinics.csv"
CHROMIUM = Path("/usr/bin/chromium")
CARD = '[class*="st-key-card-in_person-0"]'
STARTUP_TIMEOUT_S = 90.0
VIEW_TIMEOUT_S = 60.0
FINISHED_OK = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY


# ----------------------------------------------------------------------------- a view
@dataclass
class View:
    ok: bool
    seconds: float
    bytes: int = 0
    messages: int = 0
    exceptions: int = 0
    error: str = ""


def query_for(zip5: str, radius: int = 50) -> str:
    return f"near={zip5}&radius={radius}"


def rerun_message(query_string: str) -> bytes:
    """The first BackMsg of a session, as the frontend sends it for ``/?<query_string>``."""
    message = BackMsg()
    state = message.rerun_script
    state.query_string = query_string
    state.page_script_hash = ""
    state.page_name = ""
    state.context_info.timezone = "America/Denver"
    state.context_info.locale = "en-US"
    state.context_info.url = "http://127.0.0.1/?" + query_string
    state.context_info.is_embedded = False
    state.context_info.color_scheme = "light"
    return bytes(message.SerializeToString())


def _ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"


async def _run_view(socket_: websockets.ClientConnection, query_string: str) -> View:
    """Send the first run and read until it finishes (the socket stays open)."""
    started = time.perf_counter()
    await socket_.send(rerun_message(query_string))
    view = View(ok=False, seconds=0.0)
    async with asyncio.timeout(VIEW_TIMEOUT_S):
        async for frame in socket_:
            data = frame if isinstance(frame, bytes) else frame.encode()
            view.bytes += len(data)
            view.messages += 1
            message = ForwardMsg()
            message.ParseFromString(data)
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                if message.delta.new_element.WhichOneof("type") == "exception":
                    view.exceptions += 1
            elif kind == "script_finished":
                if message.script_finished == FINISHED_OK:
                    view.ok = view.exceptions == 0
                    if not view.ok:
                        view.error = "exception shown"
                else:
                    view.error = f"script_finished={message.script_finished}"
                break
        else:
            view.error = "socket closed before script_finished"
    view.seconds = time.perf_counter() - started
    return view


def _connect(base: str, cookie: str = "") -> websockets.connect:
    """The websocket a browser opens (``cookie``: its ``Cookie`` header, if any)."""
    host = base.split("://", 1)[1].rstrip("/")
    return websockets.connect(
        _ws_url(base),
        subprotocols=[websockets.Subprotocol("streamlit")],
        origin=websockets.Origin(f"http://{host}"),
        additional_headers={"Cookie": cookie} if cookie else None,
        max_size=None,
        compression=None,
        open_timeout=VIEW_TIMEOUT_S,
        close_timeout=2,
    )


async def visit(base: str, query_string: str) -> View:
    """One new visitor: connect, run the search, disconnect. Never raises."""
    started = time.perf_counter()
    try:
        async with _connect(base) as socket_:
            view = await _run_view(socket_, query_string)
    except Exception as error:
        return View(False, time.perf_counter() - started, error=f"{type(error).__name__}: {error}")
    view.seconds = time.perf_counter() - started
    return view


async def load(
    base: str, queries: Sequence[str], *, concurrency: int, total: int, deadline_s: float
) -> tuple[list[View], float]:
    """``total`` views by ``concurrency`` visitors at once; stop at the deadline."""
    views: list[View] = []
    pending = collections.deque(queries[i % len(queries)] for i in range(total))
    end = time.monotonic() + deadline_s

    async def visitor() -> None:
        while pending and time.monotonic() < end:
            views.append(await visit(base, pending.popleft()))

    started = time.perf_counter()
    await asyncio.gather(*(visitor() for _ in range(concurrency)))
    return views, time.perf_counter() - started


@dataclass
class Summary:
    views: int
    failed: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    per_s: float
    kb_per_view: float
    errors: list[str] = field(default_factory=list)


def summarise(views: list[View], wall_s: float) -> Summary:
    times = sorted(v.seconds * 1000 for v in views) or [float("nan")]
    ok = [v for v in views if v.ok]

    def pct(p: float) -> float:
        return times[min(len(times) - 1, round(p * (len(times) - 1)))]

    return Summary(
        views=len(views),
        failed=len(views) - len(ok),
        p50_ms=pct(0.5),
        p95_ms=pct(0.95),
        max_ms=times[-1],
        per_s=len(ok) / wall_s if wall_s else 0.0,
        kb_per_view=statistics.mean(v.bytes for v in ok) / 1024 if ok else 0.0,
        errors=sorted({v.error for v in views if v.error})[:5],
    )


async def hold_sessions(base: str, queries: Sequence[str], count: int) -> list[object]:
    """Open ``count`` sessions (each runs one search) and keep their sockets open."""
    stack = contextlib.AsyncExitStack()
    opened = 0
    for i in range(count):
        try:
            socket_ = await stack.enter_async_context(_connect(base))
            await _run_view(socket_, queries[i % len(queries)])
            opened += 1
        except Exception:  # noqa: S112 (counted below)
            continue
    return [stack, opened]


# ------------------------------------------------------------------------- servers
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def wait_healthy(base: str, process: subprocess.Popen[bytes], timeout_s: float) -> float:
    started = time.monotonic()
    while not healthy(base):
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        if time.monotonic() - started > timeout_s:
            raise RuntimeError(f"server not healthy after {timeout_s:g} s")
        time.sleep(0.05)
    return time.monotonic() - started


def server_env(data: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CLINIC_FINDER_ONLINE_GEOCODING", None)
    env["CLINICS_CSV"] = str(data)
    env["CLINIC_FINDER_TILES_URL"] = "none"
    env["PYTHONPATH"] = str(REPO)
    return env


EXTRA_OPTIONS: list[str] = []
"""Streamlit options added to the tuned server (``--option runner.postScriptGC=true``)."""


def streamlit_command(mode: str, port: int) -> list[str]:
    common = ["app.py", "--server.port", str(port), "--server.address", "127.0.0.1"]
    if mode == "defaults":  # the runner and watcher options as Streamlit ships them
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            *common,
            "--runner.postScriptGC",
            "true",
            "--server.fileWatcherType",
            "auto",
        ]
    extra = [part for option in EXTRA_OPTIONS for part in ("--" + option).split("=", 1)]
    return [sys.executable, "-m", "directory.ui.warmup", "run", *common, *extra]


@dataclass
class Running:
    name: str
    base: str
    process: subprocess.Popen[bytes]
    started_s: float
    replica_pids: list[int]


@contextlib.contextmanager
def started(mode: str, data: Path, log_dir: Path, replicas: int) -> Iterator[Running]:
    port = free_port()
    log = (log_dir / f"{mode}.log").open("wb")
    if mode == "proxy":
        command = [
            sys.executable,
            str(REPO / "deploy" / "serve.py"),
            "--port",
            str(port),
            "--replicas",
            str(replicas),
            "--address",
            "127.0.0.1",
        ]
    else:
        command = streamlit_command(mode, port)
    env = server_env(data)
    ready = log_dir / f"{mode}.ready"  # written by directory.ui.warmup (the tuned server)
    if mode == "tuned":
        env["CLINIC_FINDER_READY_FILE"] = str(ready)
    begin = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, process, STARTUP_TIMEOUT_S)
        # As deploy/serve.py does before it starts nginx: ready once it has run the page.
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while mode == "tuned" and not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = _replica_pids(process.pid) if mode == "proxy" else [process.pid]
        yield Running(mode, base, process, time.monotonic() - begin, pids)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _replica_pids(supervisor: int) -> list[int]:
    pids = []
    for pid in _children(supervisor):
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"streamlit" in command or b"warmup" in command:
                pids.append(pid)
    return pids


def cpu_s(pids: Sequence[int]) -> float:
    """User + system CPU seconds the processes have used (``/proc/<pid>/stat``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            # Fields after the command name (which may hold spaces) start at "state".
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ------------------------------------------------------------------------- browser
def browser_visit(
    base: str, query_string: str, *, visits: int = 4, pids: Sequence[int] = ()
) -> list[dict[str, float]]:
    """Time to the first result card, bytes, requests and the servers' CPU (``pids``),
    for a visit with a cold browser cache, then visits with a warm one."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return []
    if not CHROMIUM.exists():
        return []
    figures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context()
            for _ in range(visits):
                page = context.new_page()
                client = page.context.new_cdp_session(page)
                client.send("Network.enable")
                wire = {"bytes": 0.0, "requests": 0.0}

                def on_finished(event: dict[str, float], wire: dict[str, float] = wire) -> None:
                    wire["bytes"] += float(event.get("encodedDataLength", 0))
                    wire["requests"] += 1

                def on_ws(event: dict[str, dict[str, str]], wire: dict[str, float] = wire) -> None:
                    wire["bytes"] += len(event.get("response", {}).get("payloadData", ""))

                client.on("Network.loadingFinished", on_finished)
                client.on("Network.webSocketFrameReceived", on_ws)
                cpu_before = cpu_s(pids)
                started = time.perf_counter()
                page.goto(f"{base}/?{query_string}", wait_until="commit", timeout=60_000)
                page.wait_for_selector(CARD, timeout=60_000)
                seconds = time.perf_counter() - started
                page.wait_for_timeout(1500)  # let late assets (map iframe) finish
                cpu_ms = (cpu_s(pids) - cpu_before) * 1000
                figures.append({"s": seconds, "kb": wire["bytes"] / 1024, "cpu_ms": cpu_ms, **wire})
                page.close()
        finally:
            browser.close()
    return figures


# --------------------------------------------------------------------------- report
def zips_of(data: Path, count: int) -> list[str]:
    with data.open(encoding="utf-8", newline="") as handle:
        zips = [row["zip"][:5] for row in csv.DictReader(handle) if row.get("zip")]
    unique = list(dict.fromkeys(z for z in zips if len(z) == 5 and z.isdigit()))
    return unique[:count] or ["80202"]


def print_row(name: str, summary: Summary) -> None:
    print(
        f"  {name:<26}{summary.views:>6}{summary.failed:>7}{summary.p50_ms:>9.0f}"
        f"{summary.p95_ms:>9.0f}{summary.max_ms:>9.0f}{summary.per_s:>9.1f}"
        f"{summary.kb_per_view:>9.1f}"
    )
    for error in summary.errors:
        print(f"      error: {error}")


HEADER = (
    f"  {'':<26}{'views':>6}{'failed':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
    f"{'views/s':>9}{'KB/view':>9}"
)


def measure(
    base: str,
    queries: list[str],
    args: argparse.Namespace,
    name: str,
    pids: Sequence[int] = (),
) -> dict[str, float]:
    """First visit, serial views, concurrent load; print them; return the key figures.

    With the servers' ``pids``, also the CPU time they spent per view one at a time: the
    cost of a view that the machine's other load (the benchmark itself) does not blur.
    """
    out: dict[str, float] = {}
    first = asyncio.run(visit(base, queries[0]))
    before = cpu_s(pids)
    serial, serial_s = asyncio.run(
        load(base, queries[1:], concurrency=1, total=args.serial, deadline_s=120)
    )
    cpu_per_view_ms = (cpu_s(pids) - before) * 1000 / max(len(serial), 1)
    warm = summarise(serial, serial_s)
    print(HEADER)
    print_row(f"{name}: first visitor", summarise([first], first.seconds))
    print_row(f"{name}: one at a time", warm)
    if pids:
        print(f"  {name}: server CPU per view, one at a time: {cpu_per_view_ms:.0f} ms")
        out["cpu_ms"] = cpu_per_view_ms
    out["first_ms"] = first.seconds * 1000
    out["warm_p50_ms"] = warm.p50_ms
    total = args.views if name != "defaults" else max(args.concurrency, args.views // 4)
    views, wall = asyncio.run(
        load(base, queries, concurrency=args.concurrency, total=total, deadline_s=args.deadline)
    )
    loaded = summarise(views, wall)
    print_row(f"{name}: {args.concurrency} at once", loaded)
    out.update(per_s=loaded.per_s, p95_ms=loaded.p95_ms, failed=loaded.failed)
    return out


def profile(pid: int, base: str, queries: list[str], args: argparse.Namespace) -> None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        print("  (py-spy not installed: pip install py-spy)")
        return
    with tempfile.NamedTemporaryFile(suffix=".txt") as raw:
        command = [py_spy, "record", "--format", "raw", "-o", raw.name, "--pid", str(pid)]
        recorder = subprocess.Popen(
            [*command, "--rate", "200", "--duration", "15", "--nonblocking", "--threads", "--gil"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
        asyncio.run(
            load(base, queries, concurrency=args.concurrency, total=args.views, deadline_s=13)
        )
        recorder.wait(timeout=60)
        own: collections.Counter[str] = collections.Counter()
        inclusive: collections.Counter[str] = collections.Counter()
        total = 0
        for line in Path(raw.name).read_text().splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not count_text.isdigit() or "MainThread" in stack.split(";", 1)[0]:
                continue  # the event loop thread mostly waits in select()
            frames = [f.split(" (")[0] + " (" + f.split("/")[-1] for f in stack.split(";")[1:]]
            count = int(count_text)
            total += count
            if frames:
                own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    print(f"  py-spy --gil, script threads, {total} samples; top by own time:")
    for frame, count in own.most_common(args.top):
        print(f"    {100 * count / max(total, 1):5.1f}%  {frame}")
    print("  top by inclusive time:")
    for frame, count in inclusive.most_common(args.top + 10)[: args.top + 10]:
        print(f"    {100 * count / max(total, 1):5.1f}%  {frame}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", help="drive this running server instead of starting any")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--views", type=int, default=300, help="views in the load phase")
    parser.add_argument("--serial", type=int, default=30, help="views one at a time")
    parser.add_argument("--deadline", type=float, default=60.0, help="seconds per load phase")
    parser.add_argument("--open-sessions", type=int, default=100)
    parser.add_argument("--replicas", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", default="defaults,tuned,proxy")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--option", action="append", default=[], help="extra Streamlit option for tuned (a=b)"
    )
    args = parser.parse_args(argv)
    EXTRA_OPTIONS[:] = args.option
    queries = [query_for(z) for z in zips_of(args.data, 500)]
    if args.url:
        measure(args.url.rstrip("/"), queries, args, "server")
        return 0
    modes = [m for m in args.only.split(",") if m]
    if "proxy" in modes and not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        print("nginx is not installed (make serve installs it as root); skipping the proxy")
        modes.remove("proxy")
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        for mode in modes:
            print(f"== {mode}")
            with started(mode, args.data, Path(tmp), args.replicas) as server:
                idle = sum(rss_mb(p) for p in server.replica_pids)
                figures = measure(server.base, queries, args, mode, server.replica_pids)
                if args.profile and mode == "tuned":
                    profile(server.process.pid, server.base, queries, args)
                stack, opened = asyncio.run(_held(server, queries, args))
                figures["rss_idle_mb"] = idle
                print(
                    f"  RSS per replica: {idle / len(server.replica_pids):.0f} MB at start, "
                    f"{stack:.0f} MB with {opened} open sessions "
                    f"({len(server.replica_pids)} replica(s))"
                )
                if mode == "proxy" and not args.no_browser:
                    visits = browser_visit(server.base, queries[7], pids=server.replica_pids)
                    for n, fig in enumerate(visits):
                        label = "first (cold cache)" if n == 0 else "again (warm cache)"
                        print(
                            f"  browser {label}: first card after {fig['s'] * 1000:.0f} ms, "
                            f"{fig['kb']:.0f} KB on the wire, {fig['requests']:.0f} requests, "
                            f"replica CPU {fig['cpu_ms']:.0f} ms"
                        )
                    if len(visits) > 1:
                        warm = statistics.median(v["s"] for v in visits[1:]) * 1000
                        print(f"  browser, warm cache: first card after {warm:.0f} ms (median)")
                results[mode] = figures
    if "defaults" in results and len(results) > 1:
        base = results["defaults"]["per_s"] or float("nan")
        for mode, figures in results.items():
            if mode != "defaults":
                print(f"{mode}: {figures['per_s'] / base:.1f}x the defaults' views/s")
    for mode, figures in results.items():
        if figures.get("warm_p50_ms"):
            ratio = figures["first_ms"] / figures["warm_p50_ms"]
            print(f"{mode}: first visitor {ratio:.1f}x a warm view")
    return 0


async def _held(server: Running, queries: list[str], args: argparse.Namespace) -> tuple[float, int]:
    stack, opened = await hold_sessions(server.base, queries, args.open_sessions)
    assert isinstance(stack, contextlib.AsyncExitStack)
    await asyncio.sleep(1.0)
    held = sum(rss_mb(p) for p in server.replica_pids) / max(len(server.replica_pids), 1)
    await stack.aclose()
    return held, int(str(opened))


if __name__ == "__main__":
    sys.exit(main())
