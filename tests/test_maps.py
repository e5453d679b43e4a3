"""The results map: marker data, packing, escaping, local assets, view, tiles, and clicks.

No network: the map is inspected as folium objects and as the HTML
``get_root().render()`` produces (what streamlit-folium ships to the browser). The
popups and tooltips are built by the page's own script from display-ready values, so
here the data handed to it is tested (and that no data value appears in the page outside
the packed blob); what the script draws is tested in Chromium, in
``tests/test_map_browser.py``. The click inputs mirror what streamlit-folium
0.27.4's frontend reported in Chromium for this map: a marker click gives
``last_object_clicked`` = the marker's data position (also when fanned out of a cluster)
and ``last_object_clicked_tooltip`` = the name as plain text; a cluster icon gives its
centre and "N clinics: click to see them"; the patient's marker gives "Your search: ...".
"""

from __future__ import annotations

import copy
import html
import json
import math
import re
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import pytest
from branca.element import MacroElement
from folium.map import FitBounds
from folium.plugins import FastMarkerCluster, MarkerCluster
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory import i18n, maps, schema
from directory.csvfile import write_csv_text
from directory.dataset import parse_clinics
from directory.directions import directions_url
from directory.distance import great_circle_miles
from directory.geocoding import Origin
from directory.maps import (
    CONTINENTAL_US,
    DEFAULT_ATTRIBUTION,
    DEFAULT_TILES_URL,
    MODALITY_COLOURS,
    VENDORED_FILES,
    TileSettings,
    build_map,
    clinic_for_click,
    pack,
    tile_settings_from_env,
    unpack,
)
from directory.phones import tel_uri
from directory.safetext import safe_link
from directory.search import SearchQuery, index_clinics, search
from directory.synth import generate_clinics

VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"
DENVER = Origin("80202", "Denver, CO 80202", 39.7530, -104.9990, "CO", "zip")
URL = re.compile(r"https?://[^\s\"'<>\\)]+", re.IGNORECASE)
# The packed data: a quoted string of base64 gzip (which starts 1f 8b 08, "H4sI").
PACKED = re.compile(r'"(H4sI[A-Za-z0-9+/]*={0,2})"')
GREY = "#999999"


def clinic(**fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": "c1",
        "name": "Mile High Ketamine",
        "kind": "clinic",
        "_lat": 39.7501,
        "_lon": -104.9996,
        "modalities": "iv;nasal",
        "phone": "(303) 555-0142",
        "website": "https://milehigh.example.com",
        "city": "Denver",
        "state": "CO",
    }
    row.update(fields)
    return row


def table(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows) or [clinic()][:0], columns=list(clinic()))


def layer_of(m: folium.Map) -> maps._ClinicLayer:
    layer = m._children["clinics"]
    assert isinstance(layer, maps._ClinicLayer)
    return layer


def data_of(m: folium.Map) -> dict[str, object]:
    return layer_of(m).data


def one(m: folium.Map) -> dict[str, object]:
    """The data of a one-clinic map, column -> that clinic's value."""
    data = data_of(m)
    assert len(data["id"]) == 1
    return {
        key: value if key == "colour" or value is None else value[0] for key, value in data.items()
    }


def fit_bounds(m: folium.Map) -> FitBounds:
    (fit,) = [c for c in m._children.values() if isinstance(c, FitBounds)]
    return fit


def rendered(m: folium.Map) -> str:
    return m.get_root().render()


def packed_in(page: str) -> dict[str, object]:
    """The clinic data as the page carries it (exactly one packed blob)."""
    (blob,) = PACKED.findall(page)
    return unpack(blob)


def without_packed(page: str) -> str:
    return PACKED.sub('""', page)


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return parse_clinics(write_csv_text(generate_clinics(300, seed=1))).table


# --- marker data ---------------------------------------------------------------------------


def test_one_entry_per_clinic_with_coordinates_in_every_column(synthetic):
    located = synthetic[synthetic["_lat"].notna()]
    data = data_of(build_map(synthetic, origin=DENVER))
    assert len(located) > 250
    assert data["id"] == list(located["id"])
    assert data["away"] is None  # no distance_miles column
    for key, column in data.items():
        if column is not None:
            assert len(column) == len(located), key


def test_rows_without_coordinates_are_left_out():
    m = build_map(table(clinic(id="a"), clinic(id="b", _lat=np.nan, _lon=np.nan)))
    assert data_of(m)["id"] == ["a"]


def test_data_of_one_clinic():
    frame = table(clinic()).assign(distance_miles=[2.345])
    assert one(build_map(frame)) == {
        "lat": 39.7501,
        "lon": -104.9996,
        "colour": "0",
        "name": "Mile High Ketamine",
        "place": "Denver, CO",
        "phone": "(303) 555-0142",
        "tel": "tel:+13035550142",
        "site": "https://milehigh.example.com",
        "directions": "https://www.openstreetmap.org/directions?route=%3B39.7501%2C-104.9996",
        "away": "2.3 mi away",
        "id": "c1",
    }


def test_coordinates_are_rounded_to_five_decimals():
    data = one(build_map(table(clinic(_lat=39.750123456, _lon=-104.999649999))))
    assert (data["lat"], data["lon"]) == (39.75012, -104.99965)
    assert json.dumps(data["lat"]) == "39.75012"


def test_distances_are_text_to_a_tenth_of_a_mile_and_missing_ones_are_empty():
    frame = table(clinic(id="a"), clinic(id="b"), clinic(id="c"))
    data = data_of(build_map(frame.assign(distance_miles=[0.04, np.nan, 1234.56])))
    assert data["away"] == ["0.0 mi away", "", "1,234.6 mi away"]
    assert data_of(build_map(frame.assign(distance_miles=np.nan)))["away"] is None
    assert data_of(build_map(frame))["away"] is None


@pytest.mark.parametrize(
    ("modalities", "colour"),
    [
        ("iv", MODALITY_COLOURS["iv"]),
        ("nasal;iv", MODALITY_COLOURS["iv"]),  # schema order decides, not listing order
        ("oral;im", MODALITY_COLOURS["im"]),
        ("at_home;oral", MODALITY_COLOURS["oral"]),
        ("at_home", MODALITY_COLOURS["at_home"]),
        ("", GREY),
        ("laughing_gas", GREY),
    ],
)
def test_marker_colour_is_the_first_modality_in_schema_order(modalities, colour):
    m = build_map(table(clinic(modalities=modalities)))
    assert maps._PALETTE[int(one(m)["colour"])] == colour
    assert maps._script_json(maps._PALETTE) in rendered(m)  # the palette the digit indexes


@pytest.mark.parametrize(
    ("offered", "chosen", "colour"),
    [
        ("iv;nasal", ("nasal",), MODALITY_COLOURS["nasal"]),
        ("iv;nasal", ("nasal", "iv"), MODALITY_COLOURS["nasal"]),  # the filter's order
        ("iv;nasal", ("iv", "nasal"), MODALITY_COLOURS["iv"]),
        ("iv;nasal", ("oral", "nasal"), MODALITY_COLOURS["nasal"]),  # the first it offers
        ("iv;nasal", ("oral",), MODALITY_COLOURS["iv"]),  # none chosen: its own first
        ("iv;nasal", ("laughing_gas", "nasal"), MODALITY_COLOURS["nasal"]),
        ("iv;nasal", (), MODALITY_COLOURS["iv"]),
        ("", ("iv",), GREY),
    ],
)
def test_with_a_treatment_filter_a_pin_shows_the_first_chosen_treatment_it_offers(
    offered, chosen, colour
):
    m = build_map(table(clinic(modalities=offered)), modalities=chosen)
    assert maps._PALETTE[int(one(m)["colour"])] == colour
    assert maps.marker_payload(table(clinic(modalities=offered)), chosen).data == data_of(m)


def test_palette_covers_every_modality_with_distinct_colours_one_digit_each():
    assert set(MODALITY_COLOURS) == set(schema.MODALITIES.codes)
    colours = [c.lower() for c in MODALITY_COLOURS.values()]
    assert len(set(colours)) == len(colours)
    assert "#000000" not in colours  # black is the patient's own location
    assert len(maps._PALETTE) <= 10


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("  Mile   High\tKetamine\n", "Mile High Ketamine"),
        ("", "Clinic"),
        ("   ", "Clinic"),
        (np.nan, "Clinic"),
    ],
)
def test_names_are_tidied_and_a_nameless_clinic_is_called_clinic(name, shown):
    assert one(build_map(table(clinic(name=name))))["name"] == shown


@pytest.mark.parametrize(
    ("city", "state", "place"),
    [(" Fort  Collins ", "CO", "Fort Collins, CO"), ("", "CO", "CO"), ("Denver", "", "Denver")],
)
def test_place_is_city_and_state(city, state, place):
    assert one(build_map(table(clinic(city=city, state=state))))["place"] == place


@pytest.mark.parametrize(
    ("phone", "tel"),
    [
        ("(303) 555-0142", "tel:+13035550142"),  # what the validator makes of a US number
        ("(303) 555-0142 ext. 12", "tel:+13035550142"),
        ("+44 20 7946 0958", "tel:+442079460958"),
        ("988", ""),  # too short to dial from a link: shown, not linked
        ("", ""),
    ],
)
def test_phone_is_sent_as_the_table_holds_it_with_its_tel_link(phone, tel):
    sent = one(build_map(table(clinic(phone=phone))))
    assert (sent["phone"], sent["tel"]) == (phone, tel)


@pytest.mark.parametrize(
    ("website", "sent"),
    [
        ("https://milehigh.example.com", "https://milehigh.example.com"),
        ("https://A.example.com/x?y=1&z=2", "https://A.example.com/x?y=1&z=2"),
        ("HTTP://B.EXAMPLE.COM:8080/p", "HTTP://B.EXAMPLE.COM:8080/p"),
        ("https://a.example.com/a(b)", "https://a.example.com/a%28b%29"),
    ],
)
def test_websites_are_sent_as_full_links(website, sent):
    assert one(build_map(table(clinic(website=website))))["site"] == sent


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://files.example.com",
        "//evil.example.com",
        "https://javascript:alert(1)",
        "https://exa mple.com",
        "https://\x00evil.example.com",
        "https://",
        "",
    ],
)
def test_only_validated_http_websites_are_sent(website):
    assert one(build_map(table(clinic(website=website))))["site"] == ""


OSM_ROUTE = "https://www.openstreetmap.org/directions?route=%3B"
OSM_TO = "https://www.openstreetmap.org/directions?to="


@pytest.mark.parametrize(
    ("fields", "sent"),
    [
        ({}, OSM_ROUTE + "39.7501%2C-104.9996"),
        ({"_lat": 40.0, "_lon": -105.123456}, OSM_ROUTE + "40%2C-105.12346"),
        (
            {"_coordinates_approximate": True, "address": "1 Main St & <script>", "zip": "80202"},
            OSM_TO + "1%20Main%20St%20%26%20%3Cscript%3E%2C%20Denver%2C%20CO%2080202",
        ),
        ({"_coordinates_approximate": True}, OSM_TO + "Denver%2C%20CO"),
        ({"_coordinates_approximate": True, "city": "", "state": ""}, ""),
        ({"kind": "telehealth"}, ""),
        ({"kind": float("nan")}, ""),
    ],
)
def test_directions_are_sent_as_full_links_and_at_home_providers_get_none(fields, sent):
    assert one(build_map(pd.DataFrame([clinic(**fields)])))["directions"] == sent


@pytest.mark.parametrize(
    ("provider", "start"),
    [
        ("osm", OSM_ROUTE),
        ("google", "https://www.google.com/maps/dir/?api=1&destination=1%20Main%20St%2C%20"),
        ("apple", "https://maps.apple.com/?daddr=1%20Main%20St%2C%20Denver%2C%20CO"),
    ],
)
def test_directions_follow_the_setting(monkeypatch, provider, start):
    monkeypatch.setenv("CLINIC_FINDER_DIRECTIONS", provider)
    frame = pd.DataFrame([clinic(address="1 Main St")])
    assert one(build_map(frame))["directions"].startswith(start)
    (given,) = maps.marker_data(frame, provider="google")["directions"]
    assert given.startswith("https://www.google.com/maps/dir/?api=1&destination=")


def test_links_come_from_the_listing_rules_for_every_validated_clinic(synthetic):
    """One source of truth: the map's links are the clinic cards' links."""
    located = synthetic[synthetic["_lat"].notna()]
    data = data_of(build_map(synthetic))
    assert data["phone"] == list(located["phone"])
    assert data["tel"] == [tel_uri(p) or "" for p in located["phone"]]
    assert data["site"] == [safe_link(w) or "" for w in located["website"]]
    assert data["directions"] == [directions_url(row) or "" for _, row in located.iterrows()]
    assert all(safe_link(link) == link for link in data["directions"])  # as on cards
    assert sum(map(bool, data["directions"])) == len(located)
    assert sum(map(bool, data["tel"])) > 250
    assert sum(map(bool, data["site"])) > 100
    assert all(tel.startswith("tel:+") for tel in data["tel"] if tel)
    assert all(schema.WEB_ADDRESS.fullmatch(site) for site in data["site"] if site)


def test_the_page_carries_the_data_packed_once_and_the_same_data_packs_the_same(synthetic):
    m = build_map(synthetic.assign(distance_miles=3.0), origin=DENVER, radius_miles=50)
    page = rendered(m)
    assert packed_in(page) == data_of(m)
    assert PACKED.search(page).group(1) == pack(data_of(m))
    assert pack(data_of(m)) == pack(copy.deepcopy(data_of(m)))  # no timestamp in the gzip


def test_a_clinic_costs_under_a_hundred_bytes_of_page(synthetic):
    located = int(synthetic["_lat"].notna().sum())
    full = len(rendered(build_map(synthetic, origin=DENVER)).encode())
    empty = len(rendered(build_map(synthetic.iloc[:0], origin=DENVER)).encode())
    # About 72 before directions links, which add about 20 (their coordinates are new
    # digits to gzip); 300 clinics compress worse than the 10k of benchmarks/bench_map.py.
    assert (full - empty) / located < 100


# --- escaping ------------------------------------------------------------------------------

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; alert(1); //",
    "`${alert(1)}`",
    "</script><!--<script>",
    "{{ 1/0 }}",
    "{% for x in range(10**9) %}{% endfor %}",
    "{# unclosed",
    "line\u2028separator\u2029alert(1)",
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("column", ["id", "name", "phone", "city", "state", "website"])
def test_hostile_values_reach_the_browser_only_inside_the_packed_data(value, column):
    m = build_map(table(clinic(**{column: value})), origin=DENVER)
    page = rendered(m)  # would raise if branca evaluated {{ }} or {% %} from the data
    assert "alert(1)" not in page
    assert "<img" not in page
    assert "{{ 1/0" not in page
    assert "{%" not in page
    assert "{#" not in page
    assert "\u2028" not in page
    assert page.count("<script") == page.count("</script>")  # nothing closed early
    assert "<!--" not in page
    data = packed_in(page)
    assert data == data_of(m)
    if column == "id":
        assert data["id"] == [value]  # ids are sent exactly
    if column == "name":
        assert data["name"] == [" ".join(value.split())]


def test_no_data_value_appears_anywhere_in_the_page_outside_the_packed_blob():
    from streamlit_folium import _get_header, _get_map_string

    row = clinic(
        id="zebra-quokka-1",
        name="Zebra Quokka Wellness",
        city="Quokkaville",
        phone="(719) 555-0123",
        website="https://zebra-quokka.example.net/wombat",
    )
    m = build_map(table(row).assign(distance_miles=[12.5]), origin=DENVER, radius_miles=25)
    page = rendered(m)
    shipped = _get_map_string(m) + _get_header(m)  # what streamlit-folium sends
    for value in ("zebra", "Zebra", "Quokka", "7195550123", "555-0123", "12.5", "wombat"):
        assert value not in without_packed(page), value
        assert value not in PACKED.sub("", shipped), value
    assert packed_in(shipped) == data_of(m)


@pytest.mark.parametrize("value", HOSTILE)
def test_origin_label_is_escaped_json(value):
    hostile = Origin("x", value, 39.0, -105.0, "CO", "coordinates")
    m = build_map(table(), origin=hostile)
    page = rendered(m)
    assert "alert(1)</script>" not in page
    assert "<img" not in page
    assert "{{" not in page
    assert "{%" not in page
    assert page.count("<script") == page.count("</script>")
    assert "<!--" not in page
    assert layer_of(m).origin == [39.0, -105.0, value]
    assert maps._script_json(layer_of(m).origin) in page


def test_template_syntax_in_the_data_survives_streamlit_folium():
    from streamlit_folium import _get_map_string

    m = build_map(table(clinic(name="Calm {{ 1/0 }} {{'x'}} Clinic")), origin=DENVER)
    rendered(m)  # st_folium renders the whole figure first
    assert packed_in(_get_map_string(m))["name"] == ["Calm {{ 1/0 }} {{'x'}} Clinic"]


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.text(), lambda children: st.lists(children, max_size=4), max_leaves=8))
def test_script_json_is_inert_in_a_script_and_in_jinja_and_round_trips(value):
    text = maps._script_json(value)
    assert json.loads(text) == value
    for forbidden in ("<", ">", "&", "\u2028", "\u2029", "{{", "{%", "{#"):
        assert forbidden not in text


def test_layer_script_has_no_jinja_opener_and_only_its_placeholders():
    """branca parses every rendered script as a Jinja template again; ``%`` fills it in."""
    assert re.search(r"\{[{%#]", maps._LAYER_JS) is None
    assert re.findall(r"%\((\w+)\)s|%", maps._LAYER_JS) == list(maps._LAYER_FIELDS)
    filled = maps._LAYER_JS % dict.fromkeys(maps._LAYER_FIELDS, "null")
    assert "%" not in filled
    assert re.search(r"\{[{%#]", filled) is None


# --- assets and URLs -----------------------------------------------------------------------


def test_only_leaflet_and_markercluster_load_from_vendored_files():
    page = rendered(build_map(table(clinic()), origin=DENVER, radius_miles=25))
    scripts = re.findall(r'<script src="([^"]*)"', page)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]*)"', page)
    assert scripts == [
        "/app/static/vendor/leaflet-1.9.4/dist/leaflet.js",
        "/app/static/vendor/leaflet.markercluster-1.5.3/dist/leaflet.markercluster.js",
    ]
    assert sorted(styles) == sorted(
        "/app/static/vendor/" + VENDORED_FILES[name]
        for name in ("leaflet_css", "markerclustercss", "markerclusterdefaultcss")
    )
    for path in VENDORED_FILES.values():
        assert (VENDOR_DIR / path).is_file(), path
    for unused in ("jquery", "bootstrap", "glyphicons", "fontawesome", "awesome-markers"):
        assert unused not in page.lower()


def test_vendored_files_are_folium_resources():
    names = {
        name
        for cls in (folium.Map, MarkerCluster)
        for name, _ in [*cls.default_js, *cls.default_css]
    }
    assert set(VENDORED_FILES) <= names


def test_assets_load_from_the_vendor_url_and_class_defaults_stay_untouched():
    before = {
        cls: (cls.default_js, copy.deepcopy(cls.default_js), copy.deepcopy(cls.default_css))
        for cls in (folium.Map, MarkerCluster, FastMarkerCluster)
    }
    m = build_map(table(clinic()))
    for element in (m, layer_of(m)):
        for _, url in [*element.default_js, *element.default_css]:
            assert url.startswith("/app/static/vendor/")
    for cls, (same_list, js, css) in before.items():
        assert cls.default_js is same_list
        assert (cls.default_js, cls.default_css) == (js, css)
        assert all(url.startswith("https://") for _, url in cls.default_js)
    assert "https://cdn" in rendered(folium.Map())  # a plain map still uses folium's CDNs


def test_vendor_url_is_configurable():
    page = rendered(build_map(table(clinic()), vendor_url="/assets"))
    assert '<script src="/assets/leaflet-1.9.4/dist/leaflet.js">' in page
    assert 'href="/assets/leaflet.markercluster-1.5.3/dist/MarkerCluster.css"' in page


def test_page_has_no_third_party_url_but_tiles_and_attribution(synthetic):
    page = rendered(build_map(synthetic, origin=DENVER, radius_miles=100))
    found = set(URL.findall(page))
    assert DEFAULT_TILES_URL in found
    assert found <= {DEFAULT_TILES_URL, "https://www.openstreetmap.org/copyright"}


def test_page_has_no_url_with_tiles_off():
    m = build_map(table(clinic()), origin=DENVER, tiles=TileSettings(url=None))
    page = rendered(m)
    assert re.search("https?:|//[a-z]", page, re.IGNORECASE) is None  # websites: packed
    assert data_of(m)["site"] == ["https://milehigh.example.com"]
    assert data_of(m)["id"] == ["c1"]
    assert not any(isinstance(c, folium.TileLayer) for c in m._children.values())


def test_streamlit_folium_sees_the_layer_legend_and_local_links():
    from streamlit_folium import _get_map_string

    m = build_map(table(clinic()), origin=DENVER, radius_miles=25)
    m.get_root().render()
    script = _get_map_string(m)
    assert packed_in(script) == data_of(m)
    assert legend_element(m).html_json in script
    assert "map_div" in script
    links = [url for element in (m, layer_of(m)) for _, url in element.default_js]
    assert all(url.startswith("/app/static/vendor/") for url in links)


# --- origin, radius, view, legend ----------------------------------------------------------


def test_origin_marker_and_radius_circle():
    m = build_map(table(clinic()), origin=DENVER, radius_miles=25)
    circle = m._children["search_radius"]
    assert isinstance(circle, folium.Circle)
    assert circle.location == [DENVER.lat, DENVER.lon]
    assert circle.options["radius"] == pytest.approx(25 * 1609.344)
    assert circle.options["interactive"] is False  # clicks reach the markers inside
    assert layer_of(m).origin == [DENVER.lat, DENVER.lon, "Denver, CO 80202"]


def test_no_radius_circle_without_origin_or_radius():
    m = build_map(table(clinic()), radius_miles=25)
    assert "search_radius" not in m._children
    assert layer_of(m).origin is None
    m = build_map(table(clinic()), origin=DENVER)
    assert "search_radius" not in m._children
    assert layer_of(m).origin is not None


def test_view_fits_every_result_the_origin_and_the_radius(synthetic):
    m = build_map(synthetic, origin=DENVER, radius_miles=300)
    (south, west), (north, east) = fit_bounds(m).bounds
    located = synthetic[synthetic["_lat"].notna()]
    assert south <= located["_lat"].min()
    assert north >= located["_lat"].max()
    assert west <= located["_lon"].min()
    assert east >= located["_lon"].max()
    assert south <= DENVER.lat - 300 / 69.2
    assert north >= DENVER.lat + 300 / 69.2


def test_view_includes_the_whole_radius_circle():
    m = build_map(table(clinic()), origin=DENVER, radius_miles=50)
    (south, west), (north, east) = fit_bounds(m).bounds
    edge = [
        great_circle_miles(DENVER.lat, DENVER.lon, lat, lon)
        for lat, lon in [
            (south, DENVER.lon),
            (north, DENVER.lon),
            (DENVER.lat, west),
            (DENVER.lat, east),
        ]
    ]
    assert all(float(miles) >= 50 - 1e-6 for miles in edge)


def test_without_an_origin_the_view_is_the_continental_us_whatever_the_clinics(synthetic):
    far = table(
        clinic(id="ak", _lat=61.2181, _lon=-149.9003),
        clinic(id="hi", _lat=21.3069, _lon=-157.8583),
        clinic(id="gu", _lat=13.4443, _lon=144.7937),
    )
    for frame in (far, synthetic, table(clinic())):
        m = build_map(frame)
        assert fit_bounds(m).bounds == CONTINENTAL_US
        assert len(data_of(m)["id"]) == int(frame["_lat"].notna().sum())  # all still drawn


def test_empty_map_shows_the_continental_us_and_lets_you_pan_anywhere():
    m = build_map(table())
    assert fit_bounds(m).bounds == CONTINENTAL_US
    assert "maxBounds" not in m.options
    assert "max_bounds" not in m.options
    assert data_of(m)["id"] == []


def test_a_single_clinic_gets_a_street_level_zoom_not_a_rooftop():
    here = Origin("x", "Here", 39.7501, -104.9996, "CO", "coordinates")
    fit = fit_bounds(build_map(table(clinic()), origin=here))
    assert fit.bounds == [[39.7501, -104.9996], [39.7501, -104.9996]]
    assert fit.options["maxZoom"] == 13


def legend_element(m: folium.Map) -> maps._Legend:
    (legend,) = [c for c in m._children.values() if isinstance(c, maps._Legend)]
    return legend


def legend_of(m: folium.Map) -> str:
    legend = legend_element(m)
    assert legend.html_json in rendered(m)
    return json.loads(legend.html_json)


def test_legend_lists_every_modality_label_and_colour():
    legend = legend_of(build_map(table(clinic()), origin=DENVER))
    for code, label in schema.MODALITIES.labels.items():
        assert html.escape(label) in legend
        assert MODALITY_COLOURS[code] in legend
    assert "Your search" in legend
    assert "Your search" not in legend_of(build_map(table(clinic())))
    assert "Main treatment" in legend


def test_with_a_treatment_filter_the_legend_explains_the_chosen_colours():
    legend = legend_of(build_map(table(clinic()), modalities=["nasal", "iv", "nasal", "x"]))
    labels = schema.MODALITIES.labels
    assert "Treatment you chose" in legend
    assert legend.index(html.escape(labels["nasal"])) < legend.index(html.escape(labels["iv"]))
    for code in ("im", "oral", "at_home"):
        assert html.escape(labels[code]) not in legend
        assert MODALITY_COLOURS[code] not in legend


# --- tiles ---------------------------------------------------------------------------------


def test_default_tiles_are_openstreetmap_with_attribution():
    assert TileSettings() == TileSettings(DEFAULT_TILES_URL, DEFAULT_ATTRIBUTION)
    page = rendered(build_map(table(clinic())))
    assert json.dumps(DEFAULT_TILES_URL) in page
    assert "OpenStreetMap\\u003c/a\\u003e contributors" in page


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, TileSettings()),
        ({"CLINIC_FINDER_TILES_URL": ""}, TileSettings(url=None)),
        ({"CLINIC_FINDER_TILES_URL": " None "}, TileSettings(url=None)),
        (
            {"CLINIC_FINDER_TILES_URL": "https://t.example.org/{z}/{x}/{y}.png"},
            TileSettings(url="https://t.example.org/{z}/{x}/{y}.png"),
        ),
        (
            {
                "CLINIC_FINDER_TILES_URL": "/app/static/tiles/{z}/{x}/{y}.png",
                "CLINIC_FINDER_TILES_ATTRIBUTION": "Our own tiles",
            },
            TileSettings("/app/static/tiles/{z}/{x}/{y}.png", "Our own tiles"),
        ),
        ({"CLINIC_FINDER_TILES_ATTRIBUTION": "  "}, TileSettings()),
    ],
)
def test_tile_settings_from_env(environ, expected):
    assert tile_settings_from_env(environ) == expected


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)//{z}{x}{y}", "https://t.example.org/tile.png", "tiles/{z}/{x}/{y}"]
)
def test_tile_settings_reject_bad_urls(url):
    with pytest.raises(ValueError, match="CLINIC_FINDER_TILES_URL"):
        tile_settings_from_env({"CLINIC_FINDER_TILES_URL": url})


# --- clicks --------------------------------------------------------------------------------

CLICK_TABLE = table(
    clinic(id="a", name="Alpha", _lat=39.7501, _lon=-104.9996),
    clinic(id="b", name="Beta", _lat=39.7600, _lon=-104.9800),
    clinic(id="c", name="Gamma Twin", _lat=39.7600, _lon=-104.9800),  # same building as b
    clinic(id="d", name="Anchorage", _lat=61.2181, _lon=-149.9003),
    clinic(id="e", name="Guam", _lat=13.4443, _lon=144.7937),
    clinic(id="f", name="Telehealth", _lat=np.nan, _lon=np.nan),
)


@pytest.mark.parametrize(
    ("clicked", "expected"),
    [
        ({"lat": 39.7501, "lng": -104.9996}, "a"),
        ({"last_object_clicked": {"lat": 39.7501, "lng": -104.9996}}, "a"),
        ({"lat": 39.7501, "lon": -104.9996}, "a"),
        ({"lat": np.float64(39.7501), "lng": np.float32(-104.9996)}, "a"),
        ({"lat": 39.7505, "lng": -104.9990}, "a"),  # 0.04 mi off: within tolerance
        ({"lat": 61.2181, "lng": -149.9003 + 360}, "d"),  # unwrapped after panning east
        ({"lat": 13.4443, "lng": 144.7937 - 720}, "e"),
        ({"lat": 39.76, "lng": -104.98}, "b"),  # same spot: the first row
        (
            {
                "last_object_clicked": {"lat": 39.76, "lng": -104.98},
                "last_object_clicked_tooltip": "  Gamma   Twin ",
            },
            "c",
        ),
        (
            {
                "last_object_clicked": {"lat": 39.76, "lng": -104.98},
                "last_object_clicked_tooltip": " ",
            },
            "b",
        ),
        (  # what the frontend reported for a marker in Chromium (see module docstring)
            {
                "last_clicked": None,
                "last_object_clicked": {"lat": 39.7501, "lng": -104.9996},
                "last_object_clicked_tooltip": "Alpha",
                "last_object_clicked_popup": None,
            },
            "a",
        ),
    ],
)
def test_clinic_for_click_finds_the_clinic(clicked, expected):
    assert clinic_for_click(clicked, CLICK_TABLE) == expected


@pytest.mark.parametrize(
    "clicked",
    [
        None,
        {},
        {"last_object_clicked": None},
        {"last_object_clicked": "39.7501,-104.9996"},
        {"last_object_clicked": [39.7501, -104.9996]},
        {"lat": "39.7501", "lng": "-104.9996"},
        {"lat": 39.7501},
        {"lng": -104.9996},
        {"lat": math.nan, "lng": -104.9996},
        {"lat": 39.7501, "lng": math.inf},
        {"lat": True, "lng": False},
        {"lat": 95.0, "lng": -104.9996},
        {"lat": None, "lng": None},
        {"lat": 39.80, "lng": -104.9996},  # 3.4 miles from the nearest clinic
        {"lat": 39.7501, "lng": -104.9996 + 0.002},  # ~0.1 mi: outside the tolerance
        {"lat": 0.0, "lng": 0.0},
        {"last_clicked": {"lat": 39.7501, "lng": -104.9996}},  # a map click, not a marker
        {  # a cluster icon at the spot two clinics share: the click only fans them out
            "last_object_clicked": {"lat": 39.76, "lng": -104.98},
            "last_object_clicked_tooltip": "2 clinics: click to see them",
        },
        {  # the patient's own marker, right next to clinic a
            "last_object_clicked": {"lat": 39.7501, "lng": -104.9996},
            "last_object_clicked_tooltip": "Your search: Denver, CO 80202",
        },
        {  # position of one clinic, name of another
            "last_object_clicked": {"lat": 39.7501, "lng": -104.9996},
            "last_object_clicked_tooltip": "Beta",
        },
    ],
)
def test_clinic_for_click_rejects_garbage_and_misses(clicked):
    assert clinic_for_click(clicked, CLICK_TABLE) is None


def test_clinic_for_click_rejects_non_mappings_and_empty_tables():
    assert clinic_for_click("39.7501,-104.9996", CLICK_TABLE) is None  # type: ignore[arg-type]
    assert clinic_for_click([39.7501, -104.9996], CLICK_TABLE) is None  # type: ignore[arg-type]
    assert clinic_for_click({"lat": 39.7501, "lng": -104.9996}, table()) is None
    with pytest.raises(ValueError, match="tolerance"):
        clinic_for_click({"lat": 1.0, "lng": 1.0}, CLICK_TABLE, tolerance_miles=math.nan)


def test_a_nameless_clinic_is_found_by_its_tooltip_label():
    frame = table(clinic(id="x", name=""), clinic(id="y", name="Other"))
    assert data_of(build_map(frame))["name"][0] == "Clinic"
    clicked = {"last_object_clicked": {"lat": 39.7501, "lng": -104.9996}}
    assert clinic_for_click({**clicked, "last_object_clicked_tooltip": "Clinic"}, frame) == "x"
    assert clinic_for_click({**clicked, "last_object_clicked_tooltip": "Other"}, frame) == "y"


def test_tolerance_is_configurable():
    off = {"lat": 39.7501, "lng": -104.9996 + 0.002}
    assert clinic_for_click(off, CLICK_TABLE, tolerance_miles=0.2) == "a"
    assert clinic_for_click({"lat": 39.7501, "lng": -104.9996}, CLICK_TABLE, tolerance_miles=0)


def test_every_marker_position_as_clicked_maps_back_to_its_clinic(synthetic):
    """What Leaflet reports for a click is the marker's rounded data position."""
    located = synthetic[synthetic["_lat"].notna()].set_index("id")
    data = data_of(build_map(synthetic))
    for lat, lon, tooltip, clinic_id in zip(
        data["lat"], data["lon"], data["name"], data["id"], strict=True
    ):
        clicked = {
            "last_object_clicked": {"lat": lat, "lng": lon},
            "last_object_clicked_tooltip": tooltip,  # shown as text: the name
        }
        found = clinic_for_click(clicked, synthetic)
        assert found is not None
        twins = located[
            (located["_lat"].round(5) == lat)
            & (located["_lon"].round(5) == lon)
            & (located["name"] == located.loc[clinic_id, "name"])
        ]
        assert found in set(twins.index)


points = st.tuples(st.floats(-80, 80), st.floats(-180, 180))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pool=st.lists(points, min_size=1, max_size=4),
    names=st.lists(st.sampled_from(["A", "B", " A ", "<b>&"]), min_size=25, max_size=25),
    picks=st.lists(st.integers(0, 3), min_size=1, max_size=25),
    holes=st.lists(st.booleans(), min_size=25, max_size=25),
    data=st.data(),
)
def test_clicking_exactly_on_a_rows_point_returns_a_clinic_at_that_point(
    pool, names, picks, holes, data
):
    # Few distinct points, so tables have clinics sharing a spot and clinics very close.
    rows = [
        clinic(
            id=f"id{i}",
            name=names[i],
            _lat=np.nan if holes[i] and i else pool[p % len(pool)][0],
            _lon=np.nan if holes[i] and i else pool[p % len(pool)][1],
        )
        for i, p in enumerate(picks)
    ]
    frame = table(*rows)
    located = frame[frame["_lat"].notna()].reset_index(drop=True)
    target = located.iloc[data.draw(st.integers(0, len(located) - 1))]
    clicked = {"last_object_clicked": {"lat": target["_lat"], "lng": target["_lon"]}}
    found = clinic_for_click(clicked, frame)
    assert found is not None
    hit = frame.set_index("id").loc[found]
    miles = great_circle_miles(target["_lat"], target["_lon"], hit["_lat"], hit["_lon"])
    assert float(miles) == 0.0
    # With the tooltip the browser shows (the name as text), the name must match too.
    shown = _tooltip_for(target["name"])
    found = clinic_for_click({**clicked, "last_object_clicked_tooltip": shown}, frame)
    assert found is not None
    hit = frame.set_index("id").loc[found]
    assert hit["name"].strip() == target["name"].strip()
    miles = great_circle_miles(target["_lat"], target["_lon"], hit["_lat"], hit["_lon"])
    assert float(miles) == 0.0


def _tooltip_for(name: str) -> str:
    (shown,) = data_of(build_map(table(clinic(name=name))))["name"]
    return str(shown).strip()  # the frontend trims the tooltip text


def test_module_does_not_import_streamlit():
    source = Path(maps.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+streamlit\b", source, re.MULTILINE)


# ------------------------------------------------------------- the per-file marker table
def test_marker_table_gives_a_search_result_the_same_data_as_marker_data() -> None:
    """The page packs results from a table made once per data file: same data as made
    from the result's own rows (distances, colours and the result's order included)."""
    whole = generate_clinics(300, seed=5)
    loaded = parse_clinics(write_csv_text(whole)).usable()
    index = index_clinics(loaded)
    markers = maps.marker_table(index.table)
    result = search(index, SearchQuery(DENVER, 500.0))
    rows = result.in_person
    assert len(rows) > 5
    for chosen in [(), ("nasal",), ("oral", "iv")]:
        assert markers.data(rows, chosen) == maps.marker_data(rows, chosen)
    assert markers.data(rows.iloc[::-1], ()) == maps.marker_data(rows.iloc[::-1], ())


def test_marker_table_makes_rows_it_does_not_hold_from_themselves() -> None:
    markers = maps.marker_table(table(clinic()))
    stranger = table(clinic(id="elsewhere", name="Other Place", _lat=40.0, _lon=-105.0))
    assert markers.data(stranger)["name"] == ["Other Place"]
    unplaced = table(clinic(_lat=None))
    assert maps.marker_table(unplaced).data(unplaced)["id"] == []  # no coordinates: not drawn


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_map_renders_as_folium_renders_it(
    monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    """Drawing parts as text (not compiled again by Jinja) changes nothing in the page."""

    def page() -> str:
        with i18n.using(language):
            m = build_map(table(clinic()), origin=DENVER, radius_miles=25, modalities=["iv"])
            return re.sub(r"_[0-9a-f]{32}\b", "_ID", m.get_root().render())

    ours = page()
    monkeypatch.setattr(maps._Prerendered, "render", MacroElement.render)
    assert ours == page()
    for layer in ("tile_layer", "clinic_layer"):  # layers add themselves to the map
        assert f"{layer}_ID.addTo(map_ID)" in ours


# ----------------------------------------------------------------------------- in Spanish


def test_the_legend_is_in_spanish():
    with i18n.using("es"):
        legend = legend_of(build_map(table(clinic()), origin=DENVER))
        chosen = legend_of(build_map(table(clinic()), modalities=["iv"]))
    assert "Tratamiento principal" in legend
    assert "Su búsqueda" in legend
    assert "Main treatment" not in legend
    assert "Your search" not in legend
    assert "Tratamiento que eligió" in chosen


def test_the_layers_words_are_in_the_page_in_its_language():
    english = layer_of(build_map(table(clinic()))).labels
    with i18n.using("es"):
        m = build_map(table(clinic()))
        page = rendered(m)
        spanish = layer_of(m).labels
    assert english == maps.layer_labels()
    assert set(spanish) == set(english)
    assert spanish["website"] == "Sitio web"
    assert spanish["directions"] == "Cómo llegar a {name}"
    assert spanish["cluster"] == "{count} clínicas: haga clic para verlas"
    assert all(spanish[key] != english[key] for key in english)
    for text in spanish.values():
        assert json.dumps(text, ensure_ascii=False) in page
    for text in english.values():
        assert json.dumps(text) not in page
    assert "Website" not in maps._LAYER_JS
    assert "Directions to" not in maps._LAYER_JS


def test_distances_and_nameless_clinics_are_in_spanish():
    frame = table(clinic(id="a", name=""), clinic(id="b")).assign(distance_miles=[1234.56, 3.0])
    markers = maps.marker_table(frame)  # made once, shared by both languages
    with i18n.using("es"):
        data = markers.data(frame)
        clicked = {"last_object_clicked": {"lat": 39.7501, "lng": -104.9996}}
        found = clinic_for_click({**clicked, "last_object_clicked_tooltip": "Clínica"}, frame)
    assert data["away"] == ["A 1,234.6 millas", "A 3.0 millas"]
    assert data["name"] == ["Clínica", "Mile High Ketamine"]
    assert found == "a"
    assert markers.data(frame)["name"] == ["Clinic", "Mile High Ketamine"]
    assert markers.data(frame)["away"] == ["1,234.6 mi away", "3.0 mi away"]
