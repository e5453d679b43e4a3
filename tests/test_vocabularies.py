"""The vocabularies' labels and help: English in the data, the patient's language on the page."""

from __future__ import annotations

import pytest

from directory import i18n, schema
from directory.vocabularies import Vocabulary

PATIENT_VOCABULARIES = (
    schema.MODALITIES,
    schema.CONDITIONS,
    schema.PAYMENT,
    schema.VA_COVERAGE,
    schema.THERAPIST_REQUIREMENT,
    schema.TRAUMA_THERAPIES,
    schema.ACCEPTING,
)
SAME_IN_SPANISH = frozenset({"Medicare", "Medicaid", "TRICARE", "EMDR"})
"""Program and therapy names written the same way in Spanish."""


@pytest.mark.parametrize("vocabulary", PATIENT_VOCABULARIES, ids=lambda v: v.name)
def test_every_label_and_help_a_patient_reads_is_in_spanish(vocabulary: Vocabulary) -> None:
    spanish = i18n.catalog("es")
    for term in vocabulary.terms:
        assert term.label in SAME_IN_SPANISH or spanish.gettext(term.label) != term.label
        if term.help:
            assert spanish.gettext(term.help) != term.help, term.code
        with i18n.using("es"):
            assert vocabulary.label_for(term.code) == term.shown_label()
            assert term.label.isascii() or "—" in term.label  # the field stays English


@pytest.mark.parametrize(
    ("vocabulary", "cell", "english", "spanish"),
    [
        (
            schema.CONDITIONS,
            "ptsd;ocd",
            ["PTSD", "OCD"],
            ["TEPT (trastorno de estrés postraumático)", "TOC (trastorno obsesivo-compulsivo)"],
        ),
        (schema.PAYMENT, "self_pay;sliding_scale", ["Self-pay", "Sliding scale"],
         ["Pago por cuenta propia", "Tarifa según ingresos"]),
        (schema.MODALITIES, "iv", ["IV infusion"], ["Infusión intravenosa (IV)"]),
    ],
)  # fmt: skip
def test_labels_follow_the_active_language(vocabulary, cell, english, spanish) -> None:
    assert vocabulary.labels_for(cell) == english
    with i18n.using("es"):
        assert vocabulary.labels_for(cell) == spanish
    assert vocabulary.labels_for(cell) == english


def test_the_label_dict_is_made_once_per_language() -> None:
    english = schema.VA_COVERAGE.labels
    with i18n.using("es"):
        spanish = schema.VA_COVERAGE.labels
        assert schema.VA_COVERAGE.labels is spanish
    assert schema.VA_COVERAGE.labels is english
    assert spanish["community_care"] == "Community Care del VA (requiere una remisión del VA)"
    assert english["community_care"] == "VA Community Care (needs a VA referral)"


def test_spanish_help_for_the_about_page() -> None:
    (required,) = [t for t in schema.THERAPIST_REQUIREMENT.terms if t.code == "required"]
    with i18n.using("es"):
        assert required.shown_help().startswith("La clínica solo lo atiende")
        assert required.shown_label() == "Usted ya debe tener un terapeuta con licencia"
    assert required.shown_help() == required.help


def test_the_english_label_is_still_an_accepted_spelling_in_any_language() -> None:
    with i18n.using("es"):
        assert schema.PAYMENT.code_for("Sliding scale") == "sliding_scale"
        assert schema.CONDITIONS.code_for("PTSD") == "ptsd"


def test_patient_notices_name_the_kind_of_value_in_spanish() -> None:
    with i18n.using("es"):
        assert schema.MODALITIES.shown_noun() == "tipo de tratamiento"
        assert schema.PAYMENT.shown_noun() == "forma de pago"
    assert schema.MODALITIES.shown_noun() == schema.MODALITIES.noun == "modality"
