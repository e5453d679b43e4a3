"""The search's state rules, through AppTest: URL in, URL out, history, page changes, defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import start_app as start
from conftest import url_params as url
from streamlit.testing.v1 import AppTest

from directory.filters import DEFAULT_RADIUS_MILES
from directory.ui import search_state

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")


pytestmark = pytest.mark.usefixtures("shipped_data")


def summary(at: AppTest) -> str:
    return next(h.value for h in at.header if " within " in h.value)


def test_a_shared_link_fills_every_control_and_stays_in_the_url():
    at = start(near="80202", radius="50", modality=["nasal", "iv"], va="1", max_price="600")
    assert not at.exception
    assert at.text_input(key="near").value == "80202"
    assert at.select_slider(key="radius").value == 50
    assert at.multiselect(key="modality").value == ["iv", "nasal"]
    assert at.checkbox(key="va").value is True
    assert at.number_input(key="max_price").value == 600
    # Canonical order, defaults left out.
    assert url(at) == {
        "near": ["80202"],
        "radius": ["50"],
        "modality": ["iv", "nasal"],
        "va": ["1"],
        "max_price": ["600"],
    }


def test_the_default_distance_is_one_value_everywhere():
    at = start(near="80202")
    assert at.select_slider(key="radius").value == DEFAULT_RADIUS_MILES
    assert "radius" not in url(at)
    at.switch_page("directory/ui/pages/about_ketamine_care.py").run()
    at.switch_page("directory/ui/pages/find_a_clinic.py").run()
    assert at.select_slider(key="radius").value == DEFAULT_RADIUS_MILES
    assert url(at) == {"near": ["80202"]}


def test_the_search_survives_another_page():
    at = start(near="82401", va="1", radius="100")
    before = summary(at)
    at.switch_page("directory/ui/pages/about_ketamine_care.py").run()
    assert not at.exception
    at.switch_page("directory/ui/pages/find_a_clinic.py").run()
    assert not at.exception
    assert summary(at) == before
    assert at.text_input(key="near").value == "82401"
    assert at.checkbox(key="va").value is True
    assert url(at) == {"near": ["82401"], "radius": ["100"], "va": ["1"]}


def test_each_change_is_written_to_the_url():
    at = start()
    at.text_input(key="near").input("Denver, CO").run()
    at.checkbox(key="accepting").check().run()
    at.select_slider(key="radius").set_value(10).run()
    assert url(at) == {"near": ["Denver, CO"], "radius": ["10"], "accepting": ["1"]}


def test_back_or_forward_reads_the_search_from_the_url(monkeypatch: pytest.MonkeyPatch):
    at = start(near="80202", va="1")
    # The browser went back to an entry for another search: the URL changed under the page.
    at.query_params.clear()
    at.query_params["near"] = "99501"
    monkeypatch.setattr(search_state, "is_history_navigation", lambda: True)
    at.run()
    assert "Anchorage" in summary(at)
    assert at.text_input(key="near").value == "99501"
    assert at.checkbox(key="va").value is False
    assert url(at) == {"near": ["99501"]}


def test_an_ordinary_rerun_keeps_the_session_search_over_a_stale_url():
    at = start(near="80202")
    at.query_params["near"] = "99501"  # not a history navigation: the session's search wins
    at.run()
    assert "Denver" in summary(at)
    assert url(at) == {"near": ["80202"]}


def test_chips_remove_their_filter_and_clear_all_clears_every_filter():
    at = start(near="80202", modality=["iv", "nasal"], va="1")
    labels = [b.label for b in at.button if (b.key or "").startswith("chip-")]
    assert labels == [
        "IV infusion",
        "Nasal spray \\(esketamine / Spravato\\)",
        "Works with VA",
        "Clear all filters",
    ]
    assert summary(at).endswith("match your 3 filters")
    next(b for b in at.button if b.label == "IV infusion").click().run()
    assert url(at)["modality"] == ["nasal"]
    assert at.multiselect(key="modality").value == ["nasal"]
    at.button(key="chip-clear").click().run()
    assert url(at) == {"near": ["80202"]}
    assert at.checkbox(key="va").value is False
    assert "filter" not in summary(at)


def test_bad_url_values_are_dropped_with_a_notice_and_the_url_is_corrected():
    at = start(near="80202", modality="laughing_gas", radius="far")
    notices = " ".join(i.value for i in at.info)
    assert "laughing" in notices
    assert "distance" in notices
    assert url(at) == {"near": ["80202"]}


def test_the_controls_chips_and_notices_in_spanish():
    at = start(lang="es", near="80202", modality=["iv"], max_price="1500", radius="far")
    assert at.text_input(key=search_state.PLACE_DRAFT).label == "Su código postal (ZIP) o ciudad"
    assert at.text_input(key=search_state.PLACE_DRAFT).placeholder == "p. ej., 80202 o Denver, CO"
    assert at.button(key="search-button").label == "Buscar"
    assert at.select_slider(key=search_state.RADIUS_KEY).label == "Distancia (millas)"
    assert at.multiselect(key="modality").label == "Tipo de tratamiento"
    assert at.multiselect(key="modality").options[0] == "Infusión intravenosa (IV)"
    assert at.number_input(key="max_price").label.startswith("Precio máximo por sesión")
    assert at.checkbox(key="va").label == "Trabaja con el VA (Community Care o centro del VA)"
    assert at.expander[0].label == "Filtre según lo que le importa (activos: 2)"
    chips = [b.label for b in at.button if (b.key or "").startswith("chip-")]
    assert chips == [
        "Infusión intravenosa \\(IV\\)",
        "Hasta \\$1,500",
        "Quitar todos los filtros",
    ]
    assert "**Filtros activos**" in " ".join(m.value for m in at.markdown)
    notices = " ".join(i.value for i in at.info)
    assert "Se ignoró la distancia" in notices
    assert "Ignored" not in notices
    # The search is the same one: switching the language keeps it.
    assert url(at)["modality"] == ["iv"]
    assert url(at)["lang"] == ["es"]
