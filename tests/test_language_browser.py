"""The Spanish results page in real Chromium on a 390x844 phone.

Against ``streamlit run app.py`` on the sample data: the page says it is Spanish
(``<html lang="es">``) so screen readers speak it as Spanish, the crisis line offers the
Spanish options, the answer comes before the map, axe-core finds nothing serious, nothing
is fetched from another site, and the switch back to English keeps the search. The
screenshots go to ``artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    AXE,
    BROWSER_MARKS,
    PHONE,
    REPO_ROOT,
    TIMEOUT_MS,
    AppServer,
    is_local,
    streamlit_server,
)
from playwright.sync_api import Browser, Page, expect

from directory import i18n

pytestmark = BROWSER_MARKS
ARTIFACTS = REPO_ROOT / "artifacts"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with streamlit_server(tmp_path_factory.mktemp("language-app")) as server:
        yield server


@pytest.fixture
def phone(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(
        viewport=PHONE,  # type: ignore[arg-type]
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    yield page, requests
    context.close()


def settle(page: Page) -> None:
    page.wait_for_timeout(300)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()


def spanish(message: str) -> str:
    with i18n.using("es"):
        return i18n.gettext(message)


def test_a_spanish_results_page_on_a_phone(phone: tuple[Page, list[str]], app: AppServer) -> None:
    page, requests = phone
    page.goto(f"{app.url}/?lang=es&near=80202")
    heading = page.locator(".st-key-results-heading h2")
    heading.wait_for()
    settle(page)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    crisis = page.locator(".st-key-crisis")
    expect(crisis).to_contain_text("AYUDA")
    assert crisis.locator('a[href^="tel:988"]').count() >= 1
    expect(page.locator("#crisis-skip-link")).to_have_text(spanish("Crisis help: call or text 988"))
    # The switch sits in the top bar: 44 px targets, and no room taken from the answer.
    for name in ("English", "Español"):
        box = page.get_by_role("radio", name=name, exact=True).bounding_box()
        assert box is not None
        assert box["height"] >= 44, (name, box)
        assert box["y"] < 60, (name, box)
    # The answer first: the results heading and the first card are above the map.
    first_card = page.locator(".st-key-card-in_person-0")
    map_heading = page.locator("h2#map-of-these-clinics")
    assert first_card.bounding_box()["y"] < map_heading.bounding_box()["y"]  # type: ignore[index]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-results-es.png"))
    page.screenshot(path=str(ARTIFACTS / "phone-results-es-full.png"), full_page=True)
    if AXE.exists():
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ["violations"]}))
                .violations.filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "))"""
        )
        assert violations == []
    assert [url for url in requests if not is_local(url)] == []


def test_switching_to_english_keeps_the_search(
    phone: tuple[Page, list[str]], app: AppServer
) -> None:
    page, _requests = phone
    page.goto(f"{app.url}/?lang=es&near=Austin%2C%20TX")
    page.locator(".st-key-results-heading h2").wait_for()
    settle(page)
    spanish_heading = page.locator(".st-key-results-heading h2").inner_text()
    page.get_by_role("radio", name="English", exact=True).tap()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".st-key-results-heading h2")).not_to_have_text(spanish_heading)
    expect(page.locator(".st-key-results-heading h2")).to_contain_text("Austin, TX")
    assert "lang=" not in page.url
    assert "near=Austin" in page.url
    page.go_back()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator(".st-key-results-heading h2")).to_have_text(spanish_heading)


def test_the_spanish_downloads_are_in_spanish(
    phone: tuple[Page, list[str]], app: AppServer
) -> None:
    """Streamlit builds a download on a worker thread after the click: still in Spanish,
    with a Spanish file name, and a CSV that Excel reads as UTF-8 (byte-order mark)."""
    page, _requests = phone
    page.goto(f"{app.url}/?lang=es&near=80202")
    page.locator(".st-key-results-heading h2").wait_for()
    settle(page)
    button = page.locator(".st-key-csv button")
    button.wait_for()
    button.scroll_into_view_if_needed()
    settle(page)
    # The file is made on the server after the click: allow a loaded machine its time.
    with page.expect_download(timeout=60_000) as pending:
        button.click()
    download = pending.value
    assert download.suggested_filename == spanish("ketamine-clinics.csv")
    data = Path(download.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    header = data.decode("utf-8-sig").splitlines()[0]
    assert spanish("Phone") in header
    assert "Phone" not in header.split(",")
