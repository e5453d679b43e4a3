"""Tests for directory/zipdata.py: the ZIP, city and alias tables built from ``zipcodes``.

Against the real bundled ZIP data (no mocks), except where a few hand-made
records show one rule at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
import us
import zipcodes

from directory.gazetteer import STATE_CODES, Gazetteer, build_gazetteer, get_gazetteer
from directory.zipdata import PlaceTables, build_place_tables, run_starts

# zipcodes' Python wrapper has no annotations; its records are documented dicts.
list_zip_records = cast(Callable[[], list[dict[str, Any]]], zipcodes.list_all)
FIFTY_STATES_DC_PR = {state.abbr for state in us.STATES} | {"DC", "PR"}


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return get_gazetteer()


# ------------------------------------------------------------------------------ ZIPs


def test_zips_at_zero_zero_are_dropped(gaz: Gazetteer) -> None:
    no_point = {
        record["zip_code"]
        for record in list_zip_records()
        if float(record["lat"] or 0) == 0.0 or float(record["long"] or 0) == 0.0
    }
    assert no_point, "the source is expected to have ZIPs without coordinates"
    assert not no_point & set(gaz.zips.index)
    assert not ((gaz.zips["lat"] == 0) | (gaz.zips["lon"] == 0)).any()
    assert gaz.zips[["lat", "lon"]].notna().all().all()


def test_military_and_freely_associated_states_are_dropped(gaz: Gazetteer) -> None:
    assert set(gaz.zips["state"]) <= STATE_CODES
    assert not {"AA", "AE", "AP", "FM", "MH", "PW"} & set(gaz.zips["state"])


def test_every_state_dc_and_puerto_rico_are_present(gaz: Gazetteer) -> None:
    assert len(FIFTY_STATES_DC_PR) == 52
    assert set(gaz.zips["state"]) >= FIFTY_STATES_DC_PR
    assert set(gaz.cities["state"]) >= FIFTY_STATES_DC_PR
    assert FIFTY_STATES_DC_PR | {"VI", "GU", "AS", "MP"} == STATE_CODES


def test_zips_frame_shape(gaz: Gazetteer) -> None:
    zips = gaz.zips
    assert zips.index.name == "zip"
    assert zips.index.is_unique
    assert zips.index.is_monotonic_increasing
    assert zips.index.str.fullmatch(r"\d{5}").all()
    assert list(zips.columns) == ["lat", "lon", "state", "city"]
    assert zips["lat"].dtype == "float64"
    assert zips["lon"].dtype == "float64"
    assert len(zips) > 40_000


def test_zips_reindex_gives_centroids_vectorised(gaz: Gazetteer) -> None:
    wanted = pd.Series(["02108", "99999", "80202"])
    points = gaz.zips.reindex(wanted)
    assert points.loc["02108", "state"] == "MA"
    assert points.loc["80202", "state"] == "CO"
    assert points.loc[["99999"], ["lat", "lon", "state", "city"]].isna().all().all()


# ---------------------------------------------------------------------------- cities


def test_cities_frame_has_one_row_per_city_and_state(gaz: Gazetteer) -> None:
    cities = gaz.cities
    for column in ["city", "state", "lat", "lon", "zip", "key"]:
        assert column in cities.columns
    assert not cities.duplicated(["state", "key"]).any()
    assert not cities.duplicated(["state", "city"]).any()
    assert cities["zip"].isin(gaz.zips.index).all()


def test_city_point_is_mean_of_standard_zips(gaz: Gazetteer) -> None:
    (denver,) = gaz.find_city("Denver", "CO")
    assert denver.lat == pytest.approx(39.74, abs=0.05)
    assert denver.lon == pytest.approx(-104.98, abs=0.05)
    point = gaz.zip_point(denver.zip)
    assert point is not None
    assert point[2:] == ("CO", "Denver")


def test_city_point_prefers_standard_zips_and_falls_back_to_others() -> None:
    def record(zip5: str, kind: str, city: str, lat: float, lon: float) -> dict[str, object]:
        return {
            "zip_code": zip5,
            "zip_code_type": kind,
            "city": city,
            "state": "CO",
            "lat": str(lat),
            "long": str(lon),
            "acceptable_cities": [],
        }

    records = [
        record("80001", "STANDARD", "Alpha", 39.0, -105.0),
        record("80002", "STANDARD", "Alpha", 39.2, -105.0),
        record("80003", "PO BOX", "Alpha", 45.0, -105.0),  # ignored: Alpha has STANDARD ZIPs
        record("80004", "PO BOX", "Beta", 40.0, -104.0),  # Beta has only a PO box
        record("80005", "STANDARD", "Gamma", 0.0, 0.0),  # no coordinates: dropped
    ]
    gaz = build_gazetteer(records)
    (alpha,) = gaz.find_city("alpha", "CO")
    assert (alpha.lat, alpha.lon) == pytest.approx((39.1, -105.0))
    assert alpha.zip in {"80001", "80002"}
    assert alpha.zip_count == 3
    (beta,) = gaz.find_city("Beta", "Colorado")
    assert (beta.lat, beta.zip) == (40.0, "80004")
    assert gaz.find_city("Gamma", "CO") == []
    assert "80005" not in gaz.zips.index


def test_build_place_tables_gives_the_gazetteer_frames() -> None:
    records = [
        {
            "zip_code": "80202",
            "zip_code_type": "STANDARD",
            "city": "Denver",
            "state": "CO",
            "lat": "39.75",
            "long": "-104.99",
            "acceptable_cities": ["Mile High"],
        },
        {
            "zip_code": "09001",
            "zip_code_type": "MILITARY",
            "city": "APO",
            "state": "AE",
            "lat": "50.0",
            "long": "8.0",
            "acceptable_cities": [],
        },
    ]
    tables = build_place_tables(records)
    assert isinstance(tables, PlaceTables)
    assert tables.zips.index.tolist() == ["80202"]
    assert tables.cities[["city", "state", "zip", "key", "zip_count"]].values.tolist() == [
        ["Denver", "CO", "80202", "denver", 1]
    ]
    assert tables.aliases[["city", "state", "key"]].values.tolist() == [
        ["Mile High", "CO", "mile high"]
    ]
    gaz = build_gazetteer(records)
    pd.testing.assert_frame_equal(gaz.zips, tables.zips)
    pd.testing.assert_frame_equal(gaz.cities, tables.cities)
    pd.testing.assert_frame_equal(gaz.aliases, tables.aliases)


@pytest.mark.parametrize(
    ("codes", "starts"),
    [([], []), ([0], [0]), ([0, 0, 1, 1, 1, 4], [0, 2, 5]), ([2, 3, 3], [0, 1])],
)
def test_run_starts(codes: list[int], starts: list[int]) -> None:
    assert run_starts(np.array(codes, dtype=np.intp)).tolist() == starts
