"""``make serve``: N Streamlit replicas on loopback ports behind nginx on one public port.

Usage: ``python deploy/serve.py [--port 8080] [--replicas N] [--address 0.0.0.0]``
(``make serve PORT=... REPLICAS=...``). It

1. starts N replicas (default: one per core), each ``python -m directory.ui.warmup run
   app.py`` on a free 127.0.0.1 port, all with one shared ``server.cookieSecret`` (so a
   session's XSRF cookie is valid on every replica);
2. waits until every replica answers ``/_stcore/health`` and is ready: each one warms its
   caches before it listens and then visits itself once, and says so by writing the file
   named in ``CLINIC_FINDER_READY_FILE`` (see :mod:`directory.ui.warmup`), so the first
   visitor never meets a replica still making its first run;
3. fills in ``deploy/nginx.conf.template`` under a temporary prefix and runs nginx in
   the foreground (the Debian package: ``/usr/sbin/nginx``);
4. watches its children: a replica that exits is started again on the same port (nginx
   skips it meanwhile, see the template); if nginx exits, everything stops;
5. on Ctrl-C / SIGTERM / SIGHUP stops nginx and every replica (SIGTERM, then SIGKILL after
   a grace period) and removes the prefix. Children also get SIGKILL if this process dies
   (``PR_SET_PDEATHSIG``), so nothing is left behind.

Only the standard library is used.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().with_name("nginx.conf.template")
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/bin/nginx")
MIME_TYPES = "/etc/nginx/mime.types"
# Debian's libnginx-mod-http-brotli-filter (installed by `make nginx` when root): brotli
# makes Streamlit's JavaScript about a fifth smaller than gzip, for browsers that take it.
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")
BROTLI = """\
    # Brotli, where the browser accepts it (all current ones, over https or localhost);
    # gzip above for the rest. Level 5: within a few percent of 11 at a fraction of the CPU.
    brotli on;
    brotli_comp_level 5;
    brotli_min_length 1024;
    brotli_types text/plain text/css text/javascript application/javascript
                 application/json application/manifest+json image/svg+xml font/ttf
                 application/x-font-ttf;"""
# The name directory.ui.warmup reads (not imported: this script uses the standard library).
READY_FILE_ENV = "CLINIC_FINDER_READY_FILE"
STARTUP_TIMEOUT_S = 180.0
STOP_GRACE_S = 10.0
MAX_RESTARTS_PER_MINUTE = 5
PR_SET_PDEATHSIG = 1


def log(message: str) -> None:
    print(f"serve: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: get SIGKILL when the supervisor dies (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def healthy(port: int, timeout_s: float = 2.0) -> bool:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:
            return bool(answer.status == 200)
    except (OSError, urllib.error.URLError):
        return False


@dataclass
class Replica:
    index: int
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "directory.ui.warmup",
            "run",
            "app.py",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ]

    @property
    def ready_file(self) -> Path:
        """Written by the replica once it has visited itself (directory.ui.warmup)."""
        return Path(self.env[READY_FILE_ENV])

    def ready(self) -> bool:
        return self.ready_file.exists() and healthy(self.port, 1.0)

    def start(self) -> None:
        self.ready_file.unlink(missing_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and app)
            self.command(),
            cwd=REPO,
            env=self.env,
            preexec_fn=_die_with_parent,
            start_new_session=True,  # Ctrl-C reaches only the supervisor, which stops us
        )
        log(f"replica {self.index} starting on 127.0.0.1:{self.port} (pid {self.process.pid})")


def fill_template(template: str, **values: str) -> str:
    """Replace each ``${name}`` (nginx's own variables are ``$name``, left alone)."""

    def value(match: re.Match[str]) -> str:
        if match[1] not in values:
            raise KeyError(f"nginx template field ${{{match[1]}}} has no value")
        return values[match[1]]

    return re.sub(r"\$\{([a-z_]+)\}", value, template)


COOKIE = "kcf_replica"
"""The cookie that keeps a visitor's requests on the replica that holds its session."""
COOKIE_ATTRIBUTES = "Path=/; HttpOnly; SameSite=Lax"


def package_dir(name: str) -> Path:
    """Where an installed package is, found without importing it (this script stays on
    the standard library)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"serve: {name} is not installed in this Python (run make serve)")
    return Path(spec.origin).parent


def streamlit_static_dir() -> Path:
    """Streamlit's built frontend (``index.html``, ``static/js``...)."""
    return package_dir("streamlit") / "static"


def map_component_dir() -> Path:
    """streamlit-folium's built component, served at ``/component/<its name>/``."""
    return package_dir("streamlit_folium") / "frontend" / "build"


def replica_name(index: int) -> str:
    """The value of :data:`COOKIE` that names replica ``index``."""
    return f"r{index}"


def _server(port: int) -> str:
    # One failure marks a replica down for 5 s (a refused connection: it died or warms up).
    return f"127.0.0.1:{port} max_fails=1 fail_timeout=5s"


def render_config(
    prefix: Path,
    listen: str,
    ports: list[int],
    *,
    access_log: str = "off",
    brotli_module: Path = BROTLI_MODULE,
) -> Path:
    """Write PREFIX/nginx.conf from the template; return its path.

    Brotli is switched on when ``brotli_module`` is installed, else gzip alone is used.
    """
    servers = "\n".join(f"        server {_server(port)};" for port in ports)
    cookie_routes, cookie_updates, replica_upstreams = [], [], []
    for index, port in enumerate(ports):
        name, address = replica_name(index), f"127.0.0.1:{port}"
        cookie_routes.append(f"        {name} replica_{index};")
        cookie_updates.append(f'        "{name} {address}" "";')
        pattern = " " + re.escape(address)  # the address that answered, last if retried
        cookie_updates.append(f'        "~{pattern}$" "{COOKIE}={name}; {COOKIE_ATTRIBUTES}";')
        backups = [f"        server 127.0.0.1:{other} backup;" for other in ports if other != port]
        replica_upstreams += [
            f"    upstream replica_{index} {{",
            f"        server {_server(port)};",
            *backups,
            "        keepalive 8;",
            "    }",
        ]
    user = "user nobody nogroup;" if os.geteuid() == 0 else "# (not root: workers run as me)"
    text = fill_template(
        TEMPLATE.read_text(encoding="utf-8"),
        user_directive=user,
        prefix=str(prefix),
        mime_types=MIME_TYPES,
        access_log=access_log,
        listen=listen,
        upstream_servers=servers,
        cookie_routes="\n".join(cookie_routes),
        cookie_updates="\n".join(cookie_updates),
        replica_upstreams="\n".join(replica_upstreams),
        streamlit_static=str(streamlit_static_dir()),
        map_component=str(map_component_dir()),
        app_static=str(REPO / "static"),
        load_modules=f"load_module {brotli_module};" if brotli_module.exists() else "",
        brotli=BROTLI if brotli_module.exists() else "    # (brotli: module not installed)",
    )
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / name).mkdir(exist_ok=True)
        if os.geteuid() == 0:  # the workers (nobody) write request bodies here
            shutil.chown(prefix / name, "nobody", "nogroup")
    prefix.chmod(0o755)
    path = prefix / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    return path


def find_nginx() -> str:
    for candidate in (shutil.which("nginx"), *NGINX_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("serve: nginx not found; `make serve` installs it as root (apt nginx)")


def stop(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if process is not None and process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)


def wait_all(processes: list[subprocess.Popen[bytes]], grace_s: float) -> None:
    deadline = time.monotonic() + grace_s
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class Supervisor:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        # One secret for every replica: XSRF and auth cookies stay valid on failover.
        env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_urlsafe(32))
        ports = [free_port() for _ in range(args.replicas)]
        self.nginx: subprocess.Popen[bytes] | None = None
        self.prefix = Path(tempfile.mkdtemp(prefix="kcf-nginx-"))
        self.replicas = [
            Replica(i, port, {**env, READY_FILE_ENV: str(self.prefix / f"replica-{i}.ready")})
            for i, port in enumerate(ports)
        ]
        self.stopping = False

    def children(self) -> list[subprocess.Popen[bytes]]:
        found = [r.process for r in self.replicas if r.process is not None]
        return [*found, self.nginx] if self.nginx is not None else found

    def run(self) -> int:
        for replica in self.replicas:
            replica.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        waiting = list(self.replicas)
        while waiting and not self.stopping:
            # Ready, not only listening: nginx starts once each replica has run the page.
            waiting = [r for r in waiting if not r.ready()]
            for replica in waiting:
                if replica.process is not None and replica.process.poll() is not None:
                    log(f"replica {replica.index} exited with {replica.process.returncode}")
                    return 1
            if time.monotonic() > deadline:
                log(f"replicas not healthy after {STARTUP_TIMEOUT_S:g} s")
                return 1
            time.sleep(0.2)
        if self.stopping:
            return 0
        listen = f"{self.args.address}:{self.args.port}"
        config = render_config(
            self.prefix, listen, [r.port for r in self.replicas], access_log=self.args.access_log
        )
        nginx = find_nginx()
        check = subprocess.run(  # noqa: S603
            [nginx, "-t", "-q", "-p", str(self.prefix), "-c", str(config)], check=False
        )
        if check.returncode != 0:
            log("nginx rejected the configuration")
            return 1
        self.nginx = subprocess.Popen(  # noqa: S603
            [nginx, "-p", str(self.prefix), "-c", str(config), "-g", "daemon off;"],
            preexec_fn=_die_with_parent,
            start_new_session=True,
        )
        shown = "localhost" if self.args.address in ("0.0.0.0", "") else self.args.address  # noqa: S104
        log(
            f"{len(self.replicas)} replica(s) behind nginx: http://{shown}:{self.args.port}/"
            " (Ctrl-C stops everything)"
        )
        return self.watch()

    def watch(self) -> int:
        while not self.stopping:
            time.sleep(0.5)
            if self.nginx is not None and self.nginx.poll() is not None:
                log(f"nginx exited with {self.nginx.returncode}; stopping")
                return 1
            for replica in self.replicas:
                process = replica.process
                if process is None or process.poll() is None or self.stopping:
                    continue
                now = time.monotonic()
                replica.restarts = [t for t in replica.restarts if now - t < 60] + [now]
                if len(replica.restarts) > MAX_RESTARTS_PER_MINUTE:
                    log(f"replica {replica.index} keeps dying; stopping")
                    return 1
                log(f"replica {replica.index} exited with {process.returncode}; restarting")
                replica.start()
        return 0

    def shutdown(self) -> None:
        self.stopping = True
        stop(self.nginx, signal.SIGQUIT)  # graceful: finish the requests in flight
        for replica in self.replicas:
            stop(replica.process)
        wait_all(self.children(), STOP_GRACE_S)
        shutil.rmtree(self.prefix, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Streamlit replicas behind nginx.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--replicas", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--address", default="0.0.0.0", help="where nginx listens")  # noqa: S104
    parser.add_argument("--access-log", default="off", help='a file, or "off"')
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    supervisor = Supervisor(args)

    def on_signal(signum: int, _frame: object) -> None:
        if not supervisor.stopping:
            log(f"got signal {signum}; stopping")
        supervisor.stopping = True

    handler: Callable[[int, object], None] = on_signal
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)
    try:
        return supervisor.run()
    finally:
        supervisor.shutdown()
        log("stopped")


if __name__ == "__main__":
    sys.exit(main())
