""" "Use my location" in real Chromium: asked only on a press, rounded, calm when refused.

Against ``streamlit run app.py`` on 127.0.0.1 (tiles off). Playwright fakes the browser's
position (downtown Denver, 39.7392, -104.9903) and grants or withholds the permission;
without a grant, headless Chromium answers "denied". ``playwright install`` is never run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import (
    BROWSER_MARKS,
    TIMEOUT_MS,
    AppServer,
    is_local,
    streamlit_server,
)
from playwright.sync_api import Browser, Geolocation, Locator, Page, expect

DENVER: Geolocation = {"latitude": 39.7392, "longitude": -104.9903}
PLACE_BOX = 'input[aria-label="Your ZIP code or city"]'
HEADING = ".st-key-results-heading h2"
ALERTS = '[data-testid="stAlert"]'
TWO_DECIMALS = re.compile(r"^-?\d{1,3}\.\d{2}, -?\d{1,3}\.\d{2}$")
CALM = "You can type your ZIP code or city instead."
# Replaces the browser's geolocation with one that answers Denver after 3 s, so a test can
# type a place while the answer is on its way.
SLOW_GEOLOCATION = """
Object.defineProperty(navigator, "geolocation", { value: {
    getCurrentPosition(success) {
        setTimeout(() => success({ coords: { latitude: 39.7392, longitude: -104.9903,
                                             accuracy: 20 } }), 3000);
    },
} });
"""

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with streamlit_server(tmp_path_factory.mktemp("location")) as server:
        yield server


def open_page(browser: Browser, *, allowed: bool, init_script: str = "") -> Page:
    """A page whose browser is in Denver; it shares the position only if ``allowed``."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 900},
        geolocation=DENVER,
        permissions=["geolocation"] if allowed else [],
    )
    context.set_default_timeout(TIMEOUT_MS)
    if init_script:
        context.add_init_script(init_script)
    return context.new_page()


@pytest.fixture
def allowed(browser: Browser) -> Iterator[Page]:
    page = open_page(browser, allowed=True)
    yield page
    page.context.close()


@pytest.fixture
def refused(browser: Browser) -> Iterator[Page]:
    page = open_page(browser, allowed=False)
    yield page
    page.context.close()


def settle(page: Page) -> None:
    """Wait until Streamlit has finished the run the page is waiting for."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()


def visit(page: Page, app: AppServer, query: str = "") -> None:
    page.goto(f"{app.url}/{query}")
    page.get_by_role("heading", level=1).first.wait_for()
    location_button(page).wait_for()
    settle(page)


def location_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Use my location")


def near(page: Page) -> list[str]:
    return parse_qs(urlsplit(page.url).query).get("near", [])


def test_the_button_is_a_real_labelled_button_big_enough_to_tap(
    allowed: Page, app: AppServer
) -> None:
    visit(allowed, app)
    button = location_button(allowed)
    assert button.evaluate("b => b.tagName") == "BUTTON"
    box = button.bounding_box()
    assert box is not None
    assert box["width"] >= 44
    assert box["height"] >= 44
    # Its description says what happens to the position.
    description = button.evaluate(
        "b => b.getRootNode().getElementById(b.getAttribute('aria-describedby')).textContent"
    )
    assert "Only when you press it" in description
    assert "never logged" in description
    # Nothing is asked before the press.
    assert near(allowed) == []


def test_pressing_it_searches_near_the_rounded_point_without_leaving_localhost(
    allowed: Page, app: AppServer
) -> None:
    requests: list[str] = []
    allowed.on("request", lambda request: requests.append(request.url))
    visit(allowed, app)
    location_button(allowed).click()
    expect(allowed.locator(HEADING)).to_contain_text("near Denver, CO")
    settle(allowed)
    assert near(allowed) == ["39.74, -104.99"]
    assert TWO_DECIMALS.fullmatch(near(allowed)[0])
    assert allowed.locator(PLACE_BOX).input_value() == "39.74, -104.99"
    # The exact point is nowhere on the page or in the address bar.
    text = allowed.locator("body").inner_text()
    assert "39.7392" not in text
    assert "104.9903" not in text
    assert "39.7392" not in allowed.url
    # Keyboard focus moves to the answer, as after choosing a suggested place.
    focused = allowed.evaluate("document.activeElement.className")
    assert "st-key-results-heading" in focused
    outside = [url for url in requests if not is_local(url)]
    assert outside == []


def test_the_keyboard_can_press_it(allowed: Page, app: AppServer) -> None:
    visit(allowed, app)
    location_button(allowed).focus()
    allowed.keyboard.press("Enter")
    expect(allowed.locator(HEADING)).to_contain_text("near Denver, CO")


def test_when_the_browser_refuses_a_calm_message_shows_and_typing_still_works(
    refused: Page, app: AppServer
) -> None:
    visit(refused, app)
    location_button(refused).click()
    expect(refused.locator(ALERTS).filter(has_text=CALM)).to_be_visible()
    settle(refused)
    assert near(refused) == []
    box = refused.locator(PLACE_BOX)
    box.fill("80202")
    box.press("Enter")
    expect(refused.locator(HEADING)).to_contain_text("Denver, CO 80202")
    settle(refused)
    assert near(refused) == ["80202"]
    expect(refused.locator(ALERTS).filter(has_text=CALM)).to_have_count(0)  # said once


def test_an_answer_arriving_after_the_patient_typed_a_place_is_ignored(
    browser: Browser, app: AppServer
) -> None:
    page = open_page(browser, allowed=True, init_script=SLOW_GEOLOCATION)
    try:
        visit(page, app)
        location_button(page).click()
        box = page.locator(PLACE_BOX)
        box.fill("99501")
        box.press("Enter")
        expect(page.locator(HEADING)).to_contain_text("Anchorage")
        page.wait_for_timeout(4000)  # the position has arrived by now
        settle(page)
        assert near(page) == ["99501"]
        assert "Anchorage" in page.locator(HEADING).inner_text()
    finally:
        page.context.close()


def test_a_reply_with_a_forged_or_repeated_id_changes_nothing(
    allowed: Page, app: AppServer
) -> None:
    visit(allowed, app, "?near=80202")
    send = "(b, reply) => b.__send('reply', reply)"
    button = location_button(allowed)
    button.evaluate(send, {"id": "forged", "lat": 40.71, "lon": -74.0})
    settle(allowed)
    assert near(allowed) == ["80202"]
    # The real id, but a reply that is no position: a calm message, the search unchanged.
    real_id = button.evaluate("b => b.__requestId")
    button.evaluate(send, {"id": real_id, "lat": "40.71", "lon": 1e999})
    expect(allowed.locator(ALERTS).filter(has_text=CALM)).to_be_visible()
    settle(allowed)
    assert near(allowed) == ["80202"]
    # That id is used up: sending a good position with it again does nothing.
    button.evaluate(send, {"id": real_id, "lat": 40.71, "lon": -74.0})
    settle(allowed)
    assert near(allowed) == ["80202"]


def test_in_spanish_the_button_its_note_and_a_refusal_are_in_spanish(
    refused: Page, app: AppServer
) -> None:
    refused.goto(f"{app.url}/?lang=es")
    button = refused.get_by_role("button", name="Usar mi ubicación")
    button.wait_for()
    settle(refused)
    description = button.evaluate(
        "b => b.getRootNode().getElementById(b.getAttribute('aria-describedby')).textContent"
    )
    assert description.startswith("Solo cuando lo presiona")
    button.click()
    calm = "Puede escribir su código postal (ZIP) o su ciudad."
    expect(refused.locator(ALERTS).filter(has_text=calm)).to_be_visible()
    settle(refused)
    # Switching the language rewrites the button's words in place.
    refused.get_by_text("English", exact=True).first.click()
    location_button(refused).wait_for()
    assert "Only when you press it" in location_button(refused).evaluate(
        "b => b.getRootNode().getElementById(b.getAttribute('aria-describedby')).textContent"
    )
