"""A clinic's facts in plain words, and one label per term on every surface."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

import pandas as pd
import pytest
from conftest import card_row

from directory import content, export, facts, filters, i18n, listing, schema

TODAY = date(2026, 11, 20)

# Each vocabulary column a patient sees, and where its label must show.
SURFACES = {
    "modalities": ("card", "shortlist", "compare", "csv", "chips"),
    "conditions": ("card", "shortlist", "compare", "csv", "chips"),
    "payment": ("card", "shortlist", "compare", "csv", "chips"),
    "va_coverage": ("card", "shortlist", "compare", "csv"),
    "therapist_requirement": ("card", "shortlist", "compare", "csv", "about"),
    "accepting_new_patients": ("card", "shortlist", "compare", "csv"),
    "trauma_therapies": ("card", "shortlist", "csv", "about"),
}
CASES = [
    pytest.param(column, term, id=f"{column}-{term.code}")
    for column in SURFACES
    for term in schema.COLUMNS_BY_NAME[column].vocabulary.terms  # type: ignore[union-attr]
]


def clinic(**fields: object) -> pd.Series:
    # Not VA-covered and no therapist rule by default, so each term under test stands alone.
    return card_row(
        **{"modalities": "iv", "va_coverage": "no", "therapist_requirement": "none", **fields}
    )


def shown_markdown(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def surface_text(surface: str, row: pd.Series) -> str:
    frame = pd.DataFrame([row])
    if surface == "card":
        return shown_markdown(listing.clinic_markdown(row, TODAY))
    if surface == "shortlist":
        return html.unescape(re.sub(r"<[^>]+>", " ", listing.shortlist_html(frame, "x", TODAY)))
    if surface == "compare":
        return " | ".join(listing.comparison_table(frame, TODAY).iloc[:, 0])
    if surface == "csv":
        return export.patient_csv({"in_person": frame}, TODAY)
    if surface == "about":
        return shown_markdown("\n".join(body for _, body in content.about_sections()))
    raise AssertionError(surface)


@pytest.mark.parametrize(("column", "term"), CASES)
def test_each_term_reads_the_same_on_every_surface(column: str, term: schema.Term) -> None:
    row = clinic(**{column: term.code})
    for surface in SURFACES[column]:
        if surface == "chips":
            entry = next(
                f
                for f in filters.FILTERS
                if f.vocabulary is not None
                and schema.COLUMNS_BY_NAME[column].vocabulary is f.vocabulary
            )
            assert [chip.label for chip in entry.chips((term.code,))] == [term.label]
        else:
            assert term.label in surface_text(surface, row), (surface, term.code)


@pytest.mark.parametrize(("column", "term"), CASES)
def test_a_label_copied_from_the_page_is_accepted_in_the_csv(column, term) -> None:
    vocabulary = schema.COLUMNS_BY_NAME[column].vocabulary
    assert vocabulary is not None
    assert vocabulary.code_for(term.label) == term.code


def test_no_surface_shows_a_code() -> None:
    row = clinic(
        modalities="iv;at_home",
        conditions="ptsd;bipolar_depression",
        payment="self_pay;private_insurance",
        therapist_requirement="in_house",
        va_coverage="community_care",
        trauma_therapies="pe;cbt",
    )
    for surface in ("card", "shortlist", "csv"):
        text = surface_text(surface, row)
        for code in ("at_home", "bipolar_depression", "self_pay", "private_insurance", "in_house"):
            assert code not in text, (surface, code)


def test_the_patient_csv_has_plain_columns_and_the_id_last() -> None:
    rows = pd.DataFrame([clinic(distance_miles=1.1493227172916964, notes="=HYPERLINK(1)")])
    text = export.patient_csv({"in_person": rows, "at_home": rows.iloc[:0]}, TODAY)
    (record,) = list(csv.DictReader(io.StringIO(text)))
    assert next(iter(record)) == "Result"
    assert list(record)[-1] == "Clinic id"
    assert record["Distance (miles)"] == "1.1"
    assert record["Listing notes"] == "'=HYPERLINK(1)"
    assert record["Result"] == "Near you"
    assert record["Treatment"] == "IV infusion"
    assert not [c for c in record if c.startswith("_") or c in schema.COLUMN_NAMES]


def test_an_admins_own_column_never_reaches_the_patient_csv() -> None:
    rows = pd.DataFrame([clinic()]).assign(internal_ref="SECRET-42")
    assert "SECRET-42" not in export.patient_csv({"in_person": rows}, TODAY)
    assert "internal_ref" not in export.patient_csv({"in_person": rows}, TODAY)


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"distance_miles": 1593.04}, "1,593.0 miles"),
        ({"distance_miles": float("nan")}, ""),
        ({"distance_miles": None}, ""),
    ],
)
def test_distance_text(fields, text) -> None:
    assert facts.distance_text(clinic(**fields)) == text


@pytest.mark.parametrize(
    ("last_verified", "text", "stale"),
    [
        ("2026-09-14", "Last verified 14 Sep 2026", False),
        ("2025-11-20", "Last verified 20 Nov 2025", False),
        ("2025-11-19", "Last verified 19 Nov 2025, over a year ago: call to confirm", True),
        ("", "Never verified: call to confirm the details", True),
        ("14/09/2026", "Verification date unknown: call to confirm", True),
    ],
)
def test_verification(last_verified, text, stale) -> None:
    assert facts.verification(last_verified, TODAY) == facts.Verification(text, stale)


def test_at_home_providers_read_their_states_and_no_address() -> None:
    row = clinic(kind="telehealth", service_states="ALL")
    assert facts.address_text(row) == ""
    assert facts.states_text(row) == "all US states"
    assert facts.states_text(clinic(kind="telehealth", service_states="CO;NM")) == "CO, NM"
    assert facts.address_text(clinic()) == "1 Main St, Denver, CO 80202"


def test_an_address_reads_as_one_line() -> None:
    row = clinic(address="  1 Main St\n Suite  2 ", city="Denver\t", zip=float("nan"))
    assert facts.address_text(row) == "1 Main St Suite 2, Denver, CO"


def test_address_texts_is_address_text_of_every_row() -> None:
    rows = [
        clinic(),
        clinic(kind="telehealth", service_states="ALL"),
        clinic(address="", city=""),
        clinic(state="", zip=""),
        clinic(address="  2\n  Elm ", city=None, state=float("nan")),
        clinic(kind=None),
    ]
    table = pd.DataFrame(rows, index=[10, 3, 7, 1, 2, 5])  # any index, as search results
    column = facts.address_texts(table)
    assert list(column.index) == list(table.index)
    assert column.tolist() == [facts.address_text(row) for _, row in table.iterrows()]
    assert column.tolist()[:2] == ["1 Main St, Denver, CO 80202", ""]
    assert facts.address_texts(table.drop(columns=["address", "zip"])).iloc[0] == "Denver, CO"


# --- in Spanish ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "heading", "english", "spanish"),
    [
        ({"distance_miles": 1593.04}, "Distance", "1,593.0 miles", "1,593.0 millas"),
        ({"distance_miles": 3.21}, "Distance", "3.2 miles", "3.2 millas"),
        (
            {"price_per_session_usd": 1550.0},
            "Price",
            "About $1,550 a session",
            "Alrededor de $1,550 por sesión",
        ),
        (
            {"price_per_session_usd": 550.0, "kind": "telehealth", "service_states": "ALL"},
            "Price",
            "About $550 a month",
            "Alrededor de $550 al mes",
        ),
        (
            {"price_per_session_usd": float("nan")},
            "Price",
            "Price not listed: ask the clinic",
            "Precio no indicado: pregunte a la clínica",
        ),
        (
            {"kind": "telehealth", "service_states": "ALL"},
            "Serves at home in",
            "all US states",
            "todos los estados de EE. UU.",
        ),
        ({"payment": ""}, "Payment", "ask the clinic", "pregunte a la clínica"),
        ({"va_coverage": ""}, "VA", "VA coverage unknown", "Cobertura del VA desconocida"),
        ({"therapist_requirement": ""}, "Therapist", "ask the clinic", "pregunte a la clínica"),
        (
            {"last_verified": "2026-09-14"},
            "Verified",
            "Last verified 14 Sep 2026",
            "Verificado por última vez el 14 de septiembre de 2026",
        ),
        (
            {"last_verified": "2024-12-01"},
            "Verified",
            "Last verified 1 Dec 2024, over a year ago: call to confirm",
            "Verificado por última vez el 1 de diciembre de 2024, hace más de un año: "
            "llame para confirmar",
        ),
        (
            {"last_verified": ""},
            "Verified",
            "Never verified: call to confirm the details",
            "Nunca verificado: llame para confirmar los datos",
        ),
        (
            {"last_verified": "someday"},
            "Verified",
            "Verification date unknown: call to confirm",
            "Fecha de verificación desconocida: llame para confirmar",
        ),
    ],
)
def test_facts_are_worded_in_the_active_language(
    fields: dict[str, object], heading: str, english: str, spanish: str
) -> None:
    row = clinic(**fields)
    assert facts.fact_text(heading, row, TODAY) == english
    with i18n.using("es"):
        assert facts.fact_text(heading, row, TODAY) == spanish
    assert facts.fact_text(heading, row, TODAY) == english  # nothing is kept across languages


def test_the_insurers_sentence_is_translated_but_the_insurers_are_not() -> None:
    row = clinic(payment="", insurers="Aetna; Cigna")
    assert facts.payment_text(row) == "ask the clinic; insurers named: Aetna; Cigna"
    with i18n.using("es"):
        assert facts.payment_text(row) == (
            "pregunte a la clínica; aseguradoras indicadas: Aetna; Cigna"
        )


def test_headings_stay_english_keys_and_are_shown_translated() -> None:
    row = clinic(distance_miles=2.0)
    with i18n.using("es"):
        pairs = facts.facts_of(row, TODAY, ["Phone", "Distance"])
        assert [heading for heading, _text in pairs] == ["Phone", "Distance"]
        assert [facts.heading_text(h) for h, _text in pairs] == ["Teléfono", "Distancia"]
        assert facts.heading_text("Verified") == "Verificado"
        shown = {facts.heading_text(fact.heading) for fact in facts.FACTS}
    assert len(shown) == len(facts.FACTS)  # no two headings read the same in Spanish
    english = [facts.heading_text(fact.heading) for fact in facts.FACTS]
    assert english == [fact.heading for fact in facts.FACTS]
