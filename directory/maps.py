"""The results map: one folium map of the clinics a search found.

:func:`build_map` sends the clinics to the browser once, as compact columns
(:func:`marker_data`: coordinates, a colour digit, and display-ready texts and links),
gzipped and base64-encoded: about 85 bytes a clinic. One script (``map_layer.js``)
decompresses them and draws each clinic as a light ``L.circleMarker`` in a cluster
group; a popup is built only when it opens. What the map shows comes from the data file,
which admins paste from websites, so no data value is ever parsed as markup: the popup
is made with ``createElement``/``textContent``, links are only the ``tel:`` and http(s)
targets built here (:mod:`directory.listing`, :mod:`directory.directions`) from
validated values, and tooltips (which Leaflet and streamlit-folium set as ``innerHTML``)
are the value serialised from a text node. The packed data is base64, so it can neither
end the ``<script>`` nor be read as a template by branca (which re-parses rendered
scripts with Jinja). Only Leaflet and Leaflet.markercluster load, from the app's own
static folder; only tiles come from a tile server. :func:`clinic_for_click` maps a
marker click back to a clinic.

The map's words (legend, popup links, tooltips, distances) are written in the active
language (:mod:`directory.i18n`) when a map is built. :class:`MarkerTable`, which pages
keep per data file, holds no words: a nameless clinic's name (:data:`NAMELESS`) is filled
in per view, so an English and a Spanish visitor share it safely.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import numpy as np
import numpy.typing as npt
import pandas as pd
from branca.element import Element, Figure, MacroElement
from folium.map import FitBounds
from folium.plugins import MarkerCluster
from folium.template import Template
from xyzservices import TileProvider

from directory import safetext, schema
from directory.directions import Provider, directions_column
from directory.distance import EARTH_RADIUS_MILES, great_circle_miles
from directory.errors import ConfigError
from directory.facts import format_miles
from directory.geocoding import Origin
from directory.i18n import N_
from directory.i18n import gettext as _
from directory.phones import tel_uri

DEFAULT_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
TILES_URL_ENV = "CLINIC_FINDER_TILES_URL"
TILES_ATTRIBUTION_ENV = "CLINIC_FINDER_TILES_ATTRIBUTION"
#: Where Streamlit serves ``static/vendor`` (``server.enableStaticServing``).
VENDOR_BASE_URL = "/app/static/vendor/"
METRES_PER_MILE = 1609.344
CONTINENTAL_US = [[24.4, -125.0], [49.4, -66.9]]
_MAX_ZOOM = 19  # markercluster needs a maxZoom even when there is no tile layer
_MAX_FIT_ZOOM = 13  # one clinic (or one building of them): a street map, not a rooftop
#: gzip level for the packed data: 5 is within 3% of 9 in size at a fifth of the time.
_GZIP_LEVEL = 5
#: What a clinic without a name is called on the map (and so in its tooltip), in English:
#: shown in the active language (:func:`nameless`).
NAMELESS = N_("Clinic")

#: Okabe-Ito colours, told apart with the common colour-vision deficiencies; black is
#: kept for the patient's own location.
MODALITY_COLOURS: dict[str, str] = {
    "iv": "#0072B2",  # blue
    "im": "#D55E00",  # vermillion
    "nasal": "#009E73",  # bluish green
    "oral": "#E69F00",  # orange
    "at_home": "#CC79A7",  # reddish purple
}
# Index i = the i-th modality in schema order; the extra grey = none the schema knows.
# At most 10 colours: each clinic's index is sent as one digit.
_PALETTE = [*(MODALITY_COLOURS[code] for code in schema.MODALITIES.codes), "#999999"]

#: The JS/CSS the map loads, by folium's name for it, and its copy made by
#: scripts/vendor_static.sh, relative to static/vendor/. Circle markers, clusters, the
#: circle, tooltips, popups and the legend need nothing else: folium's other defaults
#: (jQuery, Bootstrap, Glyphicons, Font Awesome, awesome-markers) are left out.
VENDORED_FILES: dict[str, str] = {
    "leaflet": "leaflet-1.9.4/dist/leaflet.js",
    "leaflet_css": "leaflet-1.9.4/dist/leaflet.css",
    "markerclusterjs": "leaflet.markercluster-1.5.3/dist/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster-1.5.3/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster-1.5.3/dist/MarkerCluster.Default.css",
}

# What a tile URL setting may be besides a path on this server (a config value, not data:
# placeholders like {s} and hosts like localhost are fine here).
_TILE_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)
# Jinja's block openers; JSON only has "{" before a '"' or "}", so these are in strings.
_JINJA_OPENER = re.compile(r"\{(?=[{%#])")

#: The clinic layer's script (directory/map_layer.js), filled in by ``%`` with these
#: names, each :func:`_script_json` or a JS name. Checked once here rather than trusted:
#: any other ``%`` would be read as a format, and branca re-parses rendered scripts as
#: Jinja templates, so a Jinja opener would run as one.
_LAYER_JS = Path(__file__).with_name("map_layer.js").read_text(encoding="utf-8").rstrip()
_LAYER_FIELDS = ("map", "palette", "origin", "labels", "options", "packed")
if re.findall(r"%\((\w+)\)s|%", _LAYER_JS) != list(_LAYER_FIELDS):
    raise RuntimeError(f"map_layer.js: each % must be one of %(name)s for {_LAYER_FIELDS}")
if _JINJA_OPENER.search(_LAYER_JS):
    raise RuntimeError("map_layer.js must not contain a Jinja opener ({{, {% or {#)")


@dataclass(frozen=True)
class TileSettings:
    """Where map tiles come from; ``url=None`` draws no tiles (markers still show)."""

    url: str | None = DEFAULT_TILES_URL
    attribution: str = DEFAULT_ATTRIBUTION


def tile_settings_from_env(environ: Mapping[str, str] = os.environ) -> TileSettings:
    """Tiles from ``CLINIC_FINDER_TILES_URL`` (empty or ``none``: off) and ``..._ATTRIBUTION``.

    The URL must be http(s) or a path on this server (self-hosted tiles) and contain
    ``{z}``, ``{x}`` and ``{y}``; anything else is a :class:`ConfigError`.
    """
    attribution = environ.get(TILES_ATTRIBUTION_ENV, "").strip() or DEFAULT_ATTRIBUTION
    url = environ.get(TILES_URL_ENV, DEFAULT_TILES_URL).strip()
    if url.lower() in ("", "none"):
        return TileSettings(None, attribution)
    placeholders = all(part in url for part in ("{z}", "{x}", "{y}"))
    if not placeholders or not (url.startswith("/") or _TILE_URL.fullmatch(url)):
        raise ConfigError(
            f"{TILES_URL_ENV} must be 'none' or an http(s) URL or /path with {{z}}, {{x}} "
            f"and {{y}}, not {url!r}"
        )
    return TileSettings(url, attribution)


class _Text(Element):
    """Markup already rendered: added as it is, not parsed again."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


class _Prerendered(MacroElement):
    """Macro elements whose rendered parts go into the page as text.

    branca wraps each part it renders in a new ``Element(text)``, which compiles the text
    as a Jinja template, and streamlit-folium renders a map twice: for the clinic layer,
    whose script holds the packed data, that was most of the cost of drawing a map. Put
    it last among the bases (``class _Circle(folium.Circle, _Prerendered)``): it takes
    the place of ``MacroElement.render`` only, so folium's own render steps (layers adding
    themselves to the map, scripts and styles to load) still run first.
    """

    # MacroElement.render returns nothing; branca types Element.render as returning str.
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise ValueError("add this element to a map in a figure first")
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            if (macro := macros.get(part)) is not None:
                getattr(figure, part).add_child(_Text(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


# folium's elements the map uses, drawn the same way (each compile cost about 0.3 ms).
class _Map(folium.Map, _Prerendered):
    pass


class _TileLayer(folium.TileLayer, _Prerendered):
    pass


class _Circle(folium.Circle, _Prerendered):  # type: ignore[misc]  # Marker.render takes no kwargs
    pass


class _FitBounds(FitBounds, _Prerendered):
    pass


class _ClinicLayer(MarkerCluster, _Prerendered):
    """The clinics (a markercluster group filled by :data:`_LAYER_JS`) and the origin."""

    _template = Template(
        """{% macro script(this, kwargs) %}
            var {{ this.get_name() }} = {{ this.script }};
        {% endmacro %}"""
    )

    def __init__(
        self, payload: MarkerPayload, origin: Origin | None, *, vendor_url: str, **options: Any
    ) -> None:
        super().__init__(control=False, **options)
        self._name = "ClinicLayer"
        self.data = payload.data
        self.packed = payload.packed
        self.origin = None if origin is None else [origin.lat, origin.lon, origin.label]
        self.labels = layer_labels()
        self.default_js = _assets(["markerclusterjs"], vendor_url)
        self.default_css = _assets(["markerclustercss", "markerclusterdefaultcss"], vendor_url)

    @property
    def script(self) -> str:
        if self._parent is None:
            raise ValueError("add the clinic layer to a map first")
        return _LAYER_JS % {
            "map": self._parent.get_name(),
            "palette": _script_json(_PALETTE),
            "origin": _script_json(self.origin),
            "labels": _script_json(self.labels),
            "options": _script_json(self.options),
            "packed": _script_json(self.packed),
        }


def nameless() -> str:
    """What a clinic without a name is called on the map, in the active language."""
    return _(NAMELESS)


def layer_labels() -> dict[str, str]:
    """The clinic layer's own words, in the active language (``{name}`` and ``{count}``
    are filled in by the script)."""
    return {
        "website": _("Website"),
        "directions": _("Directions to {name}"),
        # TRANSLATORS: the tooltip of a cluster of pins on the map (always 2 or more).
        "cluster": _("{count} clinics: click to see them"),
        "unsupported": _("This browser cannot show the clinics on the map; please use the list."),
        "failed": _("The clinics could not be shown on the map; please use the list."),
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
    }


LEGEND_FOLD_BELOW_PX = 500
"""Maps narrower than this (a phone) start with the legend folded."""


class _Legend(_Prerendered):
    """A Leaflet control saying which colour stands for which treatment (schema labels)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
            (function () {
                var legend = L.control({position: "topright"});
                legend.onAdd = function () {
                    var div = L.DomUtil.create("div", "clinic-map-legend");
                    div.innerHTML = {{ this.html_json }};
                    L.DomEvent.disableClickPropagation(div);
                    return div;
                };
                var map = {{ this._parent.get_name() }};
                legend.addTo(map);
                // On a small (phone) map the legend starts folded, so it hides no clinics.
                if (map.getSize().x < {{ this.fold_below_px }}) {
                    legend.getContainer().querySelector("details").removeAttribute("open");
                }
            })();
        {% endmacro %}"""
    )

    def __init__(self, show_origin: bool, modalities: Sequence[str] = ()) -> None:
        super().__init__()
        self._name = "ClinicLegend"
        labels = schema.MODALITIES.labels
        # Filtered by treatment, pins show the chosen ones only (see marker_data).
        chosen = list(dict.fromkeys(code for code in modalities if code in labels))
        items = [(MODALITY_COLOURS[c], labels[c]) for c in chosen or labels]
        items += [("#000000", _("Your search"))] if show_origin else []
        dot = "display:inline-block;width:11px;height:11px;margin-right:6px;border-radius:50%"
        rows = "".join(
            f'<div><span style="{dot};border:1px solid #1f1f1f;background:{colour}"></span>'
            f"{html.escape(label)}</div>"
            for colour, label in items
        )
        box = "background:#fff;padding:6px 8px;border-radius:4px;font-size:12px;line-height:1.6"
        title = "cursor:pointer;font-weight:bold;min-height:24px"
        heading = _("Treatment you chose") if chosen else _("Main treatment")
        self.html_json = _script_json(
            f'<details open style="{box}"><summary style="{title}">'
            f"{html.escape(heading)}</summary>{rows}</details>"
        )
        self.fold_below_px = LEGEND_FOLD_BELOW_PX


def build_map(
    clinics: pd.DataFrame,
    *,
    origin: Origin | None = None,
    radius_miles: float | None = None,
    tiles: TileSettings = TileSettings(),  # frozen, so one shared default is safe
    vendor_url: str = VENDOR_BASE_URL,
    payload: MarkerPayload | None = None,
    modalities: Sequence[str] = (),
) -> folium.Map:
    """A map of ``clinics`` (rows without coordinates are left out).

    Without ``origin`` it shows the lower 48 states; with it, the patient's location,
    the search circle (with ``radius_miles``) and every clinic given. Scripts and styles
    load from ``vendor_url``. ``modalities``: the search's treatment filter, which the
    pins' colours and the legend then follow (see :func:`marker_data`). ``payload`` is
    :func:`marker_payload` of ``clinics`` (with the same ``modalities``), made earlier:
    the page keeps the whole-country one per data file instead of rebuilding it on every
    rerun.
    """
    m = _Map(tiles=None, control_scale=True, minZoom=2, maxZoom=_MAX_ZOOM)
    # Instance attributes: other maps in the process keep folium's own defaults.
    m.default_js = _assets(["leaflet"], vendor_url)
    m.default_css = _assets(["leaflet_css"], vendor_url)
    if tiles.url is not None:
        # A provider object, not the URL text: folium looks text up among xyzservices'
        # ~200 named providers, which took longer than drawing the rest of the map.
        provider = TileProvider(name="Map", url=tiles.url, attribution=tiles.attribution)
        _TileLayer(
            provider, attr=tiles.attribution, name="Map", max_zoom=_MAX_ZOOM, control=False
        ).add_to(m)

    if payload is None:
        payload = marker_payload(clinics, modalities)
    data = payload.data
    if origin is not None and radius_miles is not None and 0 < radius_miles < math.inf:
        circle = _Circle(
            [origin.lat, origin.lon],
            radius_miles * METRES_PER_MILE,
            color="#000",
            weight=1,
            fill_color="#000",
            fill_opacity=0.04,
        )
        circle.options["interactive"] = False  # so clicks reach the clinics inside
        m.add_child(circle, name="search_radius")
    layer = _ClinicLayer(
        payload,
        origin,
        vendor_url=vendor_url,
        showCoverageOnHover=False,
        chunkedLoading=True,  # clusters 10k markers in slices, so the page stays responsive
    )
    m.add_child(layer, name="clinics")
    bounds = _view(data, origin, radius_miles)
    m.add_child(_FitBounds(bounds, padding=(24, 24), max_zoom=_MAX_FIT_ZOOM))
    m.add_child(_Legend(show_origin=origin is not None, modalities=modalities))
    return m


@dataclass(frozen=True)
class MarkerPayload:
    """The clinics as the browser gets them: :func:`marker_data` and its :func:`pack`."""

    data: dict[str, Any]
    packed: str


def marker_payload(clinics: pd.DataFrame, modalities: Sequence[str] = ()) -> MarkerPayload:
    """Marker data for the clinics that have coordinates, and its packed form."""
    return marker_table(clinics).payload(clinics, modalities)


def marker_data(
    located: pd.DataFrame, modalities: Sequence[str] = (), *, provider: Provider | None = None
) -> dict[str, Any]:
    """What the browser gets for each clinic, as columns (lists of equal length).

    Every value is ready to show: the page's script only puts them into the DOM, so the
    rules for phones, links and distances live in Python, once. ``lat``/``lon`` rounded
    to 5 decimals (about a metre); ``colour``: one digit per clinic, the palette index of
    the first of ``modalities`` (the search's filter, in its order) that it offers, else
    of its first modality in schema order (the last one: none known); ``name`` (whitespace
    collapsed, :func:`nameless` if empty); ``place`` ("City, ST"); ``phone``: as the
    validated table holds it; ``tel``: its :func:`phones.tel_uri` or ``""``; ``site``:
    the website as :func:`safetext.safe_link` makes it (a validated http(s) URL) or ``""``;
    ``directions``: the link of :mod:`directory.directions` (to the maps site
    ``provider``, default: the setting) or ``""``; ``away``: "12.3 mi away" or ``""``,
    or None for the whole column when no row has a distance; ``id``. Rows without
    coordinates are left out.
    """
    return marker_table(located, provider).data_at(np.arange(len(located)), located, modalities)


@dataclass(frozen=True)
class MarkerTable:
    """The per-clinic part of :func:`marker_data` for a whole table, made once.

    Made of the search index's table once per data file, it turns a search result (rows
    of that table, found by ``id``) into map data by indexing plain lists: pandas costs
    tens of microseconds a call however few rows a result has, which made building these
    texts per view cost more than the search itself. Only the colours (which follow the
    search's treatment filter), the distances and the nameless clinics' name (the one
    text in a language, :func:`nameless`) are made per result.
    """

    position: Mapping[str, int]
    """Row of each clinic ``id``."""
    located: npt.NDArray[np.bool_]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    ranks: tuple[tuple[int, ...], ...]
    """Each row's modalities as palette indexes, in the data's order."""
    texts: Mapping[str, npt.NDArray[np.object_]]
    """``name`` (``""`` for a nameless clinic), ``place``, ``phone``, ``tel``, ``site``,
    ``directions`` and ``id``: data and links only, no words of any language."""
    provider: Provider | None = None
    """The maps site of the directions links (None: the setting)."""

    def data(self, rows: pd.DataFrame, modalities: Sequence[str] = ()) -> dict[str, Any]:
        """:func:`marker_data` of ``rows``: rows of the table this was made of (found by
        ``id``, which the data file keeps unique), with any extra columns."""
        ids = [str(i) for i in rows["id"].tolist()] if "id" in rows else []
        if len(ids) != len(rows) or any(clinic_id not in self.position for clinic_id in ids):
            return marker_table(rows, self.provider).data(rows, modalities)  # not rows of ours
        positions = np.fromiter((self.position[i] for i in ids), dtype=np.intp, count=len(ids))
        return self.data_at(positions, rows, modalities)

    def data_at(
        self, positions: npt.NDArray[np.intp], rows: pd.DataFrame, modalities: Sequence[str]
    ) -> dict[str, Any]:
        """:func:`marker_data` of ``rows``, which are this table's rows at ``positions``."""
        keep = self.located[positions]
        positions = positions[keep]
        rank = {code: i for i, code in enumerate(schema.MODALITIES.codes)}
        wanted = [rank[code] for code in modalities if code in rank]
        colours = []
        for row in positions.tolist():
            offered = self.ranks[row]
            first = next((i for i in wanted if i in offered), None)
            colours.append(str(first if first is not None else min(offered, default=len(rank))))
        away: list[str] | None = None
        if "distance_miles" in rows:
            miles = pd.to_numeric(rows["distance_miles"], errors="coerce").to_numpy(np.float64)
            miles = miles[keep]
            if np.isfinite(miles).any():
                template = _("{miles} mi away")
                away = [
                    template.format(miles=format_miles(value)) if math.isfinite(value) else ""
                    for value in miles.tolist()
                ]
        texts = {name: column[positions].tolist() for name, column in self.texts.items()}
        unnamed = nameless()
        texts["name"] = [name or unnamed for name in texts["name"]]
        return {
            "lat": self.lat[positions].tolist(),
            "lon": self.lon[positions].tolist(),
            "colour": "".join(colours),
            **{name: texts[name] for name in ("name", "place", "phone", "tel", "site")},
            "directions": texts["directions"],
            "away": away,
            "id": texts["id"],
        }

    def payload(self, rows: pd.DataFrame, modalities: Sequence[str] = ()) -> MarkerPayload:
        """:func:`marker_data` of ``rows`` and its packed form."""
        data = self.data(rows, modalities)
        return MarkerPayload(data, pack(data))


def marker_table(table: pd.DataFrame, provider: Provider | None = None) -> MarkerTable:
    """The :class:`MarkerTable` of ``table`` (``provider``: for directions, as in
    :func:`marker_data`)."""
    # Column-at-a-time: the whole-country view maps every clinic, so a Python loop per
    # row is kept to one call per distinct phone, website or modality list.
    lats = pd.to_numeric(_column(table, schema.LAT), errors="coerce").to_numpy(np.float64)
    lons = pd.to_numeric(_column(table, schema.LON), errors="coerce").to_numpy(np.float64)
    rank = {code: i for i, code in enumerate(schema.MODALITIES.codes)}
    offered = _texts(table, "modalities")
    ranks_of = {
        value: tuple(
            rank.get(code, len(rank)) for code in value.split(schema.CANONICAL_LIST_SEPARATOR)
        )
        for value in offered.unique()
    }
    city, state = _tidy(_texts(table, "city")), _tidy(_texts(table, "state"))
    separator = pd.Series(np.where((city != "") & (state != ""), ", ", ""), index=city.index)
    names = _tidy(_texts(table, "name"))
    phones = _texts(table, "phone")
    ids = _texts(table, "id")
    texts = {
        "name": names.tolist(),  # "": nameless, named per view (MarkerTable.data_at)
        "place": (city + separator + state).tolist(),
        "phone": phones.tolist(),
        "tel": _each_distinct(phones, tel_uri),
        "site": _each_distinct(_texts(table, "website"), safetext.safe_link),
        "directions": directions_column(table, provider),
        "id": ids.tolist(),
    }
    return MarkerTable(
        position={clinic_id: row for row, clinic_id in enumerate(texts["id"])},
        located=np.isfinite(lats) & np.isfinite(lons),
        lat=np.round(lats, 5),
        lon=np.round(lons, 5),
        ranks=tuple(ranks_of[value] for value in offered.tolist()),
        texts={name: np.array(column, dtype=object) for name, column in texts.items()},
        provider=provider,
    )


def _column(table: pd.DataFrame, column: str) -> pd.Series:
    return table[column] if column in table else pd.Series(np.nan, index=table.index)


def pack(data: object) -> str:
    """``data`` as base64 of gzipped compact JSON: the same bytes for the same data."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return base64.b64encode(gzip.compress(raw.encode("utf-8"), _GZIP_LEVEL, mtime=0)).decode()


def unpack(packed: str) -> Any:
    """The inverse of :func:`pack` (for tests and benchmarks)."""
    return json.loads(gzip.decompress(base64.b64decode(packed, validate=True)))


def clinic_for_click(
    clicked: Mapping[str, Any] | None, clinics: pd.DataFrame, *, tolerance_miles: float = 0.05
) -> str | None:
    """The id of the clinic at a clicked marker, or None.

    ``clicked`` is st_folium's return value or its inner ``{"lat", "lng"}``. Clicking a
    marker reports the marker's own position, so the nearest row within ``tolerance_miles``
    wins. With ``returned_objects=["last_object_clicked", "last_object_clicked_tooltip"]``
    the tooltip (the clinic's name as text) must match too: that tells apart clinics in one
    building and ignores clicks on cluster icons and the patient's marker. Malformed: None.
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
    if isinstance(tooltip, str) and tooltip.strip():  # as shown: unescaped, trimmed
        names = clinics["name"].iloc[near].fillna("").astype(str).str.split().str.join(" ")
        names = names.where(names != "", nameless())  # as marker_data labels a nameless row
        near = near[(names == " ".join(tooltip.split())).to_numpy(dtype=bool)]
        if near.size == 0:
            return None
    return str(clinics["id"].iloc[near[np.argmin(miles[near])]])


def _view(
    data: Mapping[str, Any], origin: Origin | None, radius_miles: float | None
) -> list[list[float]]:
    """Bounds to fit: the lower 48 without an origin (the whole-country view, where
    clinics in AK, HI and the territories would zoom far out), else results + origin +
    the radius circle."""
    if origin is None:
        return CONTINENTAL_US
    fit_lats, fit_lons = [*data["lat"], origin.lat], [*data["lon"], origin.lon]
    if radius_miles is not None and 0 < radius_miles < math.inf:
        # The circle's extent on the sphere; asin(...) is its widest point east-west.
        arc = radius_miles / EARTH_RADIUS_MILES
        dlat = math.degrees(arc)
        spread = math.sin(arc) / max(math.cos(math.radians(origin.lat)), 1e-9)
        dlon = 180.0 if spread >= 1 or arc >= math.pi / 2 else math.degrees(math.asin(spread))
        fit_lats += [max(origin.lat - dlat, -85.0), min(origin.lat + dlat, 85.0)]
        fit_lons += [max(origin.lon - dlon, -180.0), min(origin.lon + dlon, 180.0)]
    return [[min(fit_lats), min(fit_lons)], [max(fit_lats), max(fit_lons)]]


def _texts(table: pd.DataFrame, column: str) -> pd.Series:
    if column not in table:
        return pd.Series([""] * len(table), index=table.index, dtype=str)
    # pandas' own string dtype (Arrow) runs the .str operations below in C++, not per row.
    return table[column].astype(object).where(table[column].notna(), "").astype(str)


def _tidy(texts: pd.Series) -> pd.Series:
    """Whitespace collapsed, as HTML shows it anyway."""
    return texts.str.replace(r"\s+", " ", regex=True).str.strip()


def _each_distinct(texts: pd.Series, make: Callable[[str], str | None]) -> list[str]:
    """``make`` of each text (``""`` for None), called once per distinct text."""
    made = {text: make(text) or "" for text in texts.unique()}
    return [made[text] for text in texts.tolist()]


def _script_json(value: object) -> str:
    """JSON that is safe inside ``<script>`` and inert when branca re-parses it as Jinja.

    ``<``, ``>`` and ``&`` are escaped (no ``</script>``, ``<!--``), and so are U+2028/2029
    (they ended string literals before ES2019) and the ``{`` of ``{{``, ``{%`` and ``{#``.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw in "<>&\u2028\u2029":
        text = text.replace(raw, f"\\u{ord(raw):04x}")
    return _JINJA_OPENER.sub(r"\\u007b", text)


def _assets(names: list[str], base_url: str) -> list[tuple[str, str]]:
    """(folium's name, URL of the vendored copy) for each of ``names``."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return [(name, base + VENDORED_FILES[name]) for name in names]


def _number(value: object) -> float | None:
    """A finite float from a JSON number; strings, booleans and NaN are rejected."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
