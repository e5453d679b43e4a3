"""Directions links: the URL each maps site gets, the setting, and hostile addresses."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory import directions, i18n, schema
from directory.csvfile import write_csv_text
from directory.dataset import parse_clinics
from directory.directions import (
    DIRECTIONS_ENV,
    directions_column,
    directions_url,
    link_text,
    provider_from_env,
)
from directory.safetext import safe_link
from directory.synth import generate_clinics

OSM = "https://www.openstreetmap.org/directions?"
GOOGLE = "https://www.google.com/maps/dir/?api=1&destination="
APPLE = "https://maps.apple.com/?daddr="
NO_ADDRESS = {"address": "", "city": "", "state": "", "zip": ""}
HOSTILE = '1 Main St & <script>alert("x")</script> #5?a=b;c\n"quoted" 100%'


def clinic(**fields: object) -> pd.Series:
    row: dict[str, object] = {
        "id": "c1",
        "name": "Mile High Ketamine",
        "kind": "clinic",
        "address": "1550 Larimer St",
        "city": "Denver",
        "state": "CO",
        "zip": "80202",
        schema.LAT: 39.7501,
        schema.LON: -104.9996,
        schema.COORDINATES_APPROXIMATE: False,
    }
    row.update(fields)
    return pd.Series(row)


@pytest.fixture(autouse=True)
def _fresh_setting() -> Iterator[None]:
    """Each test sees the setting's warning afresh (it is logged once per value)."""
    directions._provider_named.cache_clear()
    yield
    directions._provider_named.cache_clear()


@pytest.mark.parametrize(
    ("provider", "fields", "url"),
    [
        ("osm", {}, OSM + "route=%3B39.7501%2C-104.9996"),
        ("osm", {schema.LAT: 40, schema.LON: -105.0}, OSM + "route=%3B40%2C-105"),
        ("osm", {schema.LAT: 0.000004, schema.LON: -0.1}, OSM + "route=%3B0%2C-0.1"),
        (
            "osm",
            {schema.COORDINATES_APPROXIMATE: True},
            OSM + "to=1550%20Larimer%20St%2C%20Denver%2C%20CO%2080202",
        ),
        (
            "osm",
            {schema.LAT: np.nan, schema.LON: np.nan},
            OSM + "to=1550%20Larimer%20St%2C%20Denver%2C%20CO%2080202",
        ),
        ("google", {}, GOOGLE + "1550%20Larimer%20St%2C%20Denver%2C%20CO%2080202"),
        ("apple", {}, APPLE + "1550%20Larimer%20St%2C%20Denver%2C%20CO%2080202"),
        # No address text at all: the exact point, or nothing.
        ("google", NO_ADDRESS, GOOGLE + "39.7501%2C-104.9996"),
        ("apple", NO_ADDRESS, APPLE + "39.7501%2C-104.9996"),
        ("osm", NO_ADDRESS, OSM + "route=%3B39.7501%2C-104.9996"),
        ("osm", {**NO_ADDRESS, schema.LAT: None}, None),
        ("google", {**NO_ADDRESS, schema.COORDINATES_APPROXIMATE: True}, None),
        # At-home (telehealth) providers have no door to go to.
        ("osm", {"kind": "telehealth"}, None),
        ("google", {"kind": "telehealth"}, None),
        ("apple", {"kind": "telehealth"}, None),
        ("osm", {"kind": ""}, None),
    ],
)
def test_each_provider_gets_its_url(provider, fields, url):
    assert directions_url(clinic(**fields), provider) == url


@pytest.mark.parametrize("provider", directions.PROVIDERS)
def test_a_hostile_address_is_percent_encoded_and_comes_back_intact(provider):
    row = clinic(address=HOSTILE, **{schema.COORDINATES_APPROXIMATE: True})
    url = directions_url(row, provider)
    assert url is not None
    prefix = {"osm": OSM + "to=", "google": GOOGLE, "apple": APPLE}[provider]
    assert url.startswith(prefix)
    encoded = url.removeprefix(prefix)
    assert all(c.isalnum() or c in "%-._~" for c in encoded), encoded  # nothing unescaped
    # One parameter, holding the whole address (whitespace collapsed, as the card shows).
    query = parse_qs(urlsplit(url).query)
    key = {"osm": "to", "google": "destination", "apple": "daddr"}[provider]
    assert query[key] == [" ".join(HOSTILE.split()) + ", Denver, CO 80202"]
    assert unquote(encoded) == query[key][0]
    assert safe_link(url) == url  # fit for a Markdown link as it is


@pytest.mark.parametrize(
    ("setting", "provider"),
    [
        (None, "osm"),
        ("", "osm"),
        ("osm", "osm"),
        ("google", "google"),
        (" Apple ", "apple"),
        ("GOOGLE", "google"),
    ],
)
def test_the_setting_picks_the_provider(setting, provider, caplog):
    environ = {} if setting is None else {DIRECTIONS_ENV: setting}
    with caplog.at_level(logging.WARNING):
        assert provider_from_env(environ) == provider
    assert caplog.records == []


@pytest.mark.parametrize("setting", ["waze", "geo", "bing maps", "osm;rm -rf /", "\x00"])
def test_a_bad_setting_falls_back_to_osm_with_one_warning_and_no_traceback(setting, caplog):
    with caplog.at_level(logging.WARNING, logger="directory.directions"):
        assert provider_from_env({DIRECTIONS_ENV: setting}) == "osm"
        assert provider_from_env({DIRECTIONS_ENV: setting}) == "osm"  # warned once
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert DIRECTIONS_ENV in record.getMessage()
    assert record.exc_info is None


def test_the_default_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv(DIRECTIONS_ENV, "apple")
    assert directions_url(clinic()).startswith(APPLE)  # type: ignore[union-attr]
    monkeypatch.delenv(DIRECTIONS_ENV)
    assert directions_url(clinic()).startswith(OSM)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Mile High Ketamine", "Directions to Mile High Ketamine"),
        ("  Two\n  lines ", "Directions to Two lines"),
        ("", "Directions to the clinic"),
        (None, "Directions to the clinic"),
        (float("nan"), "Directions to the clinic"),
    ],
)
def test_link_text_names_the_clinic(name, text):
    assert link_text(name) == text


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Mile High Ketamine", "Cómo llegar a Mile High Ketamine"),
        ("  {name} ", "Cómo llegar a {name}"),  # a name is data, never a placeholder
        (None, "Cómo llegar a la clínica"),
    ],
)
def test_link_text_in_spanish(name, text):
    with i18n.using("es"):
        assert link_text(name) == text


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return parse_clinics(write_csv_text(generate_clinics(400, seed=3))).table


@pytest.mark.parametrize("provider", directions.PROVIDERS)
def test_the_column_is_the_url_of_each_row(synthetic, provider):
    """The map's column (made a column at a time) and the cards' links agree."""
    column = directions_column(synthetic, provider)
    rows = [directions_url(row, provider) or "" for _, row in synthetic.iterrows()]
    assert column == rows
    assert "" in column  # at-home providers
    assert sum(map(bool, column)) > 300
    assert directions_column(synthetic.iloc[:0], provider) == []


def test_the_column_without_kind_or_coordinates_is_empty_or_by_address():
    frame = pd.DataFrame([{"address": "1 Main St", "city": "Denver"}])
    assert directions_column(frame, "osm") == [""]
    assert directions_column(frame.assign(kind="clinic"), "osm") == [
        OSM + "to=1%20Main%20St%2C%20Denver"
    ]


_CELL = st.one_of(st.none(), st.just(float("nan")), st.text(max_size=20))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["clinic", "telehealth", ""]),
                "address": _CELL,
                "city": _CELL,
                "state": _CELL,
                "zip": _CELL,
                schema.LAT: st.one_of(st.none(), st.floats(-90, 90)),
                schema.LON: st.one_of(st.none(), st.floats(-180, 180)),
                schema.COORDINATES_APPROXIMATE: st.booleans(),
            }
        ),
        min_size=1,
        max_size=5,
    ),
    provider=st.sampled_from(directions.PROVIDERS),
)
def test_column_and_rows_agree_on_any_cells(rows, provider):
    frame = pd.DataFrame(rows)
    column = directions_column(frame, provider)
    assert column == [directions_url(row, provider) or "" for _, row in frame.iterrows()]
    assert all(url.startswith("https://") for url in column if url)
