"""URL parameters <-> the search form: shareable, and safe with any input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.filters import MAX_TEXT_CHARS, RADIUS_CHOICES_MILES, FilterKind, all_filters
from directory.geocoding import Origin
from directory.params import SearchForm, form_from_params, param_names

DENVER = Origin("80202", "Denver, CO 80202", 39.75, -105.0, "CO", "zip")

FULL = SearchForm(
    near="Denver, CO",
    radius_miles=50,
    filters={
        "modality": ("iv", "nasal"),
        "condition": ("ptsd",),
        "payment": ("tricare",),
        "va": True,
        "no_therapist": True,
        "max_price": 600,
        "accepting": True,
        "spanish": True,
        "name": "summit",
    },
)


def as_lists(params: dict[str, str | list[str]]) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in params.items()}


def test_a_full_search_round_trips_through_the_url():
    params = FULL.to_params()
    assert set(params) == set(param_names())
    assert params["modality"] == ["iv", "nasal"]
    assert params["max_price"] == "600"
    assert params["va"] == "1"
    assert form_from_params(as_lists(params)) == FULL


def test_every_filter_has_a_url_parameter():
    assert set(param_names()) == {"near", "radius", *(f.name for f in all_filters())}


def test_defaults_are_left_out_of_the_url():
    assert SearchForm(near="80202").to_params() == {"near": "80202"}
    assert SearchForm().to_params() == {}
    assert SearchForm(filters={"va": False, "modality": (), "name": "  "}).to_params() == {}


@pytest.mark.parametrize(
    ("params", "name", "value"),
    [
        ({"modality": ["Spravato", "IV"]}, "modality", ("iv", "nasal")),
        ({"modality": ["iv", "iv"]}, "modality", ("iv",)),
        ({"condition": ["PTSD", "depression"]}, "condition", ("ptsd", "depression")),
        ({"va": ["true"]}, "va", True),
        ({"va": ["0"]}, "va", False),
        ({"no_therapist": ["1"]}, "no_therapist", True),
        ({"max_price": ["$1,200"]}, "max_price", 1200.0),
        ({"max_price": ["0"]}, "max_price", 0.0),
        ({"name": ["  Summit   Clinic "]}, "name", "Summit Clinic"),
    ],
)
def test_accepted_filter_values(params, name, value):
    form = form_from_params(params)
    assert form.value(name) == value
    assert form.notices == ()


@pytest.mark.parametrize(
    ("params", "field", "value"),
    [
        ({"radius": ["50"]}, "radius_miles", 50),
        ({"radius": ["30"]}, "radius_miles", 25),
        ({"radius": ["0.5"]}, "radius_miles", 5),
        ({"near": ["  10001 "]}, "near", "10001"),
        ({"near": ["a", "b"]}, "near", "b"),
    ],
)
def test_accepted_place_and_distance(params, field, value):
    form = form_from_params(params)
    assert getattr(form, field) == value
    assert form.notices == ()


@pytest.mark.parametrize(
    ("params", "name", "notice"),
    [
        ({"modality": ["laughing_gas"]}, "modality", "not a modality"),
        ({"payment": ["<script>"]}, "payment", "payment option"),
        ({"va": ["maybe"]}, "va", "use 1 or 0"),
        ({"max_price": ["cheap"]}, "max_price", "maximum price"),
        ({"max_price": ["-1"]}, "max_price", "maximum price"),
        ({"max_price": ["1e9"]}, "max_price", "maximum price"),
    ],
)
def test_rejected_filter_values_fall_back_with_a_notice(params, name, notice):
    form = form_from_params(params)
    assert form.value(name) == next(f for f in all_filters() if f.name == name).default
    assert any(notice in n for n in form.notices), form.notices


@pytest.mark.parametrize("radius", ["far", "-5", "inf", "nan", "501", "0"])
def test_rejected_distances_fall_back_with_a_notice(radius):
    form = form_from_params({"radius": [radius]})
    assert form.radius_miles == 25
    assert any("distance" in n for n in form.notices)


def test_good_values_survive_beside_bad_ones():
    form = form_from_params({"modality": ["iv", "laughing gas", "nasal"]})
    assert form.value("modality") == ("iv", "nasal")
    assert len(form.notices) == 1


def test_unknown_parameters_are_ignored_silently():
    assert form_from_params({"utm_source": ["x"], "near": ["80202"]}) == SearchForm(near="80202")


def test_long_text_is_cut_short():
    assert len(form_from_params({"near": ["9" * 10_000]}).near) == MAX_TEXT_CHARS
    assert len(str(form_from_params({"name": ["x" * 10_000]}).value("name"))) <= MAX_TEXT_CHARS


def test_form_becomes_an_engine_query():
    form = SearchForm(
        near="80202",
        radius_miles=10,
        filters={"modality": ("iv",), "no_therapist": True, "max_price": 500},
    )
    query = form.to_query(DENVER)
    assert query.radius_miles == 10.0
    assert dict(query.filters) == {"modality": ("iv",), "no_therapist": True, "max_price": 500.0}


def test_filters_can_be_set_and_cleared_one_at_a_time():
    assert FULL.with_filter("va", False).value("va") is False
    assert FULL.with_filter("va", False).value("modality") == ("iv", "nasal")
    cleared = FULL.without_filters()
    assert cleared.filters == {}
    assert (cleared.near, cleared.radius_miles) == (FULL.near, FULL.radius_miles)


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from([*param_names(), "other"]), st.lists(st.text(max_size=50), max_size=3)
    )
)
def test_any_parameters_give_a_usable_form(params):
    form = form_from_params(params)  # never raises: every value is checked
    for entry in all_filters():
        value = form.value(entry.name)
        if entry.vocabulary is not None:
            assert set(value) <= set(entry.vocabulary.codes)  # type: ignore[arg-type]
            assert len(set(value)) == len(value)  # type: ignore[arg-type]
        elif entry.kind is FilterKind.FLAG:
            assert isinstance(value, bool)
        elif entry.kind is FilterKind.AT_MOST:
            low, high = entry.bounds
            assert value is None or low <= value <= high  # type: ignore[operator]
        else:
            assert isinstance(value, str)
            assert len(value) <= MAX_TEXT_CHARS
    assert form.radius_miles in RADIUS_CHOICES_MILES
    assert len(form.near) <= MAX_TEXT_CHARS
    # What the page puts back in the URL reads back as the same form, with nothing to explain.
    again = form_from_params(as_lists(form.to_params()))
    assert again == form
    assert again.notices == ()
    query = form.to_query(DENVER)
    assert query.radius_miles == float(form.radius_miles)
    assert dict(query.filters) == dict(form.filters)
    assert set(query.filters) <= {entry.name for entry in all_filters()}
