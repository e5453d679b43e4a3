"""URL parameters <-> the search form: shareable, and safe with any input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory import schema
from directory.geocoding import Origin
from directory.params import (
    MAX_TEXT_CHARS,
    PARAM_NAMES,
    RADIUS_CHOICES_MILES,
    SearchForm,
    form_from_params,
    nearest_radius_choice,
)

DENVER = Origin("80202", "Denver, CO 80202", 39.75, -105.0, "CO", "zip")


def test_a_full_search_round_trips_through_the_url():
    form = SearchForm(
        near="Denver, CO",
        radius_miles=50,
        modalities=("iv", "nasal"),
        conditions=("ptsd",),
        payment=("tricare",),
        va=True,
        no_therapist=True,
        max_price_usd=600,
        accepting=True,
        name="summit",
    )
    params = form.to_params()
    assert set(params) == set(PARAM_NAMES)
    as_lists = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    assert form_from_params(as_lists) == form


def test_defaults_are_left_out_of_the_url():
    assert SearchForm(near="80202").to_params() == {"near": "80202"}
    assert SearchForm().to_params() == {}


@pytest.mark.parametrize(
    ("params", "field", "value"),
    [
        ({"modality": ["Spravato", "IV"]}, "modalities", ("nasal", "iv")),
        ({"modality": ["iv", "iv"]}, "modalities", ("iv",)),
        ({"condition": ["PTSD", "depression"]}, "conditions", ("ptsd", "depression")),
        ({"va": ["true"]}, "va", True),
        ({"va": ["0"]}, "va", False),
        ({"no_therapist": ["1"]}, "no_therapist", True),
        ({"radius": ["50"]}, "radius_miles", 50),
        ({"radius": ["30"]}, "radius_miles", 25),
        ({"max_price": ["$1,200"]}, "max_price_usd", 1200),
        ({"near": ["  10001 "]}, "near", "10001"),
        ({"near": ["a", "b"]}, "near", "b"),
    ],
)
def test_accepted_values(params, field, value):
    form = form_from_params(params)
    assert getattr(form, field) == value
    assert form.notices == ()


@pytest.mark.parametrize(
    ("params", "field", "default", "notice"),
    [
        ({"radius": ["far"]}, "radius_miles", 25, "distance"),
        ({"radius": ["-5"]}, "radius_miles", 25, "distance"),
        ({"radius": ["inf"]}, "radius_miles", 25, "distance"),
        ({"modality": ["laughing_gas"]}, "modalities", (), "not a modality"),
        ({"payment": ["<script>"]}, "payment", (), "payment option"),
        ({"va": ["maybe"]}, "va", False, "use 1 or 0"),
        ({"max_price": ["cheap"]}, "max_price_usd", None, "maximum price"),
        ({"max_price": ["-1"]}, "max_price_usd", None, "maximum price"),
    ],
)
def test_rejected_values_fall_back_with_a_notice(params, field, default, notice):
    form = form_from_params(params)
    assert getattr(form, field) == default
    assert any(notice in n for n in form.notices)


def test_unknown_parameters_are_ignored_silently():
    assert form_from_params({"utm_source": ["x"], "near": ["80202"]}) == SearchForm(near="80202")


def test_long_text_is_cut_short():
    assert len(form_from_params({"near": ["9" * 10_000]}).near) == 200


def test_form_becomes_an_engine_query():
    query = SearchForm(
        near="80202", radius_miles=10, modalities=("iv",), no_therapist=True, max_price_usd=500
    ).to_query(DENVER)
    assert query.radius_miles == 10.0
    assert query.modalities == frozenset({"iv"})
    assert query.no_therapist_required is True
    assert query.max_price_usd == 500.0


@pytest.mark.parametrize(("miles", "choice"), [(1, 5), (7, 5), (8, 10), (40, 50), (9999, 500)])
def test_nearest_radius_choice(miles, choice):
    assert nearest_radius_choice(miles) == choice


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from([*PARAM_NAMES, "other"]), st.lists(st.text(max_size=50), max_size=3)
    )
)
def test_any_parameters_give_a_usable_form(params):
    form = form_from_params(params)  # never raises: every value is checked
    assert set(form.modalities) <= set(schema.MODALITIES.codes)
    assert set(form.conditions) <= set(schema.CONDITIONS.codes)
    assert set(form.payment) <= set(schema.PAYMENT.codes)
    for codes in (form.modalities, form.conditions, form.payment):
        assert len(set(codes)) == len(codes)
    assert form.radius_miles in RADIUS_CHOICES_MILES
    assert len(form.near) <= MAX_TEXT_CHARS
    assert len(form.name) <= MAX_TEXT_CHARS
    assert form.max_price_usd is None or 0 <= form.max_price_usd <= 100_000
    assert all(isinstance(flag, bool) for flag in (form.va, form.no_therapist, form.accepting))
    # What the page puts back in the URL reads back as the same form, with nothing to explain.
    as_lists = {k: v if isinstance(v, list) else [v] for k, v in form.to_params().items()}
    again = form_from_params(as_lists)
    assert again == form
    assert again.notices == ()
    query = form.to_query(DENVER)
    assert query.radius_miles == float(form.radius_miles)
    assert query.modalities == frozenset(form.modalities)
