"""Where a clinic is: ZIP centres, approximate pins, and the fill-then-reload round trip."""

from __future__ import annotations

from datetime import date

from conftest import csv_text, row

from directory import schema
from directory.csvfile import write_csv_text
from directory.dataset import parse_clinics
from directory.edits import fill_coordinates
from directory.gazetteer import get_gazetteer

TODAY = date(2026, 11, 20)


def test_coordinates_at_the_zip_centre_are_still_approximate():
    centre = get_gazetteer().zips.loc["80202"]
    at_centre = row(latitude=str(centre["lat"]), longitude=str(centre["lon"]))
    a_block_away = row(
        id="other", name="Other", latitude=str(centre["lat"] + 0.002), longitude=str(centre["lon"])
    )
    table = parse_clinics(csv_text(at_centre, a_block_away), today=TODAY).table
    assert table[schema.COORDINATES_APPROXIMATE].tolist() == [True, False]


def test_filled_coordinates_stay_approximate_after_a_save_and_reload():
    loaded = parse_clinics(csv_text(row(latitude="", longitude="")), today=TODAY)
    assert loaded.table[schema.COORDINATES_APPROXIMATE].tolist() == [True]
    filled, fills = fill_coordinates(loaded.table)
    assert [f.precision for f in fills] == ["zip"]
    reloaded = parse_clinics(write_csv_text(filled), today=TODAY)
    assert reloaded.table["latitude"].notna().all()
    assert reloaded.table[schema.COORDINATES_APPROXIMATE].tolist() == [True]
