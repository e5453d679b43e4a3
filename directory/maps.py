"""The results map: one folium map of the clinics a search found.

:func:`build_map` draws every result as a light ``L.circleMarker`` created in the
browser by one JavaScript callback over a compact data array (``FastMarkerCluster``),
so thousands of clinics stay a few hundred bytes each instead of kilobytes of
generated JavaScript per marker. Everything shown comes from the data file, which
admins paste from websites, so every value is HTML-escaped here in Python; the
browser only inserts these finished strings. Leaflet and its plugins load from the
app's own static folder, never a CDN; only map tiles come from a tile server.

:func:`clinic_for_click` turns what streamlit-folium reports for a marker click back
into a clinic id.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.plugins import FastMarkerCluster
from folium.template import Template

from directory import schema
from directory.distance import great_circle_miles
from directory.geocoding import Origin

DEFAULT_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
TILES_URL_ENV = "CLINIC_FINDER_TILES_URL"
TILES_ATTRIBUTION_ENV = "CLINIC_FINDER_TILES_ATTRIBUTION"
#: Where Streamlit serves ``static/vendor`` (``server.enableStaticServing``).
VENDOR_BASE_URL = "/app/static/vendor/"

#: Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
#: Black is kept for the patient's own location.
MODALITY_COLOURS: dict[str, str] = {
    "iv": "#0072B2",  # blue
    "im": "#D55E00",  # vermillion
    "nasal": "#009E73",  # bluish green
    "oral": "#E69F00",  # orange
    "at_home": "#CC79A7",  # reddish purple
}
# Index i = i-th modality in schema order; the extra grey = none the schema knows.
_PALETTE = [*(MODALITY_COLOURS[code] for code in schema.MODALITIES.codes), "#999999"]

METRES_PER_MILE = 1609.344
CONTINENTAL_US = [[24.4, -125.0], [49.4, -66.9]]
_MAX_FIT_ZOOM = 13  # one clinic, or several in one building: street level, not a rooftop
_MAX_ZOOM = 19  # markercluster needs a maxZoom even when there is no tile layer

# Every JS/CSS file folium 0.20.0 loads, by its resource name, mapped to the copy
# vendored by scripts/vendor_static.sh (paths relative to static/vendor/).
VENDORED_FILES: dict[str, str] = {
    "leaflet": "leaflet-1.9.4/dist/leaflet.js",
    "jquery": "jquery-3.7.1/dist/jquery.min.js",
    "bootstrap": "bootstrap-5.2.2/dist/js/bootstrap.bundle.min.js",
    "awesome_markers": "leaflet.awesome-markers-2.0.5/dist/leaflet.awesome-markers.js",
    "leaflet_css": "leaflet-1.9.4/dist/leaflet.css",
    "bootstrap_css": "bootstrap-5.2.2/dist/css/bootstrap.min.css",
    "glyphicons_css": "bootstrap-3.4.1/dist/css/bootstrap-glyphicons.css",
    "awesome_markers_font_css": "fontawesome-free-6.2.0/css/all.min.css",
    "awesome_markers_css": "leaflet.awesome-markers-2.0.5/dist/leaflet.awesome-markers.css",
    "awesome_rotate_css": "folium-0.20.0/folium/templates/leaflet.awesome.rotate.css",
    "markerclusterjs": "leaflet.markercluster-1.5.3/dist/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster-1.5.3/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster-1.5.3/dist/MarkerCluster.Default.css",
}

# Builds one marker per data row: [lat, lon, colour index, popup HTML, tooltip HTML, id].
# The popup and tooltip strings were escaped in Python; JS only hands them to Leaflet.
# A radius of at most 10 px makes Leaflet report the marker's own position on click
# (Map._fireDOMEvent), which is what clinic_for_click matches against.
_CALLBACK = """(function () {
    var colours = %s;
    return function (row) {
        var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
            radius: 7, color: "#1f1f1f", weight: 1, fillColor: colours[row[2]],
            fillOpacity: 0.9, clinicId: row[5]
        });
        marker.bindPopup(row[3], {maxWidth: 280});
        marker.bindTooltip(row[4]);
        return marker;
    };
})()"""

_SAFE_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)
# JS template literals (folium's Tooltip) give meaning to these; HTML does not need them.
_JS_TEMPLATE_CHARS = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


@dataclass(frozen=True)
class TileSettings:
    """Where map tiles come from; ``url=None`` draws no tiles (markers still show)."""

    url: str | None = DEFAULT_TILES_URL
    attribution: str = DEFAULT_ATTRIBUTION


def tile_settings_from_env(environ: Mapping[str, str] = os.environ) -> TileSettings:
    """Tiles from ``CLINIC_FINDER_TILES_URL`` (empty or ``none`` = off) and ``..._ATTRIBUTION``.

    The URL must be http(s) or a path on this server (self-hosted tiles) and contain
    ``{z}``, ``{x}`` and ``{y}``; anything else is a configuration error.
    """
    attribution = environ.get(TILES_ATTRIBUTION_ENV, "").strip() or DEFAULT_ATTRIBUTION
    url = environ.get(TILES_URL_ENV)
    if url is None:
        return TileSettings(DEFAULT_TILES_URL, attribution)
    url = url.strip()
    if url.lower() in ("", "none"):
        return TileSettings(None, attribution)
    placeholders = all(part in url for part in ("{z}", "{x}", "{y}"))
    if not placeholders or not (url.startswith("/") or _SAFE_URL.fullmatch(url)):
        raise ValueError(
            f"{TILES_URL_ENV} must be an http(s) URL or a /path with {{z}}, {{x}} and {{y}}, "
            f"or 'none'; got {url!r}"
        )
    return TileSettings(url, attribution)


class _ClinicCluster(FastMarkerCluster):
    """FastMarkerCluster whose data array is written as compact JSON.

    folium's template uses Jinja's ``tojson``, which turns every ``<``, ``>``, ``&``
    and ``'`` of the popup markup into six-byte escapes (about a fifth of the page).
    :func:`_script_json` keeps them but still cannot end the ``<script>``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function(){
                {{ this.callback }}
                var data = {{ this.data_json }};
                var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                for (var i = 0; i < data.length; i++) {
                    callback(data[i]).addTo(cluster);
                }
                cluster.addTo({{ this._parent.get_name() }});
                return cluster;
            })();
        {% endmacro %}"""
    )

    @property
    def data_json(self) -> str:
        return _script_json(self.data)


class _Legend(MacroElement):
    """A Leaflet control saying which colour stands for which treatment (schema labels)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var legend = L.control({position: "topright"});
                legend.onAdd = function () {
                    var div = L.DomUtil.create("div", "clinic-map-legend");
                    div.innerHTML = {{ this.html_json }};
                    L.DomEvent.disableClickPropagation(div);
                    return div;
                };
                legend.addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}"""
    )

    def __init__(self, show_origin: bool) -> None:
        super().__init__()
        self._name = "ClinicLegend"
        items = [(MODALITY_COLOURS[c], label) for c, label in schema.MODALITIES.labels.items()]
        items += [("#000000", "Your search")] if show_origin else []
        dot = "display:inline-block;width:11px;height:11px;margin-right:6px;border-radius:50%"
        rows = "".join(
            f'<div><span style="{dot};border:1px solid #1f1f1f;background:{colour}"></span>'
            f"{_escape(label)}</div>"
            for colour, label in items
        )
        box = "background:#fff;padding:6px 8px;border-radius:4px;font-size:12px;line-height:1.6"
        self.html_json = _script_json(f'<div style="{box}"><b>Main treatment</b>{rows}</div>')


def build_map(
    clinics: pd.DataFrame,
    *,
    origin: Origin | None = None,
    radius_miles: float | None = None,
    tiles: TileSettings = TileSettings(),  # frozen, so one shared default is safe
    selected_id: str | None = None,
    vendor_url: str = VENDOR_BASE_URL,
) -> folium.Map:
    """A map of ``clinics`` (rows without coordinates are left out), fitted to show them all.

    ``origin`` adds the patient's location and, with ``radius_miles``, the search circle.
    ``selected_id`` rings that clinic. Scripts and styles load from ``vendor_url``.
    """
    m = folium.Map(tiles=None, control_scale=True, minZoom=2, maxZoom=_MAX_ZOOM)
    # Instance attributes, so other maps in the same process keep folium's defaults.
    m.default_js = _vendored(folium.Map.default_js, vendor_url)
    m.default_css = _vendored(folium.Map.default_css, vendor_url)
    if tiles.url is not None:
        folium.TileLayer(
            tiles.url, attr=tiles.attribution, name="Map", max_zoom=_MAX_ZOOM, control=False
        ).add_to(m)

    located = clinics[clinics[schema.LAT].notna() & clinics[schema.LON].notna()]
    lats = located[schema.LAT].to_numpy(dtype=np.float64)
    lons = located[schema.LON].to_numpy(dtype=np.float64)
    cluster = _ClinicCluster(
        _marker_rows(located, lats, lons),
        callback=_CALLBACK % _script_json(_PALETTE),
        showCoverageOnHover=False,
        chunkedLoading=True,  # keeps the page responsive while 10k markers cluster
        control=False,
    )
    cluster.default_js = _vendored(FastMarkerCluster.default_js, vendor_url)
    cluster.default_css = _vendored(FastMarkerCluster.default_css, vendor_url)
    cluster.add_to(m)

    fit_lats, fit_lons = [*lats], [*lons]
    if origin is not None:
        where = [origin.lat, origin.lon]
        if radius_miles is not None and radius_miles > 0:
            metres = radius_miles * METRES_PER_MILE
            m.add_child(_inert(folium.Circle(where, metres, color="#000", weight=1, fill=True)))
            dlat = radius_miles / 69.05
            dlon = radius_miles / (69.17 * max(math.cos(math.radians(origin.lat)), 0.05))
            fit_lats += [max(origin.lat - dlat, -85.0), min(origin.lat + dlat, 85.0)]
            fit_lons += [max(origin.lon - dlon, -180.0), min(origin.lon + dlon, 180.0)]
        label = f"Your search: {_escape(origin.label)}"
        folium.CircleMarker(
            where, 6, tooltip=label, color="#fff", weight=2, fill_color="#000", fill_opacity=1
        ).add_to(m)
        fit_lats.append(origin.lat)
        fit_lons.append(origin.lon)
    chosen = np.flatnonzero(located["id"].astype(str).to_numpy() == selected_id)
    if chosen.size:  # a ring outside the cluster, so it shows even while clustered
        m.add_child(
            _inert(
                folium.CircleMarker([lats[chosen[0]], lons[chosen[0]]], 12, color="#000", weight=3)
            )
        )
    if fit_lats:
        bounds = [[min(fit_lats), min(fit_lons)], [max(fit_lats), max(fit_lons)]]
    else:
        bounds = CONTINENTAL_US
    m.fit_bounds(bounds, padding=(24, 24), max_zoom=_MAX_FIT_ZOOM)
    _Legend(show_origin=origin is not None).add_to(m)
    return m


def clinic_for_click(
    clicked: Mapping[str, Any] | None, clinics: pd.DataFrame, *, tolerance_miles: float = 0.05
) -> str | None:
    """The id of the clinic at a clicked marker, or None.

    ``clicked`` is st_folium's return value (``{"last_object_clicked": {"lat", "lng"},
    "last_object_clicked_tooltip": ...}``) or the inner ``{"lat", "lng"}`` itself. The
    nearest row within ``tolerance_miles`` wins; among rows at the same spot the one
    whose name is the clicked tooltip's text is preferred. Anything malformed is None.
    """
    if not tolerance_miles >= 0:
        raise ValueError(f"tolerance_miles must be 0 or more, not {tolerance_miles!r}")
    if not isinstance(clicked, Mapping) or len(clinics) == 0:
        return None
    point = clicked.get("last_object_clicked", clicked)
    if not isinstance(point, Mapping):
        return None
    lat, lng = _number(point.get("lat")), _number(point.get("lng", point.get("lon")))
    if lat is None or lng is None or abs(lat) > 90:
        return None
    if abs(lng) > 180:  # Leaflet reports unwrapped longitudes after panning round the globe
        lng = (lng + 180.0) % 360.0 - 180.0
    miles = great_circle_miles(
        lat,
        lng,
        pd.to_numeric(clinics[schema.LAT], errors="coerce").to_numpy(dtype=np.float64),
        pd.to_numeric(clinics[schema.LON], errors="coerce").to_numpy(dtype=np.float64),
    )
    near = np.flatnonzero(miles <= tolerance_miles)  # NaN compares False: no point, no match
    if near.size == 0:
        return None
    tooltip = clicked.get("last_object_clicked_tooltip")
    if isinstance(tooltip, str) and tooltip.strip():
        # The tooltip can be stale (cluster icons have none), so it only breaks ties.
        names = clinics["name"].iloc[near].astype(str).str.split().str.join(" ")
        named = near[(names == " ".join(tooltip.split())).to_numpy(dtype=bool)]
        near = named if named.size else near
    return str(clinics["id"].iloc[near[np.argmin(miles[near])]])


def _marker_rows(located: pd.DataFrame, lats: Any, lons: Any) -> list[list[Any]]:
    """One FastMarkerCluster row per clinic; coordinates rounded to ~1 m to save bytes."""
    colour = located["modalities"].fillna("").astype(str).map(_primary_colour_index)
    names = [_escape(name) or "Clinic" for name in _texts(located, "name")]
    distances = (
        pd.to_numeric(located["distance_miles"], errors="coerce").to_numpy(dtype=np.float64)
        if "distance_miles" in located
        else np.full(len(located), np.nan)
    )
    popups = [
        _popup(*fields)
        for fields in zip(
            names,
            _texts(located, "city"),
            _texts(located, "state"),
            distances,
            _texts(located, "phone"),
            _texts(located, "website"),
            strict=True,
        )
    ]
    return [
        [round(float(lat), 5), round(float(lon), 5), int(c), popup, name, clinic_id]
        for lat, lon, c, popup, name, clinic_id in zip(
            lats, lons, colour, popups, names, _texts(located, "id"), strict=True
        )
    ]


def _popup(name: str, city: str, state: str, miles: float, phone: str, website: str) -> str:
    """Popup HTML from an already escaped name and raw other fields (escaped here)."""
    parts = [f"<b>{name}</b>"]
    place = ", ".join(part for part in (city.strip(), state.strip()) if part)
    if place:
        parts.append(_escape(place))
    if math.isfinite(miles):
        parts.append(f"{miles:.1f} mi away")
    if phone.strip():
        parts.append(_escape(phone.strip()))
    url = website.strip()
    if _SAFE_URL.fullmatch(url):  # javascript:, data: and the like stay unlinked, unshown
        parts.append(
            f'<a href="{_escape(url)}" target="_blank" rel="noopener noreferrer">Website</a>'
        )
    return "<br>".join(parts)


def _primary_colour_index(modalities: str) -> int:
    """Palette index of the first of the clinic's modalities in schema order."""
    codes = set(modalities.split(schema.CANONICAL_LIST_SEPARATOR))
    return next(
        (i for i, code in enumerate(schema.MODALITIES.codes) if code in codes),
        len(schema.MODALITIES.codes),
    )


def _texts(table: pd.DataFrame, column: str) -> list[str]:
    if column not in table:
        return [""] * len(table)
    return [str(value) for value in table[column].fillna("").tolist()]


def _escape(text: str) -> str:
    """HTML-escape, and neutralise characters special in JS template literals too."""
    return html.escape(str(text), quote=True).translate(_JS_TEMPLATE_CHARS)


def _script_json(value: object) -> str:
    """JSON safe to place inside ``<script>``: it can neither end it nor open a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("</", "<\\/")
        .replace("<!", "\\u003c!")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _inert(layer: folium.Circle | folium.CircleMarker) -> MacroElement:
    """Not clickable, so clicks reach the clinic markers underneath."""
    layer.options["interactive"] = False
    return layer


def _vendored(resources: list[tuple[str, str]], base_url: str) -> list[tuple[str, str]]:
    """folium's (name, CDN URL) list with each URL swapped for the vendored copy."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return [(name, base + VENDORED_FILES[name]) for name, _ in resources]


def _number(value: object) -> float | None:
    """A finite float from a JSON number; strings, booleans and NaN are rejected."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
