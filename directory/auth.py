"""Admin sign-in: password hashing, the configured hash, and throttling after wrong tries.

Plain Python (no Streamlit), so every rule here is tested without a browser.

* Passwords are never stored, only an scrypt hash encoded as
  ``scrypt$n=16384,r=8,p=1$<salt base64>$<hash base64>`` (make one with
  ``python -m directory hash-password``).
* :func:`verify_password` never raises: a malformed or absurd encoding is
  simply "wrong password", and its cost parameters are bounded so a bad
  configuration cannot make one sign-in attempt eat gigabytes or minutes.
* :class:`LoginThrottle` is the waiting policy as a pure, clock-injected class;
  :class:`LoginGuard` throttles each client (session and IP address, see
  :func:`client_address`) and keeps a global ceiling that never refuses a client
  that has not failed itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import math
import re
import threading
import time
import unicodedata
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from secrets import token_bytes

from directory.errors import ConfigError

SCHEME = "scrypt"
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32

ENV_PASSWORD_HASH = "CLINIC_FINDER_ADMIN_PASSWORD_HASH"  # noqa: S105 (a variable name)
SECRETS_SECTION = "admin"
SECRETS_KEY = "password_hash"

# Bounds on what an encoding may ask for. scrypt needs about 128 * n * r bytes of memory
# and time proportional to n * r * p; the defaults use 16 MiB. Anything beyond these bounds
# is refused as malformed rather than computed.
MAX_N = 2**17
MAX_R = 32
MAX_P = 16
MAX_MEMORY_BYTES = 64 * 1024 * 1024
MIN_SALT_BYTES = 8
MAX_SALT_BYTES = 64
MIN_HASH_BYTES = 16
MAX_HASH_BYTES = 64
MAX_PASSWORD_CHARS = 1024
MAX_ENCODED_CHARS = 512

_ENCODED = re.compile(
    r"^scrypt\$n=(?P<n>[1-9][0-9]{0,9}),r=(?P<r>[1-9][0-9]{0,3}),p=(?P<p>[1-9][0-9]{0,3})"
    r"\$(?P<salt>[A-Za-z0-9+/]+={0,2})\$(?P<hash>[A-Za-z0-9+/]+={0,2})$"
)


# --- hashing ----------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An scrypt hash of ``password`` with a fresh random salt, as one line of text."""
    if not isinstance(password, str) or not password:
        raise ValueError("the password must be a non-empty string")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"the password must be at most {MAX_PASSWORD_CHARS} characters")
    control = next((c for c in password if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        # Control characters (NUL, escape, DEL, C1 controls) cannot be typed into the
        # sign-in box; in a password they are a paste gone wrong, and would lock it.
        raise ValueError(
            f"the password contains a control character (U+{ord(control):04X}); use "
            "letters, digits, spaces and punctuation only"
        )
    salt = token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return (
        f"{SCHEME}$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}${_b64encode(salt)}${_b64encode(digest)}"
    )


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded``; False for a wrong password or a bad encoding.

    Never raises, whatever it is given.
    """
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
        return False
    parsed = _parse(encoded)
    if parsed is None:
        return False
    n, r, p, salt, expected = parsed
    try:
        actual = _scrypt(password, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):  # e.g. a lone surrogate in the password
        return False
    return hmac.compare_digest(actual, expected)


def is_password_hash(encoded: object) -> bool:
    """True when ``encoded`` is a hash :func:`verify_password` can check against."""
    return _parse(encoded) is not None


def _parse(encoded: object) -> tuple[int, int, int, bytes, bytes] | None:
    if not isinstance(encoded, str) or len(encoded) > MAX_ENCODED_CHARS:
        return None
    match = _ENCODED.match(encoded.strip())
    if match is None:
        return None
    n, r, p = int(match["n"]), int(match["r"]), int(match["p"])
    if n < 2 or n & (n - 1) or n > MAX_N or r > MAX_R or p > MAX_P:
        return None
    if 128 * n * r > MAX_MEMORY_BYTES:
        return None
    try:
        salt = base64.b64decode(match["salt"], validate=True)
        digest = base64.b64decode(match["hash"], validate=True)
    except (binascii.Error, ValueError):
        return None
    if not MIN_SALT_BYTES <= len(salt) <= MAX_SALT_BYTES:
        return None
    if not MIN_HASH_BYTES <= len(digest) <= MAX_HASH_BYTES:
        return None
    return n, r, p, salt, digest


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=2 * MAX_MEMORY_BYTES,
        dklen=length,
    )


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- configuration ----------------------------------------------------------------------------


def configured_password_hash(
    secrets: Mapping[str, object] | None, environ: Mapping[str, str]
) -> str | None:
    """The admin password hash: ``[admin] password_hash`` in the secrets, else the env variable.

    The secrets win when both are set. Blank values count as not set. The value
    is returned as configured (stripped); check it with :func:`is_password_hash`.
    """
    if secrets is not None:
        section = secrets.get(SECRETS_SECTION)
        if isinstance(section, Mapping):
            value = section.get(SECRETS_KEY)
            if isinstance(value, str) and value.strip():
                return value.strip()
    value = environ.get(ENV_PASSWORD_HASH, "")
    return value.strip() or None


# --- lockout ----------------------------------------------------------------------------------


class LoginThrottle:
    """Refuse sign-in attempts for a growing delay after too many wrong passwords.

    The first ``max_free_attempts`` failures cost nothing. The failure that
    reaches the limit locks further attempts for ``base_delay_seconds``; each
    failure after that (once the wait is over) doubles the delay, up to
    ``max_delay_seconds``. A success starts over. ``clock`` returns seconds
    (``time.monotonic`` by default; tests pass a fake one).
    """

    def __init__(
        self,
        max_free_attempts: int = 5,
        base_delay_seconds: float = 30,
        *,
        max_delay_seconds: float = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        _check_limits(max_free_attempts, base_delay_seconds, max_delay_seconds)
        self.max_free_attempts = max_free_attempts
        self.base_delay_seconds = float(base_delay_seconds)
        self.max_delay_seconds = float(max_delay_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self.failures = 0
        self._locked_until = -math.inf

    def allowed(self) -> float:
        """Seconds to wait before the next attempt; 0 when an attempt is allowed now."""
        with self._lock:
            return max(0.0, self._locked_until - self._clock())

    def record_failure(self) -> None:
        with self._lock:
            self.failures += 1
            over = self.failures - self.max_free_attempts
            if over >= 0:
                delay = _doubling(over, self.base_delay_seconds, self.max_delay_seconds)
                self._locked_until = self._clock() + delay

    def record_success(self) -> None:
        with self._lock:
            self.failures = 0
            self._locked_until = -math.inf


def _check_limits(free_attempts: int, base_delay_seconds: float, max_delay_seconds: float) -> None:
    if free_attempts < 1 or base_delay_seconds <= 0 or max_delay_seconds <= 0:
        raise ValueError("attempts and delays must be positive")


def _doubling(over: int, base_delay_seconds: float, max_delay_seconds: float) -> float:
    """The wait after ``over`` failures past the free ones: doubling, capped."""
    # The exponent is capped so a long attack cannot overflow the float.
    return min(base_delay_seconds * 2.0 ** min(over, 64), max_delay_seconds)


class FailureCeiling:
    """Wrong passwords across the whole process, counted over a sliding window.

    The first ``free_attempts`` failures within ``window_seconds`` cost nothing; each one
    past that doubles the wait after the latest failure, up to ``max_delay_seconds``.
    Old failures drop out of the window, so months of the odd typo never add up, and a
    guessing script's pressure ends soon after it stops.
    """

    def __init__(
        self,
        free_attempts: int,
        base_delay_seconds: float,
        *,
        max_delay_seconds: float,
        window_seconds: float = 900,
        clock: Callable[[], float] = time.monotonic,
        max_kept: int = 10_000,
    ) -> None:
        _check_limits(free_attempts, base_delay_seconds, max_delay_seconds)
        self.free_attempts = free_attempts
        self.base_delay_seconds = float(base_delay_seconds)
        self.max_delay_seconds = float(max_delay_seconds)
        self.window_seconds = float(window_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._times: deque[float] = deque(maxlen=max_kept)

    @property
    def failures(self) -> int:
        """Failures within the window now."""
        with self._lock:
            self._forget(self._clock())
            return len(self._times)

    def _forget(self, now: float) -> None:
        while self._times and self._times[0] <= now - self.window_seconds:
            self._times.popleft()

    def allowed(self) -> float:
        """Seconds to wait before the next attempt of a client that has failed; 0 = now."""
        with self._lock:
            now = self._clock()
            self._forget(now)
            over = len(self._times) - self.free_attempts
            if over < 0:
                return 0.0
            delay = _doubling(over, self.base_delay_seconds, self.max_delay_seconds)
            return max(0.0, self._times[-1] + delay - now)

    def record_failure(self) -> None:
        with self._lock:
            now = self._clock()
            self._forget(now)
            self._times.append(now)

    def clear(self) -> None:
        with self._lock:
            self._times.clear()


@dataclass(frozen=True)
class Client:
    """Who is signing in, as far as the server can tell: the browser session and, when
    known, the IP address (:func:`client_address`)."""

    session: str
    address: str | None = None

    def throttle_keys(self) -> tuple[str, ...]:
        """The throttles this client's failures count against: its session, and its
        address (an IPv6 address by its /64, the block one connection is given, so
        rotating through it does not start over)."""
        session = (f"session {self.session}",)
        return (
            session
            if self.address is None
            else (*session, f"address {address_network(self.address)}")
        )


class LoginGuard:
    """Throttles without a lockout: per client (session and IP), and a global ceiling.

    The rule (also in the README's "For admins"):

    * A client's wrong passwords slow that client: its session and its IP address each
      get ``client_free_attempts`` free tries, then a wait that doubles with each
      further failure, up to ``max_delay_seconds``. A new session from the same IP
      address does not start over.
    * Every wrong password in the process also counts towards a global ceiling
      (``global_free_attempts`` within 15 minutes, then a doubling wait up to
      ``global_max_delay_seconds``) that slows a script guessing from many sessions and
      addresses. It only ever applies to clients that have failed themselves: a client
      with no wrong password on record (the real admin, from a session and address of
      their own) is never refused, however many guesses others make.
    * An address counts as one client (an IPv6 address by its /64). When only the
      address has failed, not the session, its wait is capped at the ceiling's.
    * A correct password clears that client's counts (not the global one).

    Counts live in memory only (a restart clears them) and in bounded, least-recently-
    used tables, so a flood of new sessions cannot grow memory without limit.
    """

    def __init__(
        self,
        *,
        session_free_attempts: int = 5,
        global_free_attempts: int = 20,
        base_delay_seconds: float = 30,
        max_delay_seconds: float = 3600,
        global_max_delay_seconds: float = 300,
        max_clients: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._make_client_throttle: Callable[[], LoginThrottle] = lambda: LoginThrottle(
            session_free_attempts,
            base_delay_seconds,
            max_delay_seconds=max_delay_seconds,
            clock=clock,
        )
        self.global_throttle = FailureCeiling(
            global_free_attempts,
            base_delay_seconds,
            max_delay_seconds=global_max_delay_seconds,
            clock=clock,
        )
        self._clients: OrderedDict[str, LoginThrottle] = OrderedDict()
        self._max_clients = max_clients
        self._lock = threading.Lock()
        self._attempts_lock = threading.Lock()
        self._in_flight: set[str] = set()

    def _find(self, key: str) -> LoginThrottle | None:
        """The throttle of ``key`` if it has one (looking never makes one)."""
        with self._lock:
            throttle = self._clients.get(key)
            if throttle is not None:
                self._clients.move_to_end(key)
            return throttle

    def _get(self, key: str) -> LoginThrottle:
        """The throttle of ``key``, made on first use; the least recent one is forgotten."""
        with self._lock:
            throttle = self._clients.get(key)
            if throttle is None:
                throttle = self._clients[key] = self._make_client_throttle()
                while len(self._clients) > self._max_clients:
                    self._clients.popitem(last=False)
            else:
                self._clients.move_to_end(key)
            return throttle

    def session_throttle(self, session: str) -> LoginThrottle:
        """The throttle of one session (made on first use)."""
        return self._get(Client(session).throttle_keys()[0])

    def wait_seconds(self, client: Client | str) -> float:
        """Seconds this client must wait before trying again (0 = it may try now).

        A client that has never failed (no failure on record for its session or its
        address) always gets 0, whatever the global count.
        """
        session, *address = [self._find(key) for key in _as_client(client).throttle_keys()]
        own = [throttle for throttle in (session, *address) if throttle is not None]
        if not any(throttle.failures for throttle in own):
            return 0.0
        waits = [throttle.allowed() for throttle in own]
        if session is None or not session.failures:
            # Only the address has failed (a neighbour behind the same NAT, say): its wait
            # is capped like the ceiling's, so nobody else can keep the admin out for long.
            waits = [min(wait, self.global_throttle.max_delay_seconds) for wait in waits]
        return max([*waits, self.global_throttle.allowed()])

    def begin_attempt(self, client: Client | str) -> float:
        """Reserve one attempt for ``client``: 0 means go ahead (then call
        :meth:`end_attempt`), else the seconds to wait.

        While one attempt of a session or an address is being checked (scrypt takes a
        while), another from the same session or address waits for it: otherwise a burst
        of parallel sessions would all pass the wait check before any failure counted.
        """
        keys = _as_client(client).throttle_keys()
        with self._attempts_lock:
            wait = self.wait_seconds(client)
            if wait > 0:
                return wait
            if any(key in self._in_flight for key in keys):
                return 1.0  # the attempt in flight will have counted by then
            self._in_flight.update(keys)
            return 0.0

    def end_attempt(self, client: Client | str) -> None:
        """The attempt :meth:`begin_attempt` reserved is over (counted or not)."""
        with self._attempts_lock:
            self._in_flight.difference_update(_as_client(client).throttle_keys())

    def record_failure(self, client: Client | str) -> None:
        """Count a wrong password against the client's session, its address and the ceiling."""
        for key in _as_client(client).throttle_keys():
            self._get(key).record_failure()
        self.global_throttle.record_failure()

    def record_success(self, client: Client | str) -> None:
        """A correct password: the client's own counts start over."""
        for key in _as_client(client).throttle_keys():
            throttle = self._find(key)
            if throttle is not None:
                throttle.record_success()

    def reset(self) -> None:
        """Forget every count (tests; or an operator clearing a lockout in a console)."""
        with self._lock:
            self._clients.clear()
        self.global_throttle.clear()


def address_network(address: str) -> str:
    """``address`` as one client: an IPv6 address by its /64 (the block one connection is
    given), IPv4 as it is; text that is not an address, unchanged."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _as_client(client: Client | str) -> Client:
    return client if isinstance(client, Client) else Client(client)


# --- who is signing in --------------------------------------------------------------------------

ENV_TRUSTED_PROXIES = "CLINIC_FINDER_TRUSTED_PROXIES"
DEFAULT_TRUSTED_PROXIES = "127.0.0.0/8, ::1"
"""Loopback: ``make serve`` runs nginx on the same host (deploy/nginx.conf.template)."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies(environ: Mapping[str, str]) -> tuple[Network, ...]:
    """The proxies whose ``X-Forwarded-For`` is believed: ``CLINIC_FINDER_TRUSTED_PROXIES``,
    comma-separated addresses or networks (default loopback only).

    Raises :class:`~directory.errors.ConfigError` for a value that is not one.
    """
    text = environ.get(ENV_TRUSTED_PROXIES, "").strip() or DEFAULT_TRUSTED_PROXIES
    networks: list[Network] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(
                f"{ENV_TRUSTED_PROXIES}: {part!r} is not an IP address or network; use "
                "comma-separated addresses or networks such as 10.0.0.5, 10.1.0.0/16"
            ) from None
    return tuple(networks)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> str | None:
    """The IP address a sign-in comes from, believing ``X-Forwarded-For`` only from
    ``trusted`` proxies.

    ``peer`` is the connection's address; Streamlit reports a loopback peer as None
    (``st.context.ip_address``), so None counts as loopback. Only when the peer is a
    trusted proxy is ``forwarded_for`` read, from the right (the hop the proxy itself
    added) leftwards, skipping trusted proxies: the first address that is not one is the
    client. Anything to its left was written by the client and is never believed.
    """
    hop = _address(peer) if isinstance(peer, str) else ipaddress.ip_address("127.0.0.1")
    if hop is None:
        return None  # not an IP address (a Unix socket, say): no address to go by
    if not forwarded_for or not _is_trusted(hop, trusted):
        return str(hop) if isinstance(peer, str) else None
    for part in reversed(forwarded_for.split(",")):
        previous = _address(part.strip())
        if previous is None:
            break  # garbage a trusted proxy would not write: stop at the last good hop
        hop = previous
        if not _is_trusted(hop, trusted):
            return str(hop)
    return str(hop)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def _is_trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: tuple[Network, ...]
) -> bool:
    return any(address.version == network.version and address in network for network in trusted)


LOGIN_GUARD = LoginGuard()
"""The process-wide guard the admin page uses."""


def format_wait(seconds: float) -> str:
    """``'45 seconds'``, ``'2 minutes'``: a wait time for people (rounded up)."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(whole / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
