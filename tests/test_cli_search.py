"""``python -m directory search`` through a real subprocess: output formats and exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from directory import schema
from directory.csvfile import write_csv_text

REPO = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "directory", "search", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = {name: "" for name in schema.COLUMN_NAMES}
    base.update(
        kind="clinic",
        conditions="ptsd;depression",
        va_coverage="no",
        therapist_requirement="none",
        city="Denver",
        state="CO",
        zip="80202",
        address="1 Main St",
        last_verified="2026-10-01",
    )
    rows = [
        {
            **base,
            "id": "iv-denver",
            "name": '=HYPERLINK("x") IV',
            "modalities": "iv",
            "latitude": "39.7530",
            "longitude": "-104.9990",
            "phone": "303-555-0101",
            "price_per_session_usd": "550",
            "accepting_new_patients": "yes",
        },
        {
            **base,
            "id": "nasal-denver",
            "name": "Nasal Denver",
            "modalities": "nasal",
            "latitude": "39.7400",
            "longitude": "-104.9800",
            "va_coverage": "community_care",
        },
        {
            **base,
            "id": "pueblo",
            "name": "Pueblo IV",
            "modalities": "iv",
            "city": "Pueblo",
            "zip": "81003",
            "latitude": "38.2700",
            "longitude": "-104.6100",
        },
        {
            **base,
            "id": "home",
            "name": "Home Care",
            "kind": "telehealth",
            "modalities": "at_home",
            "address": "",
            "city": "",
            "state": "",
            "zip": "",
            "service_states": "CO;UT",
        },
    ]
    path = tmp_path_factory.mktemp("data") / "clinics.csv"
    path.write_text(write_csv_text(pd.DataFrame(rows, columns=list(schema.COLUMN_NAMES))))
    return path


def test_table_output_is_readable_and_lists_every_section(data):
    done = run("--near", "80202", "--data", str(data))
    assert done.returncode == 0, done.stderr
    assert "2 clinics within 25 miles of Denver, CO 80202" in done.stdout
    assert "Also available at home in CO: 1 provider" in done.stdout
    assert "(303) 555-0101" in done.stdout
    assert "Traceback" not in done.stderr


def test_json_output_has_the_documented_shape(data):
    done = run("--near", "Denver, CO", "--modality", "iv", "--data", str(data), "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert set(document) >= {
        "origin",
        "radius_miles",
        "in_person",
        "at_home",
        "nearest_outside_radius",
    }
    assert set(document["origin"]) >= {"query", "label", "lat", "lon", "state"}
    assert document["origin"]["state"] == "CO"
    first = document["in_person"][0]
    assert list(first)[:3] == ["id", "name", "distance_miles"]
    assert set(schema.COLUMN_NAMES) <= set(first)
    assert [row["id"] for row in document["in_person"]] == ["iv-denver"]
    assert [row["id"] for row in document["at_home"]] == []  # at-home does not offer iv


def test_nothing_inside_the_radius_names_the_nearest_outside(data):
    done = run("--near", "80202", "--radius", "5", "--va", "--modality", "iv", "--data", str(data))
    assert done.returncode == 0
    assert "0 clinics within 5 miles" in done.stdout

    done = run("--near", "80202", "--radius", "10", "--name", "pueblo", "--data", str(data))
    assert "nearest is 104 miles away in Pueblo, CO" in done.stdout


def test_csv_output_neutralises_formulas_and_keeps_sections(data):
    done = run("--near", "80202", "--data", str(data), "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert {row["result"] for row in rows} == {"in_person", "at_home"}
    names = [row["name"] for row in rows]
    assert '\'=HYPERLINK("x") IV' in names
    assert not any(name.startswith("=") for name in names)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--near", "Brooklin, NY"], "Did you mean Brooklyn, NY?"),
        (["--near", "Springfield"], "Add the state"),
        (["--near", "asdf qwer"], "ZIP"),
        (["--near", ""], "ZIP"),
        (["--near", "80202", "--modality", "laughing_gas"], "use iv, im, nasal, oral or at_home"),
        (["--near", "80202", "--radius", "-3"], "must be"),
        (["--near", "80202", "--radius", "lots"], "not a number"),
        (["--near", "80202", "--max-price", "nan"], "must be a number"),
        (["--near", "80202", "--limit", "-1"], "0 or more"),
        (["--near", "80202", "--data", "/nonexistent/clinics.csv"], "no such file"),
        (["--near", "80202", "--data", "/"], "folder"),
        (["--radius", "10"], "--near"),
    ],
)
def test_bad_places_and_arguments_exit_2_with_one_line(args, message):
    done = run(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_limit_caps_each_section_and_zero_means_all(data):
    limited = json.loads(
        run(
            "--near",
            "80202",
            "--radius",
            "200",
            "--limit",
            "1",
            "--data",
            str(data),
            "--format",
            "json",
        ).stdout
    )
    unlimited = json.loads(
        run(
            "--near",
            "80202",
            "--radius",
            "200",
            "--limit",
            "0",
            "--data",
            str(data),
            "--format",
            "json",
        ).stdout
    )
    assert len(limited["in_person"]) == 1
    assert len(unlimited["in_person"]) == 3
    assert limited["totals"]["in_person"] == 3


def test_the_shipped_data_is_searched_by_default():
    done = run("--near", "10001", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["in_person"], "the sample has clinics in New York City"


def test_unusable_data_is_an_error_not_zero_clinics(tmp_path):
    binary = tmp_path / "clinics.csv"
    binary.write_bytes(b"\x00\x01\x02 not a csv")
    done = run("--near", "80202", "--data", str(binary))
    assert done.returncode == 2
    assert "no usable clinic listings" in done.stderr
    assert "0 clinics" not in done.stdout
