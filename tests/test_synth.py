"""The shipped fictional sample (data/clinics.csv) and the synthetic data generator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO_ROOT, TODAY

from directory import schema
from directory.csvfile import write_csv_text
from directory.dataset import LoadedClinics, load_clinics, parse_clinics
from directory.gazetteer import STATE_CODES
from directory.synth import generate_clinics

SAMPLE = REPO_ROOT / "data" / "clinics.csv"
FIFTY_STATES_AND_DC = STATE_CODES - {"PR", "VI", "GU", "AS", "MP"}
NEW_YORK_CITY = {"New York", "Brooklyn", "Bronx", "Queens", "Staten Island"}


@pytest.fixture(scope="module")
def sample() -> LoadedClinics:
    return load_clinics(SAMPLE, today=TODAY)


def codes_used(table: pd.DataFrame, column: str) -> set[str]:
    return {code for cell in table[column] for code in cell.split(";") if code}


def test_sample_is_valid(sample: LoadedClinics) -> None:
    assert sample.report.errors == [], sample.report.to_text()
    assert sample.report.valid
    assert schema.data_columns(sample.table.columns) == list(schema.COLUMN_NAMES)


def test_sample_covers_the_country(sample: LoadedClinics) -> None:
    clinics = sample.table[sample.table["kind"] == "clinic"]
    assert len(clinics) >= 300
    assert len(FIFTY_STATES_AND_DC) == 51
    assert FIFTY_STATES_AND_DC - set(clinics["state"]) == set()
    assert clinics["city"].isin(NEW_YORK_CITY).sum() >= 5
    assert (clinics["city"] == "Denver").sum() >= 5
    for state in ("AK", "HI", "PR"):
        assert (clinics["state"] == state).sum() >= 2, state


def test_sample_has_telehealth_providers(sample: LoadedClinics) -> None:
    telehealth = sample.table[sample.table["kind"] == "telehealth"]
    assert len(telehealth) >= 8
    assert set(telehealth["modalities"]) == {"at_home"}
    assert (telehealth["service_states"] != "").all()


@pytest.mark.parametrize(
    "column",
    [
        "modalities",
        "conditions",
        "payment",
        "va_coverage",
        "therapist_requirement",
        "accepting_new_patients",
        "trauma_therapies",
    ],
)
def test_sample_uses_every_value_of_each_vocabulary(sample: LoadedClinics, column: str) -> None:
    vocabulary = schema.COLUMNS_BY_NAME[column].vocabulary
    assert vocabulary is not None
    assert codes_used(sample.table, column) == set(vocabulary.codes)


def test_sample_prices_are_realistic(sample: LoadedClinics) -> None:
    table = sample.table
    prices = table["price_per_session_usd"]
    iv = (table["kind"] == "clinic") & table["modalities"].str.contains(r"\biv\b") & prices.notna()
    assert iv.sum() >= 100
    assert prices[iv].between(400, 800).all(), table.loc[iv & ~prices.between(400, 800), "name"]
    telehealth = (table["kind"] == "telehealth") & prices.notna()
    assert prices[telehealth].between(100, 350).all()


def test_sample_contacts_are_fictional(sample: LoadedClinics) -> None:
    table = sample.table
    assert table["phone"].str.fullmatch(r"\(\d{3}\) 555-01\d\d").all()
    for column in ("website", "source_url"):
        assert (
            table[column].str.fullmatch(r"https://[a-z0-9-]+\.example\.(?:com|org)(?:/\S*)?").all()
        )
    emails = table.loc[table["email"] != "", "email"]
    assert emails.str.fullmatch(r"[a-z]+@[a-z0-9-]+\.example\.(?:com|org)").all()
    assert (table["notes"].str.contains("Fictional sample listing")).all()


def test_sample_has_exact_and_approximate_points(sample: LoadedClinics) -> None:
    clinics = sample.table[sample.table["kind"] == "clinic"]
    approximate = clinics[schema.COORDINATES_APPROXIMATE]
    assert 0 < approximate.sum() < len(clinics) / 2
    assert clinics[schema.LAT].notna().all()


@pytest.mark.slow  # regenerates and validates the whole sample: about 4 s
def test_make_sample_regenerates_the_committed_file_exactly(tmp_path: Path) -> None:
    out = tmp_path / "clinics.csv"
    completed = subprocess.run(
        [sys.executable, "scripts/make_sample.py", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert out.read_bytes() == SAMPLE.read_bytes(), (
        "data/clinics.csv is out of date: run python scripts/make_sample.py"
    )


def test_generate_clinics_is_deterministic_and_valid() -> None:
    first = generate_clinics(400, seed=5, today=TODAY)
    pd.testing.assert_frame_equal(first, generate_clinics(400, seed=5, today=TODAY))
    assert not first.equals(generate_clinics(400, seed=6, today=TODAY))
    assert list(first.columns) == list(schema.COLUMN_NAMES)
    loaded = parse_clinics(write_csv_text(first), today=TODAY)
    assert loaded.report.errors == [], loaded.report.to_text()
    assert loaded.report.rows == 400
    assert loaded.table["id"].is_unique


def test_generate_clinics_mixes_in_a_few_telehealth_providers() -> None:
    table = generate_clinics(3000, seed=1, today=TODAY)
    share = (table["kind"] == "telehealth").mean()
    assert 0.01 < share < 0.06


def test_generate_clinics_edge_sizes() -> None:
    empty = generate_clinics(0, seed=1)
    assert empty.empty
    assert list(empty.columns) == list(schema.COLUMN_NAMES)
    with pytest.raises(ValueError, match="rows must be 0 or more"):
        generate_clinics(-1)
