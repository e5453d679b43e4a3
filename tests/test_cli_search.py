"""``python -m directory search``: output formats and exit codes.

The command line runs in-process (:class:`cli_support.Cli`); one test runs the real
``python -m directory`` to prove the entry point, on a terminal that cannot show accents.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from cli_support import Cli, run_module
from conftest import csv_text, row, write_csv

from directory import schema
from directory.csvfile import write_csv_text


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(capsys, monkeypatch)


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


def test_table_output_is_readable_and_lists_every_section(cli, data):
    done = cli("search", "--near", "80202", "--data", data)
    assert done.code == 0, done.err
    assert "2 clinics within 25 miles of Denver, CO 80202" in done.out
    assert "Also available at home in CO: 1 provider" in done.out
    assert "(303) 555-0101" in done.out


def test_json_output_has_the_documented_shape(cli, data):
    done = cli(
        "search", "--near", "Denver, CO", "--modality", "iv", "--data", data, "--format", "json"
    )
    assert done.code == 0, done.err
    document = json.loads(done.out)
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


def test_nothing_inside_the_radius_names_the_nearest_outside(cli, data):
    done = cli(
        "search", "--near", "80202", "--radius", "5", "--va", "--modality", "iv", "--data", data
    )
    assert done.code == 0, done.err
    assert "0 clinics within 5 miles" in done.out

    done = cli("search", "--near", "80202", "--radius", "10", "--name", "pueblo", "--data", data)
    assert done.code == 0, done.err
    assert (
        'No clinic within 10 miles of Denver, CO 80202 matches your filter: Name has "pueblo".'
        in done.out
    )
    assert "The nearest that matches is 104 miles away, in Pueblo, CO." in done.out


def test_a_whole_state_is_searched_and_nothing_out_of_reach_is_offered(cli, data):
    done = cli("search", "--near", "Colorado", "--data", data)
    assert done.code == 0, done.err
    assert done.out.splitlines()[0].endswith("clinics in Colorado")
    done = cli("search", "--near", "80202", "--name", "no-such-clinic-anywhere", "--data", data)
    assert done.code == 0, done.err
    assert "There is no clinic in our list within reach either" in done.out


def test_csv_output_neutralises_formulas_and_keeps_sections(cli, data):
    done = cli("search", "--near", "80202", "--data", data, "--format", "csv")
    assert done.code == 0, done.err
    rows = list(csv.DictReader(io.StringIO(done.out)))
    assert {row["result"] for row in rows} == {"in_person", "at_home"}
    names = [row["name"] for row in rows]
    assert '\'=HYPERLINK("x") IV' in names
    assert not any(name.startswith("=") for name in names)


@pytest.mark.parametrize("output", ["json", "csv", "table"])
def test_admins_own_columns_are_never_in_search_output(cli, tmp_path, output):
    """issue 12 finding 5: admins' own columns appeared in ``search --format json/csv``."""
    header = [*schema.COLUMN_NAMES, "internal_ref", "crm notes"]
    own = {"internal_ref": "SECRET-REF-1", "crm notes": "owes us money"}
    path = write_csv(tmp_path, csv_text(row() | own, header=header))
    done = cli("search", "--near", "80202", "--data", path, "--format", output)
    assert done.code == 0, done.err
    assert "Mile High Ketamine Clinic" in done.out
    for hidden in (*own, *own.values()):
        assert hidden not in done.out
    assert "SECRET-REF-1" in path.read_text(encoding="utf-8")  # still kept in the data file


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--near", "Brooklin, NY"], "Did you mean Brooklyn, NY?"),
        (["--near", "Adel"], "Add the state"),
        (["--near", "asdf qwer"], "ZIP"),
        (["--near", ""], "ZIP"),
        (["--near", "80202", "--modality", "laughing_gas"], "use iv, im, nasal, oral or at_home"),
        (["--near", "80202", "--radius", "-3"], "must be"),
        (["--near", "80202", "--radius", "lots"], "must be a number of miles"),
        (["--near", "80202", "--radius", "501"], "at most 500"),
        (["--near", "80202", "--max-price", "-1"], "maximum price must be a number of US dollars"),
        (["--near", "80202", "--modality", "laughing gas"], "is not a modality; use iv"),
        (["--near", "80202", "--max-price", "nan"], "must be a number"),
        (["--near", "80202", "--limit", "-1"], "0 or more"),
        (["--near", "80202", "--data", "/nonexistent/clinics.csv"], "no such file"),
        (["--near", "80202", "--data", "/"], "folder"),
        (["--radius", "10"], "--near"),
    ],
)
def test_bad_places_and_arguments_exit_2_with_one_line(cli, args, message):
    done = cli("search", *args)
    assert done.code == 2
    assert message in done.err
    assert len(done.err.strip().splitlines()) == 1
    assert done.out == ""


def test_limit_caps_each_section_and_zero_means_all(cli, data):
    common = ("search", "--near", "80202", "--radius", "200", "--data", data, "--format", "json")
    limited, unlimited = cli(*common, "--limit", "1"), cli(*common, "--limit", "0")
    assert (limited.code, unlimited.code) == (0, 0), limited.err + unlimited.err
    limited_document, unlimited_document = json.loads(limited.out), json.loads(unlimited.out)
    assert len(limited_document["in_person"]) == 1
    assert len(unlimited_document["in_person"]) == 3
    assert limited_document["totals"]["in_person"] == 3


def test_the_shipped_data_is_searched_by_default(cli):
    done = cli("search", "--near", "10001", "--format", "json")
    assert done.code == 0, done.err
    assert json.loads(done.out)["in_person"], "the sample has clinics in New York City"


def test_unusable_data_is_an_error_not_zero_clinics(cli, tmp_path):
    binary = tmp_path / "clinics.csv"
    binary.write_bytes(b"\x00\x01\x02 not a csv")
    done = cli("search", "--near", "80202", "--data", binary)
    assert done.code == 2
    assert "no usable clinic listings" in done.err
    assert "0 clinics" not in done.out


@pytest.mark.slow  # a fresh interpreter loads the gazetteer to check the row: >2 s
def test_the_real_entry_point_exits_0_and_escapes_what_the_terminal_cannot_show(tmp_path):
    data = write_csv(tmp_path, csv_text(row(name="Clínica Señora Denver")))
    done = run_module(
        "search",
        "--near",
        "80202",
        "--data",
        data,
        env={"PYTHONUTF8": "0", "PYTHONIOENCODING": "ascii"},
    )
    assert done.code == 0, done.err
    assert "1 clinic within 25 miles of Denver, CO 80202" in done.out
    assert "Cl\\xednica Se\\xf1ora Denver" in done.out
    assert done.err == ""
