"""The filter table: one entry reaches the URL, the command line, the engine and the page."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import REPO_ROOT, csv_text, row
from hypothesis import given, settings
from hypothesis import strategies as st

from directory import filters, i18n, schema
from directory.cli import main
from directory.dataset import parse_clinics
from directory.errors import QueryError
from directory.filters import (
    FILTERS,
    Chip,
    Filter,
    FilterKind,
    all_filters,
    check_radius,
    filter_named,
    nearest_radius_choice,
)
from directory.geocoding import Origin
from directory.i18n import gettext as _
from directory.params import SearchForm, form_from_params
from directory.search import SearchQuery, index_clinics, search, suggest_relaxations

DENVER = Origin("80202", "Denver, CO 80202", 39.753, -104.999, "CO", "zip")

ASL = Filter(
    name="asl",
    kind=FilterKind.FLAG,
    label="Staff use ASL",
    help="Show only clinics that list American Sign Language among their languages.",
    chip="Uses ASL",
    relax="Include clinics without ASL",
    cli_flags=("--asl",),
    prepare=lambda table: table["languages"].str.contains("ASL", case=False).to_numpy(bool),
    match=lambda prepared, _value, wanted: wanted & prepared,
)


@pytest.fixture
def with_asl(monkeypatch: pytest.MonkeyPatch) -> None:
    """The filter table with one more entry, as a developer adding a filter would write it."""
    monkeypatch.setattr(filters, "FILTERS", (*FILTERS, ASL))


def two_clinics_csv() -> str:
    return csv_text(
        row(id="asl", name="Clínica Sol", languages="English; ASL"),
        row(id="en", name="Summit Clinic", address="2 Main St", languages="English"),
    )


def test_a_new_filter_reaches_the_url(with_asl: None) -> None:
    form = form_from_params({"near": ["80202"], "asl": ["1"]})
    assert form.value("asl") is True
    assert form.to_params() == {"near": "80202", "asl": "1"}
    assert form_from_params({"asl": ["maybe"]}).notices == ("Ignored asl='maybe': use 1 or 0.",)


def test_a_new_filter_reaches_the_engine_and_its_relaxations(with_asl: None) -> None:
    index = index_clinics(parse_clinics(two_clinics_csv()).usable())
    query = SearchQuery(DENVER, filters={"asl": True})
    assert list(search(index, query).in_person["id"]) == ["asl"]
    assert sorted(search(index, SearchQuery(DENVER)).in_person["id"]) == ["asl", "en"]
    strict = SearchQuery(DENVER, filters={"asl": True, "name": "summit"})
    assert search(index, strict).in_person.empty
    relaxations = suggest_relaxations(index, strict)
    assert [(r.filter, r.description, r.in_person_count) for r in relaxations] == [
        ("name", "Any clinic name", 1),  # ties keep the table's order
        ("asl", "Include clinics without ASL", 1),
    ]


def test_a_new_filter_reaches_the_command_line(
    with_asl: None, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "clinics.csv"
    data.write_text(two_clinics_csv(), encoding="utf-8")
    argv = ["search", "--near", "80202", "--data", str(data), "--format", "json"]
    assert main([*argv, "--asl"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["in_person"]] == ["asl"]
    assert main(argv) == 0
    assert len(json.loads(capsys.readouterr().out)["in_person"]) == 2


def test_a_new_filter_reaches_the_page(with_asl: None, tmp_path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    data = tmp_path / "clinics.csv"
    data.write_text(two_clinics_csv(), encoding="utf-8")
    monkeypatch.setenv("CLINICS_CSV", str(data))
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.query_params["near"] = "80202"
    at.query_params["asl"] = "1"
    at.run()
    assert not at.exception
    assert at.checkbox(key="asl").label == "Staff use ASL"
    assert at.checkbox(key="asl").value is True
    titles = [m.value.split("\n", 1)[0] for m in at.markdown if m.value.startswith("### ")]
    assert len(titles) == 1
    assert titles[0].startswith("### Clínica Sol")


# --- the entries themselves ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("languages", "speaks"),
    [
        ("English; Spanish", True),
        ("Español", True),
        ("español, inglés", True),
        ("SPANISH/ASL", True),
        ("English; Castellano", True),
        ("English", False),
        ("Spanglish", False),
        ("", False),
        (None, False),
    ],
)
def test_the_spanish_filter_reads_the_free_text_languages(languages, speaks) -> None:
    table = pd.DataFrame({"languages": [languages]}, dtype=object)
    prepared = filter_named("spanish").prepare(table)
    assert prepared.tolist() == [speaks]


def test_the_spanish_filter_finds_the_sample_clinics_that_list_spanish() -> None:
    index = index_clinics(parse_clinics((REPO_ROOT / "data" / "clinics.csv").read_text()).usable())
    found = search(index, SearchQuery(DENVER, 500.0, {"spanish": True})).in_person
    assert len(found)
    assert found["languages"].str.contains("Spanish").all()


def test_names_and_flags_are_unique_and_every_entry_is_complete() -> None:
    names = [entry.name for entry in FILTERS]
    flags = [flag for entry in FILTERS for flag in entry.cli_flags]
    assert len(set(names)) == len(names)
    assert len(set(flags)) == len(flags)
    assert not {"near", "radius"} & set(names)  # those are the place and distance
    for entry in FILTERS:
        assert all((entry.label, entry.help, entry.relax)), entry.name
        assert entry.help.endswith("."), entry.name
        assert (entry.vocabulary is not None) == (
            entry.kind in (FilterKind.ANY_OF, FilterKind.ALL_OF)
        ), entry.name
        if entry.kind in (FilterKind.FLAG, FilterKind.AT_MOST, FilterKind.TEXT):
            assert entry.chip, entry.name
        assert entry.is_active(entry.default) is False


def test_the_costly_text_match_runs_last() -> None:
    assert FILTERS[-1].kind is FilterKind.TEXT


@pytest.mark.parametrize(
    ("name", "value", "chips"),
    [
        ("modality", ("iv", "nasal"), ["IV infusion", "Nasal spray (esketamine / Spravato)"]),
        ("va", True, ["Works with VA"]),
        ("no_therapist", True, ["No therapist needed"]),
        ("max_price", 450.0, ["Up to $450"]),
        ("max_price", 1200.0, ["Up to $1,200"]),
        ("accepting", True, ["Accepting new patients"]),
        ("name", "summit", ['Name has "summit"']),
        ("va", False, []),
    ],
)
def test_chips_name_active_filters_in_plain_words(name, value, chips) -> None:
    assert [chip.label for chip in filter_named(name).chips(value)] == chips


def test_a_chip_removes_only_its_own_value() -> None:
    first, second = filter_named("condition").chips(("ptsd", "ocd"))
    assert first == Chip("condition", "PTSD", ("ocd",))
    assert second == Chip("condition", "OCD", ("ptsd",))


def test_chips_use_each_terms_one_label() -> None:
    for entry in all_filters():
        if entry.vocabulary is None:
            continue
        for term in entry.vocabulary.terms:
            (chip,) = entry.chips((term.code,))
            assert chip.label == term.label


@pytest.mark.parametrize(
    ("miles", "accepted"),
    [(25, 25.0), ("50", 50.0), (0.5, 0.5), (500, 500.0)],
)
def test_radius_accepted(miles, accepted) -> None:
    assert check_radius(miles) == accepted


@pytest.mark.parametrize("miles", [0, -1, 501, math.nan, math.inf, "far", None, True])
def test_radius_rejected(miles) -> None:
    with pytest.raises(QueryError, match="at most 500"):
        check_radius(miles)


@pytest.mark.parametrize(("miles", "choice"), [(1, 5), (7, 5), (8, 10), (40, 50), (9999, 500)])
def test_nearest_radius_choice(miles, choice) -> None:
    assert nearest_radius_choice(miles) == choice


@settings(max_examples=200)
@given(st.lists(st.sampled_from(schema.CONDITIONS.codes)), st.randoms(use_true_random=False))
def test_codes_are_canonical_whatever_the_order(codes, rng) -> None:
    shuffled = list(codes)
    rng.shuffle(shuffled)
    entry = filter_named("condition")
    assert entry.check(codes) == entry.check(shuffled)
    assert list(entry.check(codes)) == [c for c in schema.CONDITIONS.codes if c in codes]


@settings(max_examples=200)
@given(st.one_of(st.none(), st.floats(0, 100_000), st.integers(0, 100_000)))
def test_a_price_written_to_a_url_reads_back_the_same(price) -> None:
    entry = filter_named("max_price")
    value, notices = entry.read(entry.write(price))
    assert notices == []
    assert value == entry.check(price)


def test_a_search_form_keeps_only_active_filters() -> None:
    form = SearchForm(filters={"va": False, "modality": ["Spravato"], "max_price": None})
    assert dict(form.filters) == {"modality": ("nasal",)}


def test_match_arrays_are_one_per_filter_and_row() -> None:
    index = index_clinics(parse_clinics(two_clinics_csv()).usable())
    assert set(index.filter_arrays) == {entry.name for entry in FILTERS}
    for array in index.filter_arrays.values():
        assert len(array) == len(index)
    assert isinstance(index.filter_arrays["va"], np.ndarray)
    assert isinstance(index.table, pd.DataFrame)


# --- Spanish -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "chips"),
    [
        (
            "modality",
            ("iv", "nasal"),
            ["Infusión intravenosa (IV)", "Aerosol nasal (esketamina / Spravato)"],
        ),
        ("va", True, ["Trabaja con el VA"]),
        ("max_price", 450.0, ["Hasta $450"]),
        ("max_price", 1500.0, ["Hasta $1,500"]),
        ("name", "summit", ['El nombre contiene "summit"']),
    ],
)
def test_chips_in_spanish(name, value, chips) -> None:
    with i18n.using("es"):
        assert [chip.label for chip in filter_named(name).chips(value)] == chips


def test_every_filter_has_its_page_words_in_spanish() -> None:
    for entry in FILTERS:
        with i18n.using("es"):
            words = (entry.shown_label(), entry.shown_help(), entry.shown_relax())
        assert all(words), entry.name
        assert not set(words) & {entry.label, entry.help, entry.relax}, entry.name
        # The fields stay English: the command line's help is built from them.
        assert entry.help.isascii(), entry.name
    with i18n.using("es"):
        assert filter_named("max_price").shown_label() == (
            "Precio máximo por sesión (dólares estadounidenses)"
        )


def test_the_place_and_distance_words_translate() -> None:
    with i18n.using("es"):
        assert _(filters.PLACE_LABEL) == "Su código postal (ZIP) o ciudad"
        assert _(filters.RADIUS_LABEL) == "Distancia (millas)"
    assert _(filters.PLACE_LABEL) == "Your ZIP code or city"


@pytest.mark.parametrize(
    ("params", "english", "spanish"),
    [
        (
            {"modality": ["laughing_gas"]},
            "Ignored 'laughing_gas': it is not a modality we know "
            "(iv, im, nasal, oral or at_home).",
            "Se ignoró “laughing_gas”: no lo reconocemos como tipo de tratamiento "
            "(iv, im, nasal, oral o at_home).",
        ),
        (
            {"va": ["maybe"]},
            "Ignored va='maybe': use 1 or 0.",
            "Se ignoró va=“maybe”: use 1 o 0.",
        ),
        (
            {"max_price": ["lots"]},
            "Ignored the maximum price per session (us dollars) 'lots': use a number of US "
            "dollars.",
            "Se ignoró el valor “lots” de «precio máximo por sesión (dólares estadounidenses)»: "
            "use un número en dólares estadounidenses.",
        ),
    ],
)
def test_url_notices_in_each_language(params, english, spanish) -> None:
    assert form_from_params(params).notices == (english,)
    with i18n.using("es"):
        assert form_from_params(params).notices == (spanish,)


def test_query_errors_stay_english_for_the_command_line() -> None:
    with i18n.using("es"), pytest.raises(QueryError, match="is not a modality"):
        filter_named("modality").check(("laughing_gas",))
