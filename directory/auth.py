"""Admin sign-in: password hashing, the configured hash, and a lockout after wrong tries.

Plain Python (no Streamlit), so every rule here is tested without a browser.

* Passwords are never stored, only an scrypt hash encoded as
  ``scrypt$n=16384,r=8,p=1$<salt base64>$<hash base64>`` (make one with
  ``python -m directory hash-password``).
* :func:`verify_password` never raises: a malformed or absurd encoding is
  simply "wrong password", and its cost parameters are bounded so a bad
  configuration cannot make one sign-in attempt eat gigabytes or minutes.
* :class:`LoginThrottle` is the lockout policy as a pure, clock-injected class;
  :class:`LoginGuard` combines a per-session and a process-wide throttle.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from secrets import token_bytes

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
        if max_free_attempts < 1 or base_delay_seconds <= 0 or max_delay_seconds <= 0:
            raise ValueError("attempts and delays must be positive")
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
                # The exponent is capped so a long attack cannot overflow the float.
                delay = self.base_delay_seconds * 2.0 ** min(over, 64)
                self._locked_until = self._clock() + min(delay, self.max_delay_seconds)

    def record_success(self) -> None:
        with self._lock:
            self.failures = 0
            self._locked_until = -math.inf


class LoginGuard:
    """The throttles one process keeps: one per session, and one for everybody.

    Why both: a per-session throttle gives the person at the keyboard a clear,
    personal lockout, but a script defeats it by opening a new session for every
    few guesses. The global throttle (higher threshold, so a few typos in one
    session never lock anyone else out) counts every failure in the process and
    stops that. The price is that someone hammering the page can lock the real
    admin out for up to ``max_delay_seconds``; restarting the app clears it, as
    both live in memory only. A correct password resets both.

    Sessions are kept in a bounded, least-recently-used dict, so a flood of new
    sessions cannot grow memory without limit (a forgotten session only forgets
    its own count; the global throttle still holds).
    """

    def __init__(
        self,
        *,
        session_free_attempts: int = 5,
        global_free_attempts: int = 20,
        base_delay_seconds: float = 30,
        max_delay_seconds: float = 3600,
        max_sessions: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._make_session_throttle: Callable[[], LoginThrottle] = lambda: LoginThrottle(
            session_free_attempts,
            base_delay_seconds,
            max_delay_seconds=max_delay_seconds,
            clock=clock,
        )
        self.global_throttle = LoginThrottle(
            global_free_attempts,
            base_delay_seconds,
            max_delay_seconds=max_delay_seconds,
            clock=clock,
        )
        self._sessions: OrderedDict[str, LoginThrottle] = OrderedDict()
        self._max_sessions = max_sessions
        self._lock = threading.Lock()

    def session_throttle(self, session: str) -> LoginThrottle:
        with self._lock:
            throttle = self._sessions.get(session)
            if throttle is None:
                throttle = self._make_session_throttle()
                self._sessions[session] = throttle
                while len(self._sessions) > self._max_sessions:
                    self._sessions.popitem(last=False)
            else:
                self._sessions.move_to_end(session)
            return throttle

    def wait_seconds(self, session: str) -> float:
        """Seconds this session must wait before trying again (0 = it may try now)."""
        return max(self.session_throttle(session).allowed(), self.global_throttle.allowed())

    def record_failure(self, session: str) -> None:
        self.session_throttle(session).record_failure()
        self.global_throttle.record_failure()

    def record_success(self, session: str) -> None:
        self.session_throttle(session).record_success()
        self.global_throttle.record_success()

    def reset(self) -> None:
        """Forget every count (tests; or an operator clearing a lockout in a console)."""
        with self._lock:
            self._sessions.clear()
        self.global_throttle.record_success()


LOGIN_GUARD = LoginGuard()
"""The process-wide guard the admin page uses."""


def format_wait(seconds: float) -> str:
    """``'45 seconds'``, ``'2 minutes'``: a wait time for people (rounded up)."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(whole / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
