"""The answer to a search in Spanish, through AppTest: headings, buttons, empty state, downloads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import start_app as start
from streamlit.testing.v1 import AppTest

from directory import i18n, listing, schema

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")


pytestmark = pytest.mark.usefixtures("shipped_data")


def headers(at: AppTest) -> list[str]:
    return [h.value for h in (*at.header, *at.subheader)]


def download_labels(at: AppTest) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]


def test_results_in_spanish():
    at = start(lang="es", near="80202")
    found = headers(at)
    assert re.fullmatch(r"\d+ clínicas en un radio de 25 millas de Denver, CO 80202", found[0])
    assert "También hay atención a domicilio en CO" in found
    assert "Llévese su lista" in found
    assert all(c.label.startswith("Comparar ") for c in at.checkbox if c.key.startswith("compare"))
    more = [b.label for b in at.button if (b.key or "").startswith("more-")]
    assert more
    assert all(label.startswith("Mostrar ") for label in more)
    labels = download_labels(at)
    assert re.fullmatch(r"Descargar las \d+ clínicas \(CSV\)", labels[0])
    assert labels[1] == "Lista para imprimir de las primeras 10 clínicas"
    captions = " ".join(c.value for c in at.caption)
    assert 'Marque "Comparar" en hasta 3 clínicas para verlas lado a lado.' in captions
    assert "Estos proveedores tienen licencia para atender a pacientes a domicilio" in captions


def test_the_empty_state_in_spanish():
    at = start(lang="es", near="80202", modality="iv", va="1", max_price="300")
    (info,) = [i.value for i in at.info]
    assert info.startswith("Ninguna clínica en un radio de 25 millas de Denver, CO 80202")
    markdown = " ".join(m.value for m in at.markdown)
    assert "**Para ver clínicas cercanas, pruebe:**" in markdown
    relax = [b.label for b in at.button if (b.key or "").startswith("relax-")]
    assert relax
    assert any(label.startswith("Quitar el límite de precio: ") for label in relax)
    assert all(" en un radio de " in label for label in relax)
    # An IV filter leaves no at-home provider: no pointer to them, the reason instead.
    assert "Quizás aún pueda recibir atención en casa" not in markdown
    assert "Ningún proveedor a domicilio (telesalud) de la lista coincide" in markdown
    for english in ("To see clinics", "Drop the price", "No clinic", "You may still"):
        assert english not in markdown + info + " ".join(relax)


def test_compare_side_by_side_in_spanish():
    at = start(lang="es", near="80202")
    for box in [c for c in at.checkbox if c.key.startswith("compare-card-in_person")][:2]:
        box.check().run()
    assert "Comparar lado a lado" in headers(at)
    assert download_labels(at)[1] == "Lista para imprimir de las 2 clínicas comparadas"
    (table,) = at.table
    treatments = [
        re.sub(r"\\(.)", r"\1", cell)  # the cells are escaped Markdown
        for cell in table.value.iloc[listing.COMPARISON_ROWS.index("Treatment")].tolist()
    ]
    with i18n.using("es"):
        spanish = set(schema.MODALITIES.labels.values())
    assert treatments
    assert all(set(cell.split(", ")) <= spanish for cell in treatments), treatments


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_sentence_points_to_at_home_providers_when_none_matches(lang):
    """Found in a trial: "see the at-home providers below" above "no provider matches"."""
    at = start(lang=lang, near="80202", modality="oral", radius="5", va="1")
    assert not at.exception
    with i18n.using(lang):
        below = i18n.gettext(
            "You may still find care at home: see the at-home (telehealth) providers below."
        )
        also = i18n.gettext("Also available at home in {state}").format(state="CO")
        none = i18n.gettext(
            "No at-home (telehealth) provider in the list matches your filters in {state}."
        ).format(state="CO")
    shown = [str(m.value) for m in at.markdown] + headers(at)
    assert any(none in text for text in shown)
    assert not any(below in text for text in shown)
    assert also not in headers(at)
