"""The map's own page in a real browser: what ``map_layer.js`` draws from the data.

Each test renders :func:`directory.maps.build_map` (tiles off) to an HTML file, serves it
and the repository's ``static/`` (as ``/app/static/``, where the map loads Leaflet from)
with a small ``http.server`` on 127.0.0.1, and drives Debian's Chromium through
Playwright. Any request for another host is recorded and aborted, so nothing leaves the
machine even if a test fails. Everything is skipped when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import folium
import pandas as pd
import pytest
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CIRCLE_MARKERS,
    CLUSTERS,
    REPO_ROOT,
    TIMEOUT_MS,
    is_local,
)
from playwright.sync_api import Browser, Dialog, Page, Route, expect, sync_playwright

from directory.geocoding import Origin
from directory.maps import MarkerPayload, TileSettings, build_map, marker_payload, pack

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} is missing (apt-get install chromium)"
    ),
]

#: A request the server has not answered by then is dropped (a test never hangs on one).
REQUEST_TIMEOUT_S = 10.0
POPUP = ".leaflet-popup-content"
TOOLTIP = ".leaflet-tooltip"
#: The patient's own marker: the only black circle.
ORIGIN_MARKER = '.leaflet-overlay-pane path.leaflet-interactive[fill="#000"]'
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
TEMPLATE_TEXT = "{{7*7}}"

# --- serving the page ---------------------------------------------------------------------


class _Handler(SimpleHTTPRequestHandler):
    """Files under the site's root; quiet, and bounded per request."""

    timeout = REQUEST_TIMEOUT_S

    def log_message(self, format: str, *args: object) -> None:  # the base method's names
        pass


@dataclass(frozen=True)
class Site:
    """A directory served at ``url``: ``/app/static/`` is the repository's ``static/``."""

    root: Path
    url: str

    def publish(self, name: str, m: folium.Map) -> str:
        """Write ``m`` as ``name`` (what st_folium renders) and return its URL."""
        (self.root / name).write_text(m.get_root().render(), encoding="utf-8")
        return f"{self.url}/{name}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("map-site")
    (root / "app").mkdir()
    (root / "app" / "static").symlink_to(REPO_ROOT / "static", target_is_directory=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield Site(root, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=REQUEST_TIMEOUT_S)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Visit:
    """One page in a fresh browser context, with what it did besides drawing."""

    page: Page
    requests: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)  # asked for, and aborted
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.locator(f"{CIRCLE_MARKERS}, {CLUSTERS}").first.wait_for()

    def assert_quiet(self) -> None:
        """No script error, no dialog, nothing asked of another host."""
        assert self.errors == []
        assert self.dialogs == []
        assert self.elsewhere == []
        assert any("/app/static/vendor/leaflet-1.9.4/" in url for url in self.requests)


@pytest.fixture
def visit(browser: Browser) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    seen = Visit(page)

    def route(route: Route) -> None:
        url = route.request.url
        seen.requests.append(url)
        if is_local(url):
            route.continue_()
        else:
            seen.elsewhere.append(url)
            route.abort()

    def dialog(dialog: Dialog) -> None:  # alert(), confirm(): a script ran
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.route("**/*", route)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("dialog", dialog)
    try:
        yield seen
    finally:
        context.close()


# --- data ---------------------------------------------------------------------------------


def clinic(**fields: object) -> dict[str, object]:
    """A validated-looking clinic row (the phone as the validator formats it)."""
    row: dict[str, object] = {
        "id": "c1",
        "name": "Mile High Ketamine",
        "_lat": 39.7501,
        "_lon": -104.9996,
        "modalities": "iv;nasal",
        "phone": "(303) 555-0142",
        "website": "https://milehigh.example.com/book?a=1&b=2",
        "city": "Denver",
        "state": "CO",
    }
    row.update(fields)
    return row


def local_map(rows: list[dict[str, object]], **options: Any) -> folium.Map:
    """The map of ``rows`` as the app builds it, with tiles off."""
    return build_map(pd.DataFrame(rows), tiles=TileSettings(None), **options)


#: What the map shows once markercluster has settled (its zoom and cluster animations
#: briefly show old and new icons together): cluster counts and the number of markers.
_SETTLED_JS = """async ([markers, clusters]) => {
    const busy = () => document.querySelector(".leaflet-zoom-anim, .leaflet-cluster-anim");
    const seen = () => JSON.stringify([
        Array.from(document.querySelectorAll(clusters), (icon) => Number(icon.textContent)),
        document.querySelectorAll(markers).length]);
    let last = null;
    for (let tries = 0; tries < 40; tries++) {
        const now = seen();
        if (now === last && !busy()) { return JSON.parse(now); }
        last = now;
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return null;
}"""


def settled(visit: Visit) -> tuple[list[int], int]:
    """Cluster icon counts and circle markers on screen, once nothing moves."""
    seen = visit.page.evaluate(_SETTLED_JS, [CIRCLE_MARKERS, CLUSTERS])
    assert seen is not None, "the map never settled"
    return seen[0], seen[1]


def popup_links(visit: Visit) -> list[dict[str, str | None]]:
    """Each link in the open popup: its href, text, target and rel."""
    links: list[dict[str, str | None]] = visit.page.locator(f"{POPUP} a").evaluate_all(
        """(links) => links.map((a) => ({
            href: a.getAttribute("href"), text: a.textContent,
            target: a.getAttribute("target"), rel: a.getAttribute("rel")}))"""
    )
    return links


# --- tests --------------------------------------------------------------------------------


def test_every_clinic_is_drawn_as_a_marker_or_in_a_cluster(visit: Visit, site: Site) -> None:
    rows = [
        clinic(id="denver"),
        clinic(id="seattle", _lat=47.6062, _lon=-122.3321),
        clinic(id="miami", _lat=25.7617, _lon=-80.1918),
        *(clinic(id=f"chicago-{i}", _lat=41.8781, _lon=-87.6298) for i in range(3)),
    ]
    visit.open(site.publish("drawn.html", local_map(rows)))
    counts, markers = settled(visit)
    assert counts  # the three in one building are a cluster at any zoom
    assert min(counts) >= 2
    # Each clinic is counted once: as its own marker or in its cluster icon's number.
    assert sum(counts) + markers == len(rows)
    assert visit.page.evaluate("() => window.L.version") == "1.9.4"  # the vendored copy
    visit.assert_quiet()


def test_a_popup_shows_the_clinic_with_a_phone_and_a_website_link(visit: Visit, site: Site) -> None:
    rows = [clinic()]
    visit.open(site.publish("popup.html", local_map(rows)))
    assert visit.page.locator(POPUP).count() == 0  # built when opened
    visit.page.locator(CIRCLE_MARKERS).click()
    popup = visit.page.locator(POPUP)
    popup.wait_for()
    assert popup.locator("b").inner_text() == "Mile High Ketamine"
    assert popup.inner_text().split("\n") == [
        "Mile High Ketamine",
        "Denver, CO",
        "(303) 555-0142",
        "Website",
    ]
    assert popup_links(visit) == [
        {"href": "tel:+13035550142", "text": "(303) 555-0142", "target": None, "rel": None},
        {
            "href": "https://milehigh.example.com/book?a=1&b=2",
            "text": "Website",
            "target": "_blank",
            "rel": "noopener noreferrer",
        },
    ]
    visit.assert_quiet()


def test_a_search_map_shows_the_distance_and_the_patients_marker(visit: Visit, site: Site) -> None:
    here = Origin("x", "Denver, CO 80202", 39.70, -105.10, "CO", "coordinates")
    frame = pd.DataFrame([clinic()]).assign(distance_miles=[6.04])
    m = build_map(frame, origin=here, radius_miles=25, tiles=TileSettings(None))
    visit.open(site.publish("search.html", m))
    visit.page.locator(ORIGIN_MARKER).hover()
    expect(visit.page.locator(TOOLTIP)).to_have_text(["Your search: Denver, CO 80202"])
    visit.page.locator(f'{CIRCLE_MARKERS}:not([fill="#000"])').click()
    assert "6.0 mi away" in visit.page.locator(POPUP).inner_text().split("\n")
    visit.assert_quiet()


def test_hostile_data_is_shown_as_text_and_runs_nothing(visit: Visit, site: Site) -> None:
    rows = [
        clinic(
            name=HOSTILE_NAME,
            city=TEMPLATE_TEXT,
            state="<b>CO</b>",
            phone="<script>alert(2)</script>",
            website="javascript:alert(3)",
        )
    ]
    here = Origin("x", HOSTILE_NAME, 39.0, -104.0, "CO", "coordinates")
    m = local_map(rows, origin=here)
    visit.open(site.publish("hostile.html", m))

    visit.page.locator(ORIGIN_MARKER).hover()
    expect(visit.page.locator(TOOLTIP)).to_have_text(["Your search: " + HOSTILE_NAME])
    marker = visit.page.locator(f'{CIRCLE_MARKERS}:not([fill="#000"])')
    marker.hover()
    expect(visit.page.locator(TOOLTIP)).to_have_text([HOSTILE_NAME])
    marker.click()
    popup = visit.page.locator(POPUP)
    popup.wait_for()
    assert popup.inner_text().split("\n") == [
        HOSTILE_NAME,
        TEMPLATE_TEXT + ", <b>CO</b>",  # not 49: branca never evaluated it
        "<script>alert(2)</script>",
    ]
    tags = popup.locator("*").evaluate_all("(nodes) => nodes.map((n) => n.tagName)")
    assert tags == ["DIV", "B", "BR", "BR"]  # the box, the name, two line breaks
    assert popup_links(visit) == []  # neither the javascript: website nor the phone
    visit.page.wait_for_timeout(300)  # let an onerror fire, if anything had made an <img>
    assert visit.page.locator("img").count() == 0
    visit.assert_quiet()


def test_the_script_links_only_http_and_tel_even_if_python_let_one_through(
    visit: Visit, site: Site
) -> None:
    """The browser's own check: an href that is not https://, http:// or tel: is text."""
    rows = [clinic(id="a"), clinic(id="b", _lat=47.6062, _lon=-122.3321)]
    data = marker_payload(pd.DataFrame(rows)).data
    data["tel"] = ["javascript:alert(1)", "TEL:+13035550142"]
    data["site"] = ["data:text/html,<script>alert(2)</script>", " https://x.example.com"]
    m = local_map(rows, payload=MarkerPayload(data, pack(data)))
    visit.open(site.publish("forged.html", m))
    assert settled(visit) == ([], 2)
    for marker in visit.page.locator(CIRCLE_MARKERS).all():
        marker.click()
        visit.page.locator(POPUP).wait_for()
        hrefs = [link["href"] for link in popup_links(visit)]
        assert hrefs in ([], ["TEL:+13035550142"])
        assert "(303) 555-0142" in visit.page.locator(POPUP).inner_text().split("\n")
        assert "Website" not in visit.page.locator(POPUP).inner_text()
        visit.page.locator(".leaflet-popup-close-button").click()
        visit.page.locator(POPUP).wait_for(state="detached")
    visit.assert_quiet()
