"""The app in a real browser: the map draws offline, clicks select, data stays text.

Each module-scoped fixture starts ``streamlit run app.py`` on a free 127.0.0.1 port with
map tiles off (``CLINIC_FINDER_TILES_URL=none``) and stops it afterwards; Playwright drives
Debian's Chromium. Everything is skipped when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from browser_support import (
    BROWSER_MARKS,
    CIRCLE_MARKERS,
    CLUSTERS,
    MAP_IFRAME,
    REPO_ROOT,
    TIMEOUT_MS,
    AppServer,
    clinic,
    is_local,
    streamlit_server,
    write_clinics_csv,
)
from playwright.sync_api import (
    Browser,
    Frame,
    FrameLocator,
    Locator,
    Page,
    expect,
)
from playwright.sync_api import Error as PlaywrightError

pytestmark = BROWSER_MARKS

SCREENSHOT = REPO_ROOT / "artifacts" / "search-page.png"
HTML_NAME = '<img src=x onerror="window.__pwned=1">'
HTML_NOTES = "<script>window.__pwned=2</script>"
#: Three clinics within 5 miles of 80202 and at least 4 miles apart: at the zoom that fits
#: the 5-mile circle (about 27 px a mile) they are drawn as three markers, not a cluster.
SPREAD_CLINICS = (
    clinic(id="union-station-ketamine", name="Union Station Ketamine"),
    clinic(
        id="cherry-creek-infusions",
        name="Cherry Creek Infusions",
        address="4200 E 9th Ave",
        zip="80220",
        latitude="39.7400",
        longitude="-104.9100",
        website="https://cherrycreek.example.com",
    ),
    clinic(
        id="platt-park-healing",
        name="Platt Park Healing Center",
        address="1500 S Pearl St",
        zip="80210",
        latitude="39.6900",
        longitude="-104.9870",
        website="https://plattpark.example.com",
    ),
)
#: A clinic whose name and notes are HTML, alone in Boulder (25 miles from the others).
HTML_CLINIC = clinic(
    id="html-named-boulder",
    name=HTML_NAME,
    notes=HTML_NOTES,
    address="1100 Pearl St",
    city="Boulder",
    zip="80302",
    latitude="40.0176",
    longitude="-105.2797",
)
#: A clinic whose name is a Jinja expression that fails if evaluated, in Colorado Springs.
TEMPLATE_NAME = "Calm {{ 1/0 }} Clinic"
TEMPLATE_CLINIC = clinic(
    id="template-named-springs",
    name=TEMPLATE_NAME,
    address="2 N Cascade Ave",
    city="Colorado Springs",
    zip="80903",
    latitude="38.8339",
    longitude="-104.8254",
)


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app on the shipped ``data/clinics.csv``."""
    with streamlit_server(tmp_path_factory.mktemp("shipped")) as server:
        yield server


@pytest.fixture(scope="module")
def custom_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app on a small CSV: three Denver clinics and the odd names elsewhere."""
    where = tmp_path_factory.mktemp("custom")
    rows = [*SPREAD_CLINICS, HTML_CLINIC, TEMPLATE_CLINIC]
    csv_path = write_clinics_csv(where / "clinics.csv", rows)
    with streamlit_server(where, clinics_csv=csv_path) as server:
        yield server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (so a fresh Streamlit session) for one test."""
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@dataclass
class SearchVisit:
    """One load of ``/?near=80202&radius=25`` on the shipped data, kept open."""

    page: Page
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def search_visit(browser: Browser, shipped_app: AppServer) -> Iterator[SearchVisit]:
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    context.set_default_timeout(TIMEOUT_MS)
    visit = SearchVisit(context.new_page())
    # Page events include the requests of its frames (the map iframe) and web sockets.
    visit.page.on("request", lambda request: visit.requests.append(request.url))
    visit.page.on("websocket", lambda socket: visit.requests.append(socket.url))
    visit.page.goto(shipped_app.url + "/?near=80202&radius=25")
    map_frame(visit.page).locator(f"{CIRCLE_MARKERS}, {CLUSTERS}").first.wait_for()
    visit.page.get_by_text("Take your list with you").wait_for()
    wait_until_idle(visit.page)
    # Let late requests (favicon, fonts) show up; Streamlit's web socket stays open.
    with contextlib.suppress(PlaywrightError):  # best effort: whatever came is recorded
        visit.page.wait_for_load_state("networkidle", timeout=5_000)
    yield visit
    context.close()


# --- helpers ----------------------------------------------------------------------------


def map_frame(page: Page) -> FrameLocator:
    return page.frame_locator(MAP_IFRAME)


def map_js_frame(page: Page) -> Frame:
    """The map iframe as a Frame, for evaluating JavaScript in it."""
    handle = page.locator(MAP_IFRAME).element_handle()
    frame = handle.content_frame() if handle is not None else None
    assert frame is not None, "the st_folium iframe has no content frame"
    return frame


def wait_until_idle(page: Page) -> None:
    """Wait until the Streamlit script run the page is waiting for has finished."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()


def open_search(page: Page, server: AppServer, query: str) -> None:
    page.goto(f"{server.url}/?{query}")
    map_frame(page).locator(f"{CIRCLE_MARKERS}, {CLUSTERS}").first.wait_for()
    wait_until_idle(page)


_UNCLUSTERED_CLINICS_JS = """(least) => {
    if (!window.map) { return false; }  // streamlit-folium has not drawn the map yet
    let count = 0;  // clinic circle markers on the map itself, not hidden in a cluster
    window.map.eachLayer((layer) => { count += layer.options && layer.options.clinicId ? 1 : 0; });
    return count >= least;
}"""
_MARKER_POINT_JS = """(id) => {
    if (!window.map) { return null; }  // streamlit-folium has not drawn the map yet
    let point = null;
    window.map.eachLayer((layer) => {
        if (layer.options && layer.options.clinicId === id && layer._path) {
            point = window.map.latLngToContainerPoint(layer.getLatLng());
        }
    });
    return point && {x: point.x, y: point.y};
}"""


def click_clinic_marker(page: Page, clinic_id: str) -> None:
    """Click, with the mouse, the circle marker drawn for ``clinic_id`` (not a cluster)."""
    frame = map_js_frame(page)
    point = frame.wait_for_function(_MARKER_POINT_JS, arg=clinic_id).json_value()
    map_frame(page).locator(".leaflet-container").first.click(position=point)


def select_and_open_popup(page: Page, clinic_id: str) -> Locator:
    """Click a clinic's marker, wait for the page to select it, and show its popup.

    The selection reruns the page; if that ever redraws the map, a popup opened before
    it is gone, so the marker is clicked again once the page is idle (clicking an open
    circle marker again keeps its popup open).
    """
    click_clinic_marker(page, clinic_id)
    page.get_by_text("Selected on the map").wait_for()
    wait_until_idle(page)
    click_clinic_marker(page, clinic_id)
    popup = map_frame(page).locator(".leaflet-popup-content")
    popup.wait_for()
    wait_until_idle(page)
    return popup


def clicked_state(page: Page) -> object:
    """What streamlit-folium recorded for the last click (for failure messages)."""
    try:
        return map_js_frame(page).evaluate(
            "() => { const d = window.__GLOBAL_DATA__ || {}; return {"
            " clicked: d.last_object_clicked, tooltip: d.last_object_clicked_tooltip,"
            " count: d.last_object_clicked_count }; }"
        )
    except PlaywrightError as error:  # diagnostics only
        return repr(error)


def assert_safe_external_link(href: str | None, target: str | None, rel: str | None) -> None:
    words = (rel or "").split()
    assert target == "_blank", f"{href}: target={target!r}"
    assert "noopener" in words, f"{href}: rel={rel!r}"
    assert "noreferrer" in words, f"{href}: rel={rel!r}"


# --- tests ------------------------------------------------------------------------------


def test_map_draws_markers_without_tiles_or_network(search_visit: SearchVisit) -> None:
    frame = map_frame(search_visit.page)
    drawn = frame.locator(CIRCLE_MARKERS).count() + frame.locator(CLUSTERS).count()
    assert drawn >= 1
    assert frame.locator(".leaflet-tile-pane img").count() == 0, "tiles are off"
    # Leaflet is the vendored copy, served by this app.
    assert map_js_frame(search_visit.page).evaluate("() => window.L && window.L.version") == (
        "1.9.4"
    )


def test_page_and_map_request_nothing_from_other_hosts(search_visit: SearchVisit) -> None:
    """No request, from the page or the map iframe, leaves this machine (tiles off)."""
    requests = search_visit.requests
    assert any("/app/static/vendor/leaflet-1.9.4/" in url for url in requests)
    assert any("/component/streamlit_folium" in url for url in requests)
    assert any(url.startswith("ws://127.0.0.1:") for url in requests)
    elsewhere = sorted({url for url in requests if not is_local(url)})
    assert elsewhere == []


def test_screenshot_of_the_search_page_is_saved(search_visit: SearchVisit) -> None:
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    search_visit.page.screenshot(path=str(SCREENSHOT), full_page=True)
    data = SCREENSHOT.read_bytes()
    assert len(data) > 1_000
    assert data.startswith(b"\x89PNG\r\n\x1a\n")


def test_clicking_a_marker_selects_its_clinic(page: Page, custom_app: AppServer) -> None:
    # The map shares the row with the list: a wide window gives it room to show the three
    # clinics as separate markers rather than one cluster.
    page.set_viewport_size({"width": 2400, "height": 1600})
    open_search(page, custom_app, "near=80202&radius=5")
    # Each clinic is its own circle marker once markercluster has settled (a cluster icon
    # shows for a moment while it un-clusters after fitting the map to the search).
    map_js_frame(page).wait_for_function(_UNCLUSTERED_CLINICS_JS, arg=3)
    expect(map_frame(page).locator(CLUSTERS)).to_have_count(0)
    assert page.get_by_text("Selected on the map").count() == 0
    headings = page.locator('[data-testid="stMarkdownContainer"] h3')
    assert headings.first.inner_text().startswith("Union Station Ketamine")  # the nearest

    click_clinic_marker(page, "cherry-creek-infusions")

    try:
        page.get_by_text("Selected on the map").wait_for()
    except PlaywrightError as error:
        raise AssertionError(f"no selection; st_folium saw {clicked_state(page)}") from error
    wait_until_idle(page)
    # The selected card comes first, right under the notice, then the list as before.
    assert headings.first.inner_text().startswith("Cherry Creek Infusions")
    assert headings.nth(1).inner_text().startswith("Union Station Ketamine")
    # Clinic websites on the cards open in a new tab without referrer or opener.
    websites = page.locator('[data-testid="stMarkdownContainer"] a', has_text="Website")
    assert websites.count() >= 3
    for link in websites.all():
        href = link.get_attribute("href")
        assert_safe_external_link(href, link.get_attribute("target"), link.get_attribute("rel"))


def test_html_in_the_data_is_shown_as_text_and_never_runs(
    page: Page, custom_app: AppServer
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    open_search(page, custom_app, "near=80302&radius=5")

    name = page.get_by_text(HTML_NAME, exact=False).first
    name.wait_for()
    assert name.is_visible()
    assert "<img src=x" in name.inner_text()
    assert page.get_by_text(HTML_NOTES).first.is_visible()  # after "Note:", as typed

    popup = select_and_open_popup(page, "html-named-boulder")
    assert HTML_NAME in popup.inner_text()
    website = popup.locator("a", has_text="Website")
    assert_safe_external_link(
        website.get_attribute("href"), website.get_attribute("target"), website.get_attribute("rel")
    )
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert map_js_frame(page).evaluate("() => typeof window.__pwned") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert map_frame(page).locator('img[src="x"]').count() == 0
    assert not [url for url in requests if url.split("?")[0].endswith("/x")], "img src=x loaded"


def test_template_syntax_in_the_data_is_never_evaluated(page: Page, custom_app: AppServer) -> None:
    """branca re-parses rendered map scripts as Jinja templates (st_folium renders the map
    on the server), so a name like "{{ 1/0 }}" must never reach a script as-is: it would
    be evaluated there (server-side template injection) and break the page."""
    page.goto(custom_app.url + "/?near=80903&radius=5")
    page.get_by_role("heading", name="Find a ketamine clinic").wait_for()
    wait_until_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    map_frame(page).locator(CIRCLE_MARKERS).first.wait_for()
    heading = page.locator('[data-testid="stMarkdownContainer"] h3').first
    assert heading.inner_text().startswith(TEMPLATE_NAME)  # the card: Markdown, escaped
    popup = select_and_open_popup(page, "template-named-springs")
    assert TEMPLATE_NAME in popup.inner_text()


def test_about_page_shows_the_crisis_line_and_safe_links(
    page: Page, shipped_app: AppServer
) -> None:
    page.goto(shipped_app.url + "/about_ketamine_care")
    page.get_by_role("heading", name="About ketamine care").wait_for()
    wait_until_idle(page)
    main = page.locator('[data-testid="stMain"]')
    crisis = main.locator('a[href="tel:988"]').first
    assert crisis.is_visible()
    assert crisis.inner_text() == "988"
    assert main.get_by_text("Suicide & Crisis Lifeline").first.is_visible()

    # Read in one step: links found one by one can shift while the page is still drawing.
    links = page.locator("a[href]").evaluate_all(
        "(links) => links.map((a) => [a.getAttribute('href'), a.getAttribute('target'),"
        " a.getAttribute('rel')])"
    )
    external = [
        (href, target, rel)
        for href, target, rel in links
        if href.startswith(("http:", "https:")) and not is_local(href)
    ]
    assert len(external) >= 3  # the research links and the data credits
    for href, target, rel in external:
        assert_safe_external_link(href, target, rel)
