"""Nothing in the data or the URL speaks for us, as Chromium shows the page (issue 12).

A data file full of Markdown, bare web and e-mail addresses, shortcodes and maths, and
shared links carrying the same in every parameter: the text must show as text, and no
element may point off this machine except the links the code builds (``tel:``,
validated websites, directions, the crisis and VA pages). Tiles are off, so no request
may leave localhost at all. Each case names its finding in issue 12.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest
from browser_support import (
    BROWSER_MARKS,
    REPO_ROOT,
    AppServer,
    clinic,
    is_local,
    streamlit_server,
    write_clinics_csv,
)
from conftest import TELEHEALTH_OVERRIDES
from playwright.sync_api import Browser, Page

from directory.auth import ENV_PASSWORD_HASH, hash_password
from directory.safetext import WORD_JOINER

pytestmark = BROWSER_MARKS

EVIL = "evil.example"
HOSTILE_NAME = (
    "Calm Clinic ![t](https://evil.example/pixel.png) [Call 988 now](https://evil.example/phish)"
    " www.evil.example help@evil.example :red[alarm] $x^2$ :material/call:"
)
ADMIN_PASSWORD = "correct horse battery staple"  # noqa: S105 (a test's own password)
HOSTILE_NOTES = "See https://evil.example/notes or www.evil.example, or mail help@evil.example"


def rows() -> list[dict[str, str]]:
    return [
        clinic(id="hostile-denver", name=HOSTILE_NAME, notes=HOSTILE_NOTES,
               languages="English; https://evil.example/lang", website="https://calm.example.com"),
        clinic(id="second-denver", name="Second [Clinic](https://evil.example/2)",
               latitude="39.7392", longitude="-104.9903"),
        clinic(**{**TELEHEALTH_OVERRIDES, "id": "hostile-home", "name": "Home " + HOSTILE_NAME,
                  "service_states": "CO", "price_per_session_usd": "300",
                  "website": "https://home.example.com"}),
        clinic(id="hostile-pueblo", name="Pueblo " + HOSTILE_NAME, address="1 Main St",
               city="Pueblo", zip="81003", latitude="38.2544", longitude="-104.6091"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    where = tmp_path_factory.mktemp("hostile")
    data = write_clinics_csv(where / "c.csv", rows())
    admin = {ENV_PASSWORD_HASH: hash_password(ADMIN_PASSWORD)}
    with streamlit_server(where, clinics_csv=data, env=admin) as app:
        yield app


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1800})
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


_POINTERS_JS = """() => Array.from(
    document.querySelectorAll("[href], [src], [srcset], [action], [formaction], [poster]"),
    (el) => ["href", "src", "srcset", "action", "formaction", "poster"]
        .map((name) => el.getAttribute(name)).filter(Boolean)).flat()"""
# Where the code itself links: any host written in the app's own source (the crisis lines,
# the VA's locator, directions, the evidence), and the validated websites of the data.
_SOURCE = "".join(path.read_text() for path in (REPO_ROOT / "directory").rglob("*.py"))
CODE_HOSTS = {urlsplit(url).hostname for url in re.findall(r"https?://[\w.-]+", _SOURCE)} | {
    "calm.example.com",
    "home.example.com",
    "milehigh.example.com",
}


def visit(page: Page, app: AppServer, query: str) -> list[str]:
    """Open ``/?query``, wait for the run to end; return every request the page made."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{app.url}/?{query}")
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.get_by_text("988").first.wait_for()
    page.wait_for_timeout(500)  # images or prefetches, had there been any, would be asked for
    return requests


def assert_nothing_points_off_site(page: Page, requests: list[str]) -> None:
    pointers = [target for frame in page.frames for target in frame.evaluate(_POINTERS_JS)]
    assert pointers, "the page has no links at all: it did not render"
    for target in pointers:
        assert EVIL not in target, target
        host = urlsplit(target).hostname
        if target.startswith(("http:", "https:", "//")) and host and not is_local(target):
            assert host in CODE_HOSTS, f"a link the code did not build: {target}"
    assert [url for url in requests if not is_local(url)] == []
    for frame in page.frames:
        assert (
            frame.locator("img").evaluate_all(
                "(images) => images.filter((i) => !i.src.startsWith(location.origin)"
                " && !i.src.startsWith('data:')).length"
            )
            == 0
        )


def shown_text(page: Page) -> str:
    return page.locator("body").inner_text().replace(WORD_JOINER, "")


@pytest.mark.parametrize("lang", ["", "lang=es&"], ids=["English", "Spanish"])
def test_hostile_data_shows_as_text_on_cards_compare_and_at_home(
    page: Page, hostile_app: AppServer, lang: str
) -> None:
    """Findings 1 and 2: names, notes and languages in cards, the Compare labels, the
    at-home list and the chips; nothing becomes a link, an image, maths or an icon. In
    Spanish too: the data goes into translated sentences, escaped the same way."""
    requests = visit(page, hostile_app, lang + "near=80202&radius=25&accepting=1")
    compare = page.locator('[data-testid="stCheckbox"]').filter(has_text="Calm Clinic")
    # Widgets' labels can render a moment after the run ends, on a loaded machine.
    compare.first.wait_for()
    page.get_by_text("Home Calm Clinic").first.wait_for()
    text = shown_text(page)
    assert HOSTILE_NAME in text  # every character shown as typed
    assert "Home " + HOSTILE_NAME in text  # the at-home list
    assert HOSTILE_NOTES in text
    assert HOSTILE_NAME in compare.first.inner_text().replace(WORD_JOINER, "")  # its label
    assert page.locator(".katex, [data-testid='stIconMaterial']:text('call')").count() == 0
    assert_nothing_points_off_site(page, requests)


def test_hostile_data_shows_as_text_in_the_nearest_list(page: Page, hostile_app: AppServer) -> None:
    """Finding 1: the "nearest further away" list (nothing within 5 miles of 80903)."""
    requests = visit(page, hostile_app, "near=80903&radius=5")
    page.get_by_text("Pueblo Calm Clinic").first.wait_for()
    assert "Pueblo " + HOSTILE_NAME in shown_text(page)
    assert_nothing_points_off_site(page, requests)


@pytest.mark.parametrize(
    "query",
    [
        "near=" + quote("https://evil.example/phish"),
        "near=" + quote("Call www.evil.example now"),
        "near=" + quote("help@evil.example"),
        "near=" + quote("[Call 988 now](https://evil.example/phish)"),
        "near=80202&modality=" + quote("https://evil.example/m")
        + "&va=" + quote("www.evil.example") + "&radius=" + quote("help@evil.example"),
        "lang=es&near=80202&modality=" + quote("https://evil.example/m")
        + "&va=" + quote("www.evil.example") + "&radius=" + quote("help@evil.example"),
        "lang=es&near=" + quote("[Llame al 988](https://evil.example/phish)"),
    ],
)  # fmt: skip
def test_hostile_shared_links_are_reflected_as_text(
    page: Page, hostile_app: AppServer, query: str
) -> None:
    """Finding 2: a shared link's words come back in notices as text, never as links."""
    requests = visit(page, hostile_app, query)
    assert EVIL in shown_text(page)  # the notice says what was ignored or not found
    assert_nothing_points_off_site(page, requests)


def test_the_admin_pages_show_hostile_data_as_text(page: Page, hostile_app: AppServer) -> None:
    """The For admins page (data health, the table, the change log) after signing in with a
    name that is itself Markdown and an address."""
    requests = visit(page, hostile_app, "")
    page.get_by_role("link", name="For admins").click()
    page.get_by_label("Your name (recorded with every change you save)").fill(
        "[Admin](https://evil.example/a) www.evil.example"
    )
    page.get_by_label("Admin password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.wait_for_timeout(500)
    assert "[Admin](https://evil.example/a) www.evil.example" in shown_text(page)
    assert_nothing_points_off_site(page, requests)
