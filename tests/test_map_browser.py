"""The map's own page in a real browser: what ``map_layer.js`` draws from the data.

Each test renders :func:`directory.maps.build_map` (tiles off) to an HTML file, serves it
and the repository's ``static/`` (as ``/app/static/``, where the map loads Leaflet from)
with a small ``http.server`` on 127.0.0.1, and drives Debian's Chromium through
Playwright. Any request for another host is recorded and aborted, so nothing leaves the
machine even if a test fails. Everything is skipped when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

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
    BROWSER_MARKS,
    CIRCLE_MARKERS,
    CLUSTERS,
    REPO_ROOT,
    TIMEOUT_MS,
    is_local,
)
from playwright.sync_api import Browser, Dialog, Page, Route, expect

from directory.geocoding import Origin
from directory.maps import MarkerPayload, TileSettings, build_map, marker_payload, pack

pytestmark = BROWSER_MARKS

#: A request the server has not answered by then is dropped (a test never hangs on one).
REQUEST_TIMEOUT_S = 10.0
POPUP = ".leaflet-popup-content"
TOOLTIP = ".leaflet-tooltip"
#: The patient's own marker: the only black circle, in its own pane above the clusters.
ORIGIN_PANE = ".leaflet-clinicOrigin-pane"
ORIGIN_MARKER = f"{ORIGIN_PANE} path"
DIRECTIONS = "https://www.openstreetmap.org/directions?route=%3B39.7501%2C-104.9996"
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
        "kind": "clinic",
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
        "Directions to Mile High Ketamine",
    ]
    new_tab = {"target": "_blank", "rel": "noopener noreferrer"}
    assert popup_links(visit) == [
        {"href": "tel:+13035550142", "text": "(303) 555-0142", "target": None, "rel": None},
        {"href": "https://milehigh.example.com/book?a=1&b=2", "text": "Website", **new_tab},
        {"href": DIRECTIONS, "text": "Directions to Mile High Ketamine", **new_tab},
    ]
    visit.assert_quiet()


def test_a_search_map_shows_the_distance_and_the_patients_marker(visit: Visit, site: Site) -> None:
    here = Origin("x", "Denver, CO 80202", 39.70, -105.10, "CO", "coordinates")
    frame = pd.DataFrame([clinic()]).assign(distance_miles=[6.04])
    m = build_map(frame, origin=here, radius_miles=25, tiles=TileSettings(None))
    visit.open(site.publish("search.html", m))
    ring = visit.page.locator(ORIGIN_MARKER).bounding_box()
    assert ring is not None
    assert ring["width"] > 10  # the patient's ring is drawn (the legend names it)
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

    assert visit.page.locator(ORIGIN_MARKER).count() == 1
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
        "Directions to " + HOSTILE_NAME,
    ]
    tags = popup.locator("*").evaluate_all("(nodes) => nodes.map((n) => n.tagName)")
    assert tags == ["DIV", "B", "BR", "BR", "BR", "A"]  # the box, the name, breaks, a link
    # Neither the javascript: website nor the phone; directions by coordinates only.
    assert [link["href"] for link in popup_links(visit)] == [DIRECTIONS]
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
    data["directions"] = ["javascript:alert(3)", "//www.openstreetmap.org/directions"]
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
        assert "Directions" not in visit.page.locator(POPUP).inner_text()
        visit.page.locator(".leaflet-popup-close-button").click()
        visit.page.locator(POPUP).wait_for(state="detached")
    visit.assert_quiet()


def _off_localhost(urls: list[str]) -> list[str]:
    return [url for url in urls if not is_local(url)]


def test_directions_open_in_a_new_tab_and_nothing_is_asked_of_a_maps_site_before_a_tap(
    visit: Visit, site: Site
) -> None:
    """Tiles off: no request leaves this machine until the patient taps "Directions"."""
    visit.open(site.publish("directions.html", local_map([clinic()])))
    visit.page.locator(CIRCLE_MARKERS).click()
    link = visit.page.locator(f"{POPUP} a", has_text="Directions")
    expect(link).to_have_attribute("href", DIRECTIONS)
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    visit.page.wait_for_timeout(300)  # a prefetch, had there been one, would be under way
    assert _off_localhost(visit.requests) == []
    visit.assert_quiet()

    # The new tab is another page of the context: its requests are recorded and aborted.
    tapped: list[str] = []

    def record(route: Route) -> None:
        tapped.append(route.request.url)
        route.abort()

    context = visit.page.context
    context.route("**/*", record)  # the map's own page keeps its own route (it wins there)
    with context.expect_page() as opened:
        link.click()
    opened.value.wait_for_load_state()
    assert tapped[:1] == [DIRECTIONS]
    assert visit.elsewhere == []  # the map's page itself asked for nothing


def test_with_tiles_on_only_tiles_are_asked_for_before_a_tap(visit: Visit, site: Site) -> None:
    m = build_map(pd.DataFrame([clinic()]))  # the default: OpenStreetMap's tile server
    visit.open(site.publish("tiles.html", m))
    visit.page.locator(CIRCLE_MARKERS).click()
    visit.page.locator(POPUP).wait_for()
    visit.page.wait_for_timeout(300)
    outside = _off_localhost(visit.requests)
    assert outside  # the tiles were asked for (and aborted)
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in outside), outside
    assert not any("www.openstreetmap.org" in url for url in visit.requests)
    assert visit.errors == []
    assert visit.dialogs == []


#: How the origin's ring and a cluster icon stack: the panes' z-order, whether the ring
#: sits over the icon, and what a click on the ring's own stroke reaches.
_ON_TOP_JS = """([origin, cluster]) => {
    const ring = document.querySelector(origin);
    const icon = document.querySelector(cluster);
    const dot = ring.getBoundingClientRect();
    const box = icon.getBoundingClientRect();
    const z = (node, pane) => Number(getComputedStyle(node.closest(pane)).zIndex);
    const onStroke = document.elementFromPoint(dot.x + 2, dot.y + dot.height / 2);
    return {
        ringAbove: z(ring, ".leaflet-pane") > z(icon, ".leaflet-pane"),
        ringOverIcon: dot.left >= box.left && dot.right <= box.right
            && dot.top >= box.top && dot.bottom <= box.bottom,
        clickOnRingReachesCluster: Boolean(onStroke && onStroke.closest(".marker-cluster")),
    };
}"""


def test_the_patients_point_is_drawn_above_the_clusters(visit: Visit, site: Site) -> None:
    """A cluster on the patient's own spot does not hide it, and the ring takes no click
    meant for a clinic or cluster under or beside it."""
    here = Origin("x", "Denver, CO 80202", 39.7501, -104.9996, "CO", "coordinates")
    rows = [clinic(id=f"same-building-{i}") for i in range(3)]
    visit.open(site.publish("above.html", local_map(rows, origin=here)))
    counts, _ = settled(visit)
    assert counts == [3]
    seen = visit.page.evaluate(_ON_TOP_JS, [ORIGIN_MARKER, CLUSTERS])
    assert seen == {"ringAbove": True, "ringOverIcon": True, "clickOnRingReachesCluster": True}
    ring = visit.page.locator(ORIGIN_MARKER).bounding_box()
    assert ring is not None
    visit.page.mouse.click(ring["x"] + 2, ring["y"] + ring["height"] / 2)  # on the ring
    fanned = visit.page.locator(f'{CIRCLE_MARKERS}:not([fill="none"])')  # not the legs
    expect(fanned).to_have_count(3)
    visit.assert_quiet()
