"""The search engine: every filter, the three result parts, and properties.

Distances themselves are tested in test_distance.py.

The property tests compare the vectorised engine with a deliberately naive
oracle (a Python loop per row using geopy's own great_circle), so any
disagreement in filtering, distance or ordering fails.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from geopy.distance import great_circle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory import schema
from directory.csvfile import write_csv_text
from directory.dataset import parse_clinics
from directory.errors import QueryError
from directory.gazetteer import get_gazetteer
from directory.geocoding import Origin, resolve_place
from directory.search import (
    DISTANCE_COLUMN,
    ClinicIndex,
    SearchQuery,
    index_clinics,
    search,
)
from directory.synth import generate_clinics

TODAY = date(2026, 11, 20)
HEADER = list(schema.COLUMN_NAMES)


def clinic(**fields: str) -> dict[str, str]:
    """A valid in-person clinic row in Denver; keyword arguments override columns."""
    row = {name: "" for name in HEADER}
    row.update(
        id="c",
        name="Clinic",
        kind="clinic",
        modalities="iv",
        conditions="ptsd;depression",
        address="1 Main St",
        city="Denver",
        state="CO",
        zip="80202",
        latitude="39.7530",
        longitude="-104.9990",
        va_coverage="no",
        therapist_requirement="none",
        price_per_session_usd="500",
        accepting_new_patients="yes",
        last_verified="2026-10-01",
    )
    row.update(fields)
    return row


def telehealth(**fields: str) -> dict[str, str]:
    row = clinic(
        kind="telehealth",
        modalities="at_home",
        address="",
        city="",
        state="",
        zip="",
        latitude="",
        longitude="",
        service_states="CO;NM",
        price_per_session_usd="200",
    )
    row.update(fields)
    return row


def index_of(*rows: dict[str, str]) -> ClinicIndex:
    text = write_csv_text(pd.DataFrame(list(rows), columns=HEADER))
    loaded = parse_clinics(text, today=TODAY)
    assert loaded.report.valid, loaded.report.to_text()
    return index_clinics(loaded.table)


DENVER = Origin(
    query="80202", label="Denver, CO 80202", lat=39.7530, lon=-104.9990, state="CO", precision="zip"
)


def ids(frame: pd.DataFrame) -> list[str]:
    return list(frame["id"])


# --- filters --------------------------------------------------------------------------------


def test_in_person_results_are_within_radius_sorted_by_distance_then_name():
    index = index_of(
        clinic(id="far", name="Far", latitude="40.5853", longitude="-105.0844"),  # Fort Collins
        clinic(id="b", name="Bravo"),
        clinic(id="a", name="alpha"),
        clinic(id="near", name="Near", latitude="39.7600", longitude="-104.9900"),
    )
    result = search(index, SearchQuery(DENVER, radius_miles=25))
    assert ids(result.in_person) == ["a", "b", "near"]
    assert result.in_person[DISTANCE_COLUMN].is_monotonic_increasing
    assert result.nearest_outside_radius.empty
    wider = search(index, SearchQuery(DENVER, radius_miles=80))
    assert ids(wider.in_person)[-1] == "far"


@pytest.mark.parametrize(
    ("query_fields", "expected"),
    [
        ({"modality": ("nasal",)}, ["nasal-only"]),
        (
            {"modality": ("nasal", "im")},
            ["im-only", "nasal-only"],
        ),
        (
            {"condition": ("ptsd", "ocd")},
            ["im-only"],
        ),
        ({"condition": ("ptsd",)}, ["im-only", "iv-only", "nasal-only"]),
        ({"payment": ("tricare",)}, ["iv-only"]),
        (
            {"payment": ("tricare", "medicaid")},
            ["iv-only", "nasal-only"],
        ),
        ({"va": True}, ["iv-only", "nasal-only"]),
        ({"no_therapist": True}, ["iv-only", "nasal-only"]),
        ({"max_price": 450.0}, ["im-only"]),
        ({"max_price": 0.0}, []),
        ({"accepting": True}, ["im-only", "iv-only"]),
        ({"name": "SPRAVATO"}, ["nasal-only"]),
        ({"name": "cafe"}, ["im-only"]),  # accent-insensitive: "Café"
        ({"name": "clinic"}, ["im-only", "iv-only", "nasal-only"]),
        ({"name": "  "}, ["im-only", "iv-only", "nasal-only"]),
    ],
)
def test_each_filter_keeps_exactly_the_matching_clinics(query_fields, expected):
    index = index_of(
        clinic(
            id="iv-only",
            name="IV Clinic",
            modalities="iv",
            payment="self_pay;tricare",
            va_coverage="community_care",
            price_per_session_usd="600",
        ),
        clinic(
            id="nasal-only",
            name="Spravato Clinic",
            modalities="nasal",
            payment="medicaid",
            va_coverage="va_facility",
            price_per_session_usd="",
            accepting_new_patients="no",
        ),
        clinic(
            id="im-only",
            name="Café IM Clinic",
            modalities="im",
            conditions="ptsd;ocd",
            payment="self_pay",
            therapist_requirement="required",
            price_per_session_usd="450",
        ),
    )
    result = search(index, SearchQuery(DENVER, filters=query_fields))
    assert sorted(ids(result.in_person)) == expected


def test_telehealth_is_matched_by_the_origin_state_not_distance():
    index = index_of(
        clinic(id="local"),
        telehealth(id="co-nm", name="B Home", service_states="CO;NM"),
        telehealth(id="all", name="A Home", service_states="ALL"),
        telehealth(id="tx", name="C Home", service_states="TX"),
        telehealth(id="co-iv", name="D Home", service_states="CO", price_per_session_usd="900"),
    )
    result = search(index, SearchQuery(DENVER, filters={"max_price": 500}))
    assert ids(result.at_home) == ["all", "co-nm"]
    assert DISTANCE_COLUMN not in result.at_home.columns
    assert ids(result.in_person) == ["local"]


def test_nearest_outside_radius_lists_three_nearest_matches_when_nothing_is_inside():
    pueblo = {"city": "Pueblo", "zip": "81003", "latitude": "38.2700", "longitude": "-104.6100"}
    index = index_of(
        clinic(id="pueblo", **pueblo),
        clinic(id="pueblo-nasal", modalities="nasal", **pueblo),
        clinic(
            id="springs",
            city="Colorado Springs",
            zip="80903",
            latitude="38.8339",
            longitude="-104.8214",
        ),
        clinic(
            id="gj", city="Grand Junction", zip="81501", latitude="39.0639", longitude="-108.5506"
        ),
        clinic(
            id="durango", city="Durango", zip="81301", latitude="37.2753", longitude="-107.8801"
        ),
    )
    result = search(index, SearchQuery(DENVER, radius_miles=10, filters={"modality": ("iv",)}))
    assert result.in_person.empty
    assert ids(result.nearest_outside_radius) == ["springs", "pueblo", "gj"]
    assert result.nearest_outside_radius[DISTANCE_COLUMN].iloc[1] == pytest.approx(104, abs=2)


def test_rows_with_errors_are_not_searchable_but_approximate_points_are():
    text = write_csv_text(
        pd.DataFrame(
            [
                clinic(id="ok"),
                clinic(id="zip-only", latitude="", longitude=""),
                clinic(id="broken", modalities="laughing gas"),
            ],
            columns=HEADER,
        )
    )
    loaded = parse_clinics(text, today=TODAY)
    result = search(index_clinics(loaded.usable()), SearchQuery(DENVER))
    assert sorted(ids(result.in_person)) == ["ok", "zip-only"]
    approximate = result.in_person.set_index("id")[schema.COORDINATES_APPROXIMATE]
    assert approximate["zip-only"]
    assert not approximate["ok"]


def test_search_accepts_a_plain_table_as_well_as_an_index():
    index = index_of(clinic(id="a"))
    assert ids(search(index.table, SearchQuery(DENVER)).in_person) == ["a"]


def test_an_origin_in_a_territory_without_listings_still_gets_all_states_providers():
    guam = Origin("96910", "Hagatna, GU 96910", 13.4757, 144.7489, "GU", "zip")
    index = index_of(telehealth(id="all", service_states="ALL"), telehealth(id="co"))
    assert ids(search(index, SearchQuery(guam)).at_home) == ["all"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"radius_miles": 0}, "distance"),
        ({"radius_miles": -5}, "distance"),
        ({"radius_miles": math.nan}, "distance"),
        ({"radius_miles": 501}, "at most 500"),
        ({"radius_miles": 1e9}, "distance"),
        ({"filters": {"max_price": -1}}, "maximum price must be a number of US dollars"),
        ({"filters": {"max_price": math.inf}}, "maximum price"),
        ({"filters": {"max_price": "cheap"}}, "maximum price"),
        ({"filters": {"modality": ("laughing_gas",)}}, "'laughing_gas' is not a modality"),
        ({"filters": {"condition": ("flu",)}}, "use ptsd, depression"),
        ({"filters": {"payment": ("bitcoin",)}}, "payment option"),
        ({"filters": {"va": "yes"}}, "va must be on or off"),
        ({"filters": {"colour": "red"}}, "no filter called 'colour'"),
    ],
)
def test_bad_queries_raise_query_error_naming_the_problem(fields, message):
    with pytest.raises(QueryError, match=message):
        SearchQuery(DENVER, **fields)


def test_equal_searches_are_equal_whatever_the_spelling_or_order():
    one = SearchQuery(DENVER, filters={"modality": ("nasal", "iv"), "va": False, "name": " "})
    other = SearchQuery(DENVER, filters={"modality": ["IV infusion", "Spravato"]})
    assert one == other
    assert one.filters == {"modality": ("iv", "nasal")}
    assert one.value("va") is False
    assert one.without("modality") == SearchQuery(DENVER)


# --- properties against a naive oracle -------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic() -> tuple[ClinicIndex, list[dict]]:
    text = write_csv_text(generate_clinics(1500, seed=7, today=TODAY))
    loaded = parse_clinics(text, today=TODAY)
    table = loaded.usable()
    return index_clinics(table), table.to_dict(orient="records")


def naive_search(records: list[dict], query: SearchQuery) -> tuple[list[str], list[str]]:
    """One Python loop per row, straight from the issue's wording."""
    in_person: list[tuple[float, str, str]] = []
    at_home: list[tuple[str, str]] = []
    for row in records:
        codes = {
            c: set(str(row[c]).split(";")) - {""} for c in ("modalities", "conditions", "payment")
        }
        modalities = set(query.value("modality"))  # type: ignore[arg-type]
        conditions = set(query.value("condition"))  # type: ignore[arg-type]
        payment = set(query.value("payment"))  # type: ignore[arg-type]
        max_price = query.value("max_price")
        if modalities and not codes["modalities"] & modalities:
            continue
        if not conditions <= codes["conditions"]:
            continue
        if payment and not codes["payment"] & payment:
            continue
        if query.value("va") and row["va_coverage"] not in ("community_care", "va_facility"):
            continue
        if query.value("no_therapist") and row["therapist_requirement"] == "required":
            continue
        price = row["price_per_session_usd"]
        if max_price is not None and not (price <= max_price):
            continue
        if query.value("accepting") and row["accepting_new_patients"] != "yes":
            continue
        name = str(query.value("name"))
        if schema.normalize_key(name) not in schema.normalize_key(str(row["name"])):
            continue
        key = schema.normalize_key(str(row["name"]))
        if row["kind"] == "clinic":
            miles = great_circle(
                (query.origin.lat, query.origin.lon), (row[schema.LAT], row[schema.LON])
            ).miles
            if miles <= query.radius_miles:
                in_person.append((miles, key, str(row["id"])))
        elif {"ALL", query.origin.state} & set(str(row["service_states"]).split(";")):
            at_home.append((key, str(row["id"])))
    return [i for *_, i in sorted(in_person)], [i for _, i in sorted(at_home)]


ZIPS = get_gazetteer().zips
STATES_WITH_ZIPS = sorted(set(ZIPS["state"]))

filter_values = st.fixed_dictionaries(
    {
        "modality": st.lists(st.sampled_from(schema.MODALITIES.codes), max_size=2),
        "condition": st.lists(st.sampled_from(schema.CONDITIONS.codes), max_size=2),
        "payment": st.lists(st.sampled_from(schema.PAYMENT.codes), max_size=2),
        "va": st.booleans(),
        "no_therapist": st.booleans(),
        "max_price": st.none() | st.floats(0, 900),
        "accepting": st.booleans(),
        "name": st.sampled_from(["", "", "", "ketamine", "of", "center", "zz"]),
    }
)
queries = st.builds(
    dict,
    zip_position=st.integers(0, len(ZIPS) - 1),
    radius_miles=st.floats(1, 400),
    filters=filter_values,
)


def make_query(params: dict) -> SearchQuery:
    row = ZIPS.iloc[params["zip_position"]]
    origin = Origin(
        str(row.name), str(row.name), float(row["lat"]), float(row["lon"]), str(row["state"]), "zip"
    )
    return SearchQuery(origin, radius_miles=params["radius_miles"], filters=params["filters"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries)
def test_engine_agrees_with_the_naive_oracle(synthetic, params):
    index, table = synthetic
    query = make_query(params)
    result = search(index, query)
    expected_in_person, expected_at_home = naive_search(table, query)
    assert ids(result.in_person) == expected_in_person
    assert ids(result.at_home) == expected_at_home
    assert (result.in_person[DISTANCE_COLUMN] <= query.radius_miles).all()
    if expected_in_person:
        assert result.nearest_outside_radius.empty
    else:
        assert len(result.nearest_outside_radius) <= 3
        assert (result.nearest_outside_radius[DISTANCE_COLUMN] > query.radius_miles).all()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries, st.floats(0, 300))
def test_widening_the_radius_never_drops_a_result(synthetic, params, extra_miles):
    index, _ = synthetic
    query = make_query(params)
    wider = dataclasses.replace(query, radius_miles=min(query.radius_miles + extra_miles, 500))
    assert set(ids(search(index, query).in_person)) <= set(ids(search(index, wider).in_person))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries, queries)
def test_adding_filters_never_adds_a_result(synthetic, params, more):
    index, _ = synthetic
    query = make_query(params)
    extra = more["filters"]

    def narrower(mine: set[str], theirs: list[str]) -> tuple[str, ...]:
        return tuple(mine & set(theirs) or mine)

    prices = [p for p in (query.value("max_price"), extra["max_price"]) if p is not None]
    stricter = dataclasses.replace(
        query,
        filters={
            "modality": narrower(set(query.value("modality")), extra["modality"]),
            "condition": (*query.value("condition"), *extra["condition"]),
            "payment": narrower(set(query.value("payment")), extra["payment"]),
            "va": query.value("va") or extra["va"],
            "no_therapist": query.value("no_therapist") or extra["no_therapist"],
            "max_price": min(prices) if prices else None,
            "accepting": query.value("accepting") or extra["accepting"],
            "name": query.value("name"),
        },
    )
    loose, strict = search(index, query), search(index, stricter)
    assert set(ids(strict.in_person)) <= set(ids(loose.in_person))
    assert set(ids(strict.at_home)) <= set(ids(loose.at_home))
    served = strict.at_home["service_states"].str.split(";")
    assert all("ALL" in s or query.origin.state in s for s in served)


def test_a_typed_place_flows_through_to_results():
    index = index_of(clinic(id="denver"))
    origin = resolve_place("Denver, CO")
    result = search(index, SearchQuery(origin))
    assert ids(result.in_person) == ["denver"]
    assert np.isfinite(result.in_person[DISTANCE_COLUMN]).all()


# --- a whole state, and an honest "nearest" ----------------------------------------------------

COLORADO = Origin("Colorado", "Colorado", 39.0, -105.5, "CO", "state")


def test_a_whole_state_lists_its_clinics_without_a_distance_and_its_at_home_providers():
    index = index_of(
        clinic(id="denver"),
        clinic(
            id="durango", city="Durango", zip="81301", latitude="37.2753", longitude="-107.8801"
        ),
        clinic(
            id="cheyenne",
            city="Cheyenne",
            state="WY",
            zip="82001",
            latitude="41.14",
            longitude="-104.82",
        ),
        telehealth(id="co-home", service_states="CO"),
        telehealth(id="wy-home", service_states="WY"),
    )
    result = search(index, SearchQuery(COLORADO, radius_miles=5))
    assert sorted(ids(result.in_person)) == ["denver", "durango"]  # the radius does not apply
    assert result.in_person[DISTANCE_COLUMN].isna().all()
    assert ids(result.at_home) == ["co-home"]
    assert result.nearest_outside_radius.empty


def test_nearest_further_away_stays_within_reach():
    orlando = {
        "city": "Orlando",
        "state": "FL",
        "zip": "32801",
        "latitude": "28.54",
        "longitude": "-81.38",
    }
    index = index_of(clinic(id="orlando", **orlando))
    result = search(index, SearchQuery(DENVER, radius_miles=25))
    assert result.in_person.empty
    assert result.nearest_outside_radius.empty  # 1,500 miles away is not "nearest"


def test_nearest_further_away_may_be_far_inside_the_same_state():
    index = index_of(
        clinic(
            id="durango", city="Durango", zip="81301", latitude="37.2753", longitude="-107.8801"
        ),
        clinic(
            id="cheyenne",
            city="Cheyenne",
            state="WY",
            zip="82001",
            latitude="41.14",
            longitude="-104.82",
        ),
    )
    result = search(index, SearchQuery(DENVER, radius_miles=5))
    # Durango is ~250+ miles away but in Colorado; Cheyenne is close enough (~100 miles).
    assert sorted(ids(result.nearest_outside_radius)) == ["cheyenne", "durango"]
    far = index_of(
        clinic(
            id="boise", city="Boise", state="ID", zip="83702", latitude="43.62", longitude="-116.2"
        )
    )
    assert search(far, SearchQuery(DENVER, radius_miles=5)).nearest_outside_radius.empty


# --- plain records for the page's cards ----------------------------------------------------------


def _same(record: dict[str, object], expected: dict[str, object]) -> bool:
    return record.keys() == expected.keys() and all(
        record[k] == expected[k] or (pd.isna(record[k]) and pd.isna(expected[k])) for k in record
    )


def test_head_records_are_the_result_rows_as_dicts_with_their_own_columns():
    index = index_of(
        clinic(id="a", name="Alpha"), clinic(id="b", name="Beta", latitude="39.76"), telehealth()
    )
    result = search(index, SearchQuery(DENVER, 25.0))
    records = index.head_records(result.in_person, 10)
    expected = result.in_person.to_dict("records")
    assert [r["id"] for r in records] == ids(result.in_person) == ["a", "b"]
    assert all(_same(r, e) for r, e in zip(records, expected, strict=True))
    assert records[1]["distance_miles"] == pytest.approx(result.in_person["distance_miles"][1])
    assert len(index.head_records(result.in_person, 1)) == 1
    assert index.head_records(result.in_person.iloc[0:0], 10) == []
    records[0]["name"] = "changed"  # a copy: the index's own record stays as it was
    assert index.head_records(result.in_person, 1)[0]["name"] == "Alpha"


def test_head_records_of_rows_from_elsewhere_come_from_those_rows():
    index = index_of(clinic(id="a", name="Alpha"))
    stranger = pd.DataFrame([{"id": "zz", "name": "Elsewhere"}])
    assert index.head_records(stranger, 5) == [{"id": "zz", "name": "Elsewhere"}]
    bare = dataclasses.replace(index, records=())  # an index made without records
    assert bare.head_records(index.table, 5)[0]["name"] == "Alpha"
