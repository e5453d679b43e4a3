"""Directions links: a clinic's address opened in the patient's own maps app.

The server cannot know the patient's device, so the links are plain https (they work on
every phone and computer; a ``geo:`` URI does nothing on most desktop browsers). Which
maps site they open is one setting, :data:`DIRECTIONS_ENV` (read by
:func:`provider_from_env`): ``osm`` (the default), ``google`` or ``apple``.

A link is built only here, from validated values, with everything after the fixed
prefix percent-encoded, so no data value can add a parameter or end an attribute.
Nothing is fetched to make one: the maps site hears of a clinic only when the patient
taps its link. At-home (telehealth) providers have no address to go to, so no link.
"""

from __future__ import annotations

import functools
import logging
import math
import os
from collections.abc import Mapping
from typing import Literal, get_args
from urllib.parse import quote

import numpy as np
import pandas as pd

from directory import schema
from directory.facts import Row, address_text, address_texts
from directory.i18n import gettext as _

logger = logging.getLogger(__name__)

Provider = Literal["osm", "google", "apple"]
PROVIDERS: tuple[Provider, ...] = get_args(Provider)
DEFAULT_PROVIDER: Provider = "osm"
DIRECTIONS_ENV = "CLINIC_FINDER_DIRECTIONS"

# openstreetmap.org/directions reads ``route=<from>;<to>`` as two "lat,lon" points (an
# empty "from" leaves the start for the patient) and ``to=<text>`` as a place to look up.
_OSM_POINT = "https://www.openstreetmap.org/directions?route=%3B"
_OSM_TEXT = "https://www.openstreetmap.org/directions?to="
_PREFIX: dict[Provider, str] = {
    "google": "https://www.google.com/maps/dir/?api=1&destination=",
    "apple": "https://maps.apple.com/?daddr=",
}


def provider_from_env(environ: Mapping[str, str] = os.environ) -> Provider:
    """The maps site for directions, from ``CLINIC_FINDER_DIRECTIONS`` (default ``osm``).

    Case and surrounding spaces are ignored; any other value falls back to ``osm`` with
    a warning (logged once per value, as pages ask on every rerun), never an error: a
    typo in a setting should not take the clinic list down.
    """
    return _provider_named(environ.get(DIRECTIONS_ENV, "").strip().lower())


@functools.cache
def _provider_named(value: str) -> Provider:
    for provider in PROVIDERS:
        if value == provider:
            return provider
    if value:
        logger.warning(
            "%s=%r is not one of %s; using %r",
            DIRECTIONS_ENV,
            value,
            ", ".join(PROVIDERS),
            DEFAULT_PROVIDER,
        )
    return DEFAULT_PROVIDER


def directions_url(row: Row, provider: Provider | None = None) -> str | None:
    """The directions link for one clinic row, or None (at-home providers, no address).

    OSM gets the clinic's coordinates when they are exact (routing needs no lookup),
    else the address text; Google and Apple get the address text (they show it as the
    destination's name), or the exact coordinates when there is no address.
    """
    if row.get("kind") != "clinic":
        return None
    point = None
    lat, lon = _finite(row.get(schema.LAT)), _finite(row.get(schema.LON))
    if lat is not None and lon is not None and not _truthy(row.get(schema.COORDINATES_APPROXIMATE)):
        point = _point(lat, lon)  # a ZIP code's centre would route to the wrong door
    return _url(provider or provider_from_env(), address_text(row), point)


def directions_column(table: pd.DataFrame, provider: Provider | None = None) -> list[str]:
    """:func:`directions_url` of every row (``""`` for None), for the map's 10k clinics.

    Columns at a time where pandas is faster (flags, addresses: only for the rows whose
    link uses one), a plain loop where it is not (formatting floats), and one
    :func:`~urllib.parse.quote` per distinct address.
    """
    chosen = provider or provider_from_env()
    lats, lons = (
        pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=np.float64)
        if column in table
        else np.full(len(table), np.nan)
        for column in (schema.LAT, schema.LON)
    )
    in_person = (table["kind"] == "clinic").to_numpy(dtype=bool) if "kind" in table else None
    if in_person is None or not in_person.any():
        return [""] * len(table)
    exact = in_person & np.isfinite(lats) & np.isfinite(lons)
    if schema.COORDINATES_APPROXIMATE in table:
        exact &= ~table[schema.COORDINATES_APPROXIMATE].fillna(False).astype(bool).to_numpy()
    lat_list, lon_list = lats.tolist(), lons.tolist()
    points = {i: _point(lat_list[i], lon_list[i]) for i in np.flatnonzero(exact).tolist()}
    # OSM routes exact points without an address; the others name the address.
    needs_address = in_person & ~exact if chosen == "osm" else in_person
    rows = np.flatnonzero(needs_address)
    addresses = dict(zip(rows.tolist(), address_texts(table.iloc[rows]).tolist(), strict=True))
    quoted: dict[str, str] = {}
    urls: list[str] = []
    for i, clinic in enumerate(in_person.tolist()):
        address = addresses.get(i, "")
        if address and address not in quoted:
            quoted[address] = quote(address, safe="")
        url = _url(chosen, address, points.get(i), quoted.get(address)) if clinic else None
        urls.append(url or "")
    return urls


def link_text(name: object) -> str:
    """``Directions to <name>``: a screen reader's list of links says which clinic."""
    flat = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
    shown = " ".join(flat.split())
    if not shown:
        return _("Directions to the clinic")
    return _("Directions to {name}").format(name=shown)


def _url(
    provider: Provider, address: str, point: str | None, quoted: str | None = None
) -> str | None:
    """The link from an address text and an exact :func:`_point` (either may be missing);
    ``quoted``: the address already percent-encoded, if it is at hand."""
    if provider == "osm" and point is not None:
        return _OSM_POINT + point
    if address:
        return (_OSM_TEXT if provider == "osm" else _PREFIX[provider]) + (
            quoted if quoted is not None else quote(address, safe="")
        )
    return None if provider == "osm" or point is None else _PREFIX[provider] + point


def _point(lat: float, lon: float) -> str:
    """``39.7501%2C-104.9996``: "lat,lon" percent-encoded, to 5 decimals (about a metre,
    as the map rounds them). Only the comma needs encoding: the rest are digits, "-", "."."""

    def number(value: float) -> str:
        return f"{value:.5f}".rstrip("0").rstrip(".")

    return f"{number(lat)}%2C{number(lon)}"


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _truthy(value: object) -> bool:
    """A flag cell: True, 1 or a numpy bool; None, NaN and missing are False."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)
