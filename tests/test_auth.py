"""Admin sign-in rules: scrypt hashes, the configured hash, and the lockout after wrong tries."""

# Made-up test passwords, not secrets.
# ruff: noqa: S105

from __future__ import annotations

import base64

import pytest

from directory import admin, auth
from directory.auth import LoginGuard, LoginThrottle
from directory.errors import ConfigError

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def encoded() -> str:
    return auth.hash_password(PASSWORD)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- hashing ----------------------------------------------------------------------------------


def test_hash_has_the_documented_format(encoded):
    scheme, params, salt, digest = encoded.split("$")
    assert scheme == "scrypt"
    assert params == "n=16384,r=8,p=1"
    assert len(base64.b64decode(salt, validate=True)) == 16
    assert len(base64.b64decode(digest, validate=True)) == 32
    assert PASSWORD not in encoded


def test_round_trip(encoded):
    assert auth.verify_password(PASSWORD, encoded) is True
    assert auth.is_password_hash(encoded)


@pytest.mark.parametrize(
    "attempt",
    ["", "correct horse battery stapl", PASSWORD.upper(), PASSWORD + " ", "x" * 5000],
)
def test_wrong_passwords_are_refused(encoded, attempt):
    assert auth.verify_password(attempt, encoded) is False


def test_unicode_password_round_trip():
    encoded = auth.hash_password("pässwörd ключ 🔑")
    assert auth.verify_password("pässwörd ключ 🔑", encoded)
    assert not auth.verify_password("passwort ключ 🔑", encoded)


def test_same_password_gets_a_different_salt_each_time():
    first, second = auth.hash_password(PASSWORD), auth.hash_password(PASSWORD)
    assert first != second
    assert first.split("$")[2] != second.split("$")[2]
    assert auth.verify_password(PASSWORD, first)
    assert auth.verify_password(PASSWORD, second)


@pytest.mark.parametrize("password", ["", "x" * (auth.MAX_PASSWORD_CHARS + 1)])
def test_hashing_refuses_empty_or_huge_passwords(password):
    with pytest.raises(ValueError, match="password"):
        auth.hash_password(password)


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("\x00" * 10, False),
        ("tab\tinside password", False),
        ("bell\x07 password", False),
        ("c1 control \x85 here", False),
        ("spaces and punctuation: ok!", True),
        ("pässwörd ключ 🔑 long", True),
    ],
)
def test_hashing_refuses_control_characters(password: str, accepted: bool) -> None:
    if accepted:
        assert auth.verify_password(password, auth.hash_password(password))
    else:
        with pytest.raises(ValueError, match=r"contains a control character \(U\+00"):
            auth.hash_password(password)


def _with(encoded: str, *, params: str | None = None, salt: str | None = None, digest=None) -> str:
    scheme, old_params, old_salt, old_digest = encoded.split("$")
    return "$".join([scheme, params or old_params, salt or old_salt, digest or old_digest])


SALT16 = base64.b64encode(b"s" * 16).decode()


@pytest.mark.parametrize(
    "make_bad",
    [
        pytest.param(lambda e: "", id="empty"),
        pytest.param(lambda e: "not a hash", id="garbage"),
        pytest.param(lambda e: PASSWORD, id="plaintext-password"),
        pytest.param(lambda e: e.replace("scrypt", "bcrypt", 1), id="other-scheme"),
        pytest.param(lambda e: e.rsplit("$", 1)[0], id="missing-part"),
        pytest.param(lambda e: e + "$extra", id="extra-part"),
        pytest.param(lambda e: _with(e, params="n=16384,r=8"), id="missing-p"),
        pytest.param(lambda e: _with(e, params="n=16000,r=8,p=1"), id="n-not-power-of-two"),
        pytest.param(lambda e: _with(e, params="n=1,r=8,p=1"), id="n-one"),
        pytest.param(lambda e: _with(e, params="n=0,r=8,p=1"), id="n-zero"),
        pytest.param(lambda e: _with(e, params="n=1073741824,r=8,p=1"), id="absurd-n"),
        pytest.param(lambda e: _with(e, params="n=131072,r=32,p=1"), id="absurd-memory"),
        pytest.param(lambda e: _with(e, params="n=16384,r=8,p=9999"), id="absurd-p"),
        pytest.param(lambda e: _with(e, params="n=-16384,r=8,p=1"), id="negative-n"),
        pytest.param(lambda e: _with(e, params="n=16384,r=8,p=1 "), id="space-in-params"),
        pytest.param(lambda e: _with(e, salt="!!!notbase64!!!"), id="salt-not-base64"),
        pytest.param(lambda e: _with(e, salt="c2FsdA=="), id="salt-too-short"),
        pytest.param(lambda e: _with(e, digest="aGFzaA=="), id="hash-too-short"),
        pytest.param(lambda e: _with(e, digest="abc"), id="hash-bad-padding"),
        pytest.param(lambda e: _with(e, salt=SALT16), id="wrong-salt"),
        pytest.param(lambda e: e[:-8] + "AAAAAAA=", id="tampered-hash"),
        pytest.param(lambda e: e + "A" * 600, id="too-long"),
        pytest.param(lambda e: None, id="none"),
        pytest.param(lambda e: b"scrypt$", id="bytes"),
        pytest.param(lambda e: 42, id="number"),
    ],
)
def test_malformed_encodings_are_false_never_an_exception(encoded, make_bad):
    bad = make_bad(encoded)
    assert auth.verify_password(PASSWORD, bad) is False


@pytest.mark.parametrize(
    "encoded_bad",
    [
        "",
        "scrypt$n=16384,r=8,p=1$$",
        "scrypt$n=1073741824,r=8,p=1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==",
    ],
)
def test_is_password_hash_rejects_bad_encodings(encoded_bad):
    assert not auth.is_password_hash(encoded_bad)


def test_surrounding_whitespace_in_the_configured_hash_is_ignored(encoded):
    assert auth.verify_password(PASSWORD, f"  {encoded}\n")


def test_non_string_or_unencodable_passwords_are_false(encoded):
    assert auth.verify_password(None, encoded) is False  # type: ignore[arg-type]
    assert auth.verify_password("\ud800", encoded) is False


def test_other_bounded_parameters_still_verify():
    # Hashes made with other (reasonable) parameters, e.g. by another tool, still work.
    import hashlib

    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"pw", salt=salt, n=2**12, r=8, p=2, dklen=24)
    encoded = (
        f"scrypt$n=4096,r=8,p=2${base64.b64encode(salt).decode()}$"
        f"{base64.b64encode(digest).decode()}"
    )
    assert auth.verify_password("pw", encoded)
    assert not auth.verify_password("pW", encoded)


# --- configuration ----------------------------------------------------------------------------


def test_secrets_win_over_the_environment():
    secrets = {"admin": {"password_hash": "from-secrets"}}
    environ = {auth.ENV_PASSWORD_HASH: "from-env"}
    assert auth.configured_password_hash(secrets, environ) == "from-secrets"


@pytest.mark.parametrize(
    "secrets",
    [
        None,
        {},
        {"admin": {}},
        {"admin": {"password_hash": ""}},
        {"admin": {"password_hash": "   "}},
        {"admin": {"password_hash": 12345}},
        {"admin": "not a section"},
        {"other": {"password_hash": "wrong-section"}},
    ],
)
def test_environment_is_used_when_secrets_have_no_hash(secrets):
    environ = {auth.ENV_PASSWORD_HASH: " from-env \n"}
    assert auth.configured_password_hash(secrets, environ) == "from-env"


@pytest.mark.parametrize("environ", [{}, {auth.ENV_PASSWORD_HASH: ""}, {"OTHER": "x"}])
def test_nothing_configured_is_none(environ):
    assert auth.configured_password_hash(None, environ) is None
    assert auth.configured_password_hash({"admin": {}}, environ) is None


# --- the throttle -----------------------------------------------------------------------------


def test_five_free_attempts_then_a_wait():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(4):
        throttle.record_failure()
        assert throttle.allowed() == 0
    throttle.record_failure()  # the fifth wrong try
    assert throttle.allowed() == 30
    clock.advance(29)
    assert throttle.allowed() == pytest.approx(1)
    clock.advance(1)
    assert throttle.allowed() == 0


def test_the_delay_doubles_up_to_the_cap():
    clock = FakeClock()
    throttle = LoginThrottle(max_free_attempts=5, base_delay_seconds=30, clock=clock)
    for _ in range(5):
        throttle.record_failure()
    waits = []
    for _ in range(10):
        waits.append(throttle.allowed())
        clock.advance(throttle.allowed())
        throttle.record_failure()
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


def test_success_starts_over():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(6):
        throttle.record_failure()
    assert throttle.allowed() > 0
    throttle.record_success()
    assert throttle.allowed() == 0
    for _ in range(4):
        throttle.record_failure()
    assert throttle.allowed() == 0


def test_a_very_long_attack_does_not_overflow():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(5000):
        throttle.record_failure()
    assert throttle.allowed() == 3600


@pytest.mark.parametrize(
    "kwargs", [{"max_free_attempts": 0}, {"base_delay_seconds": 0}, {"max_delay_seconds": -1}]
)
def test_throttle_refuses_nonsense_settings(kwargs):
    with pytest.raises(ValueError, match="positive"):
        LoginThrottle(**kwargs)


def test_guard_locks_one_session_without_locking_the_others():
    clock = FakeClock()
    guard = LoginGuard(clock=clock)
    for _ in range(5):
        guard.record_failure("a")
    assert guard.wait_seconds("a") == 30
    assert guard.wait_seconds("b") == 0


def test_the_global_ceiling_slows_a_script_that_opens_new_sessions():
    clock = FakeClock()
    guard = LoginGuard(session_free_attempts=5, global_free_attempts=20, clock=clock)
    for attempt in range(20):
        session = f"s{attempt // 4}"  # four tries per fresh session: never a session wait
        assert guard.wait_seconds(session) == 0
        guard.record_failure(session)
    # Each of the script's sessions has failed, so each now waits for the ceiling...
    assert guard.wait_seconds("s4") == 30
    assert guard.wait_seconds("s0") == 30
    # ...and a session that has never failed is not refused.
    assert guard.wait_seconds("a-brand-new-session") == 0


def test_after_a_flood_of_failures_a_clean_client_signs_in(encoded):
    """issue 12 finding 6: after 20 failures from 4 fresh sessions the correct password was
    refused, and the wait doubled up to an hour. Now the flood (many sessions, many
    addresses) slows only the clients that failed."""
    clock = FakeClock()
    guard = LoginGuard(clock=clock)
    for attempt in range(500):
        attacker = auth.Client(f"attacker-{attempt}", f"203.0.113.{attempt % 200}")
        outcome = admin.sign_in(
            f"guess {attempt}", "Mallory", password_hash=encoded, guard=guard, client=attacker
        )
        assert outcome.name is None
    assert guard.global_throttle.allowed() > 0  # the ceiling is reached...
    assert guard.wait_seconds(auth.Client("attacker-499", "203.0.113.99")) > 0
    admin_client = auth.Client("admins-own-session", "198.51.100.7")
    signed = admin.sign_in(
        PASSWORD, "Dana", password_hash=encoded, guard=guard, client=admin_client
    )
    assert signed == admin.SignIn("Dana")  # ...yet the clean client is never refused
    # And a clean client's first wrong password is checked and answered, not refused unseen.
    typo = admin.sign_in(
        "typo", "Dana", password_hash=encoded, guard=guard, client=auth.Client("other", "192.0.2.1")
    )
    assert typo.refusal.startswith("Wrong password.")


def test_failures_from_one_address_slow_its_new_sessions_too():
    clock = FakeClock()
    guard = LoginGuard(clock=clock)
    for attempt in range(5):
        guard.record_failure(auth.Client(f"fresh-{attempt}", "203.0.113.5"))
    assert guard.wait_seconds(auth.Client("yet-another", "203.0.113.5")) == 30
    assert guard.wait_seconds(auth.Client("yet-another", "203.0.113.6")) == 0
    clock.advance(30)
    assert guard.wait_seconds(auth.Client("yet-another", "203.0.113.5")) == 0


def test_the_global_ceiling_waits_less_than_a_clients_own():
    clock = FakeClock()
    guard = LoginGuard(global_free_attempts=1, clock=clock)
    for attempt in range(30):
        guard.record_failure(f"s{attempt}")
        clock.advance(400)
    assert guard.global_throttle.allowed() <= 300


def test_guard_success_and_reset_clear_the_lockout():
    clock = FakeClock()
    guard = LoginGuard(global_free_attempts=6, clock=clock)
    for _ in range(6):
        guard.record_failure("a")
    assert guard.wait_seconds("a") > 0
    guard.record_success("a")
    assert guard.wait_seconds("a") == 0
    for _ in range(6):
        guard.record_failure("a")
    guard.reset()
    assert guard.wait_seconds("a") == 0


def test_guard_forgets_old_sessions_but_keeps_the_global_count():
    clock = FakeClock()
    guard = LoginGuard(max_clients=3, global_free_attempts=100, clock=clock)
    for _ in range(5):
        guard.record_failure("old")
    for name in ("x", "y", "z"):
        guard.wait_seconds(name)  # looking makes no entry, so it evicts nothing
    assert guard.wait_seconds("old") == 30
    for name in ("x", "y", "z"):
        guard.record_failure(name)
    assert guard.wait_seconds("old") == 0  # evicted: a fresh count
    assert guard.global_throttle.failures == 8


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.2, "1 second"), (1, "1 second"), (29.5, "30 seconds"), (60, "1 minute"), (61, "2 minutes")],
)
def test_format_wait(seconds, text):
    assert auth.format_wait(seconds) == text


# --- who is signing in ------------------------------------------------------------------------

LOOPBACK = auth.trusted_proxies({})


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "address"),
    [
        pytest.param("203.0.113.9", None, LOOPBACK, "203.0.113.9", id="direct"),
        pytest.param(
            "203.0.113.9", "198.51.100.1", LOOPBACK, "203.0.113.9", id="xff-from-untrusted-peer"
        ),
        # Streamlit reports a loopback peer (nginx on the same host) as None.
        pytest.param(None, "198.51.100.1", LOOPBACK, "198.51.100.1", id="behind-nginx"),
        pytest.param(None, None, LOOPBACK, None, id="local-without-proxy"),
        pytest.param(
            None, "6.6.6.6, 198.51.100.1", LOOPBACK, "198.51.100.1", id="client-written-xff-ignored"
        ),
        pytest.param(
            None,
            "198.51.100.1, 10.0.0.2",
            (*LOOPBACK, *auth.trusted_proxies({auth.ENV_TRUSTED_PROXIES: "10.0.0.0/8"})),
            "198.51.100.1",
            id="chain-of-trusted-proxies",
        ),
        pytest.param(None, "127.0.0.1", LOOPBACK, "127.0.0.1", id="all-hops-trusted"),
        pytest.param(None, "not-an-ip, 198.51.100.1", LOOPBACK, "198.51.100.1", id="garbage-left"),
        pytest.param(None, "198.51.100.1, junk", LOOPBACK, "127.0.0.1", id="garbage-right"),
        pytest.param("::ffff:198.51.100.1", None, LOOPBACK, "198.51.100.1", id="ipv4-mapped"),
        pytest.param(None, "2001:db8::1", LOOPBACK, "2001:db8::1", id="ipv6"),
    ],
)
def test_client_address_believes_forwarded_for_only_from_trusted_proxies(
    peer, forwarded, trusted, address
):
    assert auth.client_address(peer, forwarded, trusted) == address


@pytest.mark.parametrize(
    ("setting", "count"), [("", 2), ("10.0.0.5", 1), ("10.0.0.0/8, fd00::/8 ,", 2)]
)
def test_trusted_proxies_are_read_from_the_environment(setting, count):
    assert len(auth.trusted_proxies({auth.ENV_TRUSTED_PROXIES: setting})) == count


def test_a_bad_trusted_proxy_setting_is_a_config_error():
    with pytest.raises(ConfigError, match="'nginx' is not an IP address or network"):
        auth.trusted_proxies({auth.ENV_TRUSTED_PROXIES: "127.0.0.1, nginx"})


def test_the_ceiling_forgets_failures_older_than_its_window():
    """Review of issue 12: the ceiling never decayed, so months of the odd typo (each
    followed by a right password) made the admin's next typo wait five minutes."""
    clock = FakeClock()
    guard = LoginGuard(clock=clock)
    for _month in range(25):
        guard.record_failure(auth.Client("admin", "198.51.100.7"))
        guard.record_success(auth.Client("admin", "198.51.100.7"))
        clock.advance(30 * 24 * 3600)
    guard.record_failure(auth.Client("admin", "198.51.100.7"))
    assert guard.global_throttle.failures == 1
    assert guard.wait_seconds(auth.Client("admin", "198.51.100.7")) == 0
    for attempt in range(25):  # a burst now does reach the ceiling...
        guard.record_failure(auth.Client(f"bot-{attempt}", f"203.0.113.{attempt}"))
    assert guard.wait_seconds(auth.Client("bot-1", "203.0.113.1")) > 0
    clock.advance(16 * 60)  # ...and stops pressing once it has been quiet for 15 minutes
    assert guard.global_throttle.allowed() == 0


@pytest.mark.parametrize(
    ("first", "then", "same"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),  # one /64: one client
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("::ffff:203.0.113.5", "203.0.113.5", True),  # IPv4 written as IPv6
        ("203.0.113.5", "203.0.113.6", False),
    ],
)
def test_an_ipv6_address_counts_by_its_64(first: str, then: str, same: bool) -> None:
    """Review of issue 12: 500 guesses from new sessions, each from a new address in one
    IPv6 /64, never waited."""
    guard = LoginGuard(clock=FakeClock())
    for attempt in range(5):
        guard.record_failure(auth.Client(f"s{attempt}", first))
    assert (guard.wait_seconds(auth.Client("new", then)) > 0) is same


def test_a_neighbours_failures_on_a_shared_address_slow_the_admin_only_briefly():
    """Behind one NAT, someone else's wrong passwords must not keep the admin out for an
    hour: an address-only wait is capped at the ceiling's five minutes."""
    clock = FakeClock()
    guard = LoginGuard(clock=clock)
    for _attempt in range(12):
        clock.advance(guard.wait_seconds(auth.Client("neighbour", "203.0.113.5")))
        guard.record_failure(auth.Client("neighbour", "203.0.113.5"))
    assert guard.wait_seconds(auth.Client("neighbour", "203.0.113.5")) > 300
    assert 0 < guard.wait_seconds(auth.Client("admin", "203.0.113.5")) <= 300
