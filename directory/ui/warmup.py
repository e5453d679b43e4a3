"""Warm start: load what every visitor shares before the first visitor arrives.

Streamlit runs ``app.py`` per session, so nothing in it runs before someone connects.
Production replicas (``make serve``) are therefore started through this module::

    python -m directory.ui.warmup run app.py [streamlit options...]

which warms the caches first and then hands over to the ``streamlit`` command line
unchanged. The server only listens once it is warm, so a load balancer never sends a
visitor to a cold replica: while it warms, its port refuses connections and nginx tries
another. Warming fills the same caches the pages use: the data file and its search
index (``common.get_directory``, keyed on the file's mtime and size, so a changed file
is still reloaded on the next run), the offline gazetteer and geocoder, the translation
catalogs (:func:`directory.i18n.preload`) and the whole-country map payload in each
language; it imports the page modules and runs one search. Then it
freezes what is loaded (:func:`gc.freeze`): those long-lived objects are never scanned
again by a garbage collection, which is what made each visitor expensive.

Once the server listens, a background thread visits it once over the websocket (the
first run of a session also imports Streamlit's element modules and builds a map), and
freezes again. :func:`start` warms in a background thread instead, for a server that
already listens. ``make run`` (the developer command) uses none of this; its first
visitor pays for the loading. A failure here is logged and otherwise ignored: the first
visitor then loads the data as before, or sees the usual friendly error.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

READY_FILE_ENV = "CLINIC_FINDER_READY_FILE"
"""When set, the path written once the server listens and has made its own first visit.

``deploy/serve.py`` starts nginx only when every replica has written its file, so no
visitor meets a replica that has not run the page once (its first run imports and
compiles what later runs reuse, and a visitor arriving meanwhile would share the cores
with it)."""

WARM_ZIP = "80202"
"""A ZIP searched once while warming (downtown Denver), so the search path is warm."""

_lock = threading.Lock()
_thread: threading.Thread | None = None
done = threading.Event()
"""Set when warming has finished (successfully or not)."""


def warm_caches() -> float:
    """Load the shared data and run one search; return the seconds it took."""
    started = time.perf_counter()
    # Imported here: importing this module (to start the thread) must stay cheap.
    from directory import i18n
    from directory.geocoding import resolve_place
    from directory.params import form_from_params
    from directory.search import search
    from directory.ui import common, find, map_view  # noqa: F401 (imports the page's modules)

    directory = common.get_directory()
    i18n.preload()  # the Spanish catalog, read once here rather than by a first visitor
    for code in i18n.LANGUAGES:  # the map's words differ by language
        with i18n.using(code):
            map_view.country_payload(directory)  # and the marker table it is made from
    common.tile_settings()
    common.online_geocoder()
    origin = resolve_place(WARM_ZIP)  # builds the gazetteer and the offline geocoder
    form = form_from_params({"near": [WARM_ZIP], "radius": ["50"]})
    search(directory.index, form.to_query(origin))
    # Everything alive now lives as long as the process (or until the data file changes,
    # when refcounting frees the old tables): take it out of the collector's generations.
    gc.collect()
    gc.freeze()
    return time.perf_counter() - started


def _warm() -> None:
    # The caches are filled outside any script run, which Streamlit warns about each time.
    from streamlit import config
    from streamlit.runtime.scriptrunner_utils import script_run_context

    config.get_option("logger.level")  # parse the config first: that resets logger levels
    quiet = logging.getLogger(script_run_context.__name__)
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        seconds = warm_caches()
        print(f"warm start: shared data loaded in {seconds:.2f} s", file=sys.stderr)
    except Exception:  # a bad data file must not kill the server; visitors see the error
        logger.exception("warm start failed; the first visitor will load the data")
    finally:
        quiet.setLevel(level)
        done.set()


def first_run_message(query_string: str) -> bytes:
    """The first ``BackMsg`` of a session, as the frontend sends it for ``/?query_string``."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    message.rerun_script.query_string = query_string
    message.rerun_script.page_script_hash = ""
    message.rerun_script.page_name = ""
    return bytes(message.SerializeToString())


def server_port(args: Sequence[str]) -> int | None:
    """The ``--server.port`` given on the command line (``N`` or ``=N``), if any."""
    for position, arg in enumerate(args):
        if arg == "--server.port" and position + 1 < len(args):
            value = args[position + 1]
        elif arg.startswith("--server.port="):
            value = arg.split("=", 1)[1]
        else:
            continue
        return int(value) if value.isdigit() else None
    return None


def visit_self(timeout_s: float = 60.0, port: int | None = None) -> bool:
    """Once the server listens, be its first visitor (a ZIP search), then freeze again.

    The first run of a session imports Streamlit's element modules, compiles the page
    scripts and builds the first map; done here, no patient waits for it. ``port``: the
    one given on the command line. Streamlit's configuration would only have it once its
    command line has been parsed, which may be after this thread asks: a replica asked
    too early knocked on Streamlit's default port for a minute and served its first
    patient cold (``deploy/serve.py`` waited that minute too).
    """
    from streamlit import config
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    if port is None:
        port = int(config.get_option("server.port"))
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with connect(url, subprotocols=["streamlit"], open_timeout=5) as socket:  # type: ignore[list-item]
                socket.send(first_run_message(f"near={WARM_ZIP}&radius=50"))
                while time.monotonic() < deadline:
                    message = ForwardMsg()
                    message.ParseFromString(socket.recv(timeout=timeout_s))
                    if message.WhichOneof("type") == "script_finished":
                        gc.collect()
                        gc.freeze()
                        return True
        except OSError:
            time.sleep(0.1)  # not listening yet
        except Exception:
            logger.exception("warm start: the self-visit failed")
            return False
    return False


def visit_self_then_signal(timeout_s: float = 60.0, port: int | None = None) -> None:
    """:func:`visit_self`, then write :data:`READY_FILE_ENV`'s file (if set), either way:
    a replica whose own visit failed still serves, as warm as it could get."""
    try:
        visit_self(timeout_s, port)
    finally:
        path = os.environ.get(READY_FILE_ENV, "").strip()
        if path:
            try:
                Path(path).write_text(f"{os.getpid()}\n", encoding="utf-8")
            except OSError:
                logger.exception("warm start: could not write the ready file")


def start() -> threading.Thread:
    """Start warming in a background thread, once per process; return that thread."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_warm, name="warm-start", daemon=True)
            _thread.start()
        return _thread


def main(argv: list[str] | None = None) -> None:
    """``python -m directory.ui.warmup run app.py ...``: warm, and run Streamlit's CLI."""
    from streamlit.web import cli

    from directory.ui import socket_writes

    args = sys.argv[1:] if argv is None else argv
    socket_writes.install()  # before the server builds its uvicorn config
    _warm()
    threading.Thread(
        target=visit_self_then_signal,
        args=(60.0, server_port(args)),
        name="warm-visit",
        daemon=True,
    ).start()
    sys.argv = ["streamlit", *args]
    cli.main()


if __name__ == "__main__":
    main()
