"""Helpers for the real-browser tests: a Streamlit server on a free port, and test data.

The tests in ``tests/test_browser.py`` start ``streamlit run app.py`` on 127.0.0.1 with
map tiles off, and drive Debian's Chromium (``/usr/bin/chromium``) through Playwright.
``playwright install`` is never run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
from conftest import VALID_ROW

from directory import schema
from directory.csvfile import write_csv_text

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
#: axe-core, installed by `make test` (npm ci, pinned in package-lock.json).
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
"""The phone viewport every browser test checks (an iPhone 12-14 in CSS pixels)."""

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,  # each module starts a Streamlit server and drives Chromium
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} is missing (apt-get install chromium)"
    ),
]
"""``pytestmark`` of every browser test module."""
STARTUP_TIMEOUT_S = 60.0
#: Playwright timeouts, in milliseconds: generous, for a loaded CI machine.
TIMEOUT_MS = 30_000

#: The Leaflet elements a clinic is drawn as: a circle marker (SVG path in the overlay
#: pane) or a cluster icon (a div in the marker pane).
CIRCLE_MARKERS = ".leaflet-overlay-pane path.leaflet-interactive"
CLUSTERS = ".leaflet-marker-pane .marker-cluster"
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
#: URL schemes that never leave the browser.
IN_BROWSER_SCHEMES = ("data:", "blob:", "about:", "chrome-error:")


def free_port() -> int:
    """A TCP port nobody listens on right now (xdist workers each ask for their own)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class AppServer:
    """A running ``streamlit run app.py``."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as answer:  # noqa: S310
            return bool(answer.status == 200 and answer.read().strip() == b"ok")
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def streamlit_server(
    log_dir: Path, *, clinics_csv: Path | None = None, env: Mapping[str, str] | None = None
) -> Iterator[AppServer]:
    """Start the app on 127.0.0.1 with tiles off; stop it (terminate, then kill) after.

    ``env``: more environment variables for the server (an admin password hash, say).
    """
    port = free_port()
    extra = dict(env or {})
    env = dict(os.environ)
    for name in ("CLINICS_CSV", "CLINIC_FINDER_ONLINE_GEOCODING"):
        env.pop(name, None)  # the shipped data (or clinics_csv), and no online geocoder
    env["CLINIC_FINDER_TILES_URL"] = "none"
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    if clinics_csv is not None:
        env["CLINICS_CSV"] = str(clinics_csv)
    env.update(extra)
    log_path = log_dir / f"streamlit-{port}.log"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    server = AppServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(server.url):
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {process.returncode}:\n{server.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy after {STARTUP_TIMEOUT_S:g} s")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine (localhost or an in-browser scheme)."""
    if url.startswith(IN_BROWSER_SCHEMES):
        return True
    host = urlsplit(url).hostname or ""
    return host in LOCAL_HOSTS or f"[{host}]" in LOCAL_HOSTS


# --- test data ----------------------------------------------------------------------------

BASE_CLINIC: Mapping[str, str] = VALID_ROW
"""One valid in-person clinic in downtown Denver (fictional 555-01xx phone)."""


def clinic(**overrides: str) -> dict[str, str]:
    """:data:`BASE_CLINIC` with some columns replaced."""
    unknown = set(overrides) - set(schema.COLUMN_NAMES)
    if unknown:
        raise KeyError(f"not schema columns: {sorted(unknown)}")
    return {**BASE_CLINIC, **overrides}


def write_clinics_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write ``rows`` as a clinic CSV (the app's own writer) and return ``path``."""
    table = pd.DataFrame(rows, columns=list(schema.COLUMN_NAMES)).fillna("")
    path.write_text(write_csv_text(table), encoding="utf-8")
    return path
