"""The "Find a clinic" page (directory/ui/find.py) and its "Use my location" button
(directory/ui/location.py) in Spanish, through AppTest; the English flows are in
tests/test_app.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import start_app as start

from directory import i18n
from directory.ui import find, location

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
TIMEOUT = 60


pytestmark = pytest.mark.usefixtures("shipped_data")


def test_results_in_spanish_keep_the_map_anchor_and_offer_the_other_places() -> None:
    at = start(lang="es", near="Denver")
    assert not at.exception
    assert [t.value for t in at.title] == ["Encuentre una clínica de ketamina"]
    (map_heading,) = [h for h in at.header if h.value == "Mapa de estas clínicas"]
    assert map_heading.proto.anchor == find.MAP_ANCHOR == "map-of-these-clinics"
    markdown = [m.value for m in at.markdown]
    assert "[Mapa de estas clínicas](#map-of-these-clinics)" in markdown
    assert "¿No es Denver, CO? Pruebe con:" in markdown
    assert not any("Map of these clinics" in text or "Try:" in text for text in markdown)
    assert at.button(key="alternative-0").label == "Denver, IA"  # a place: not translated


def test_english_page_is_unchanged() -> None:
    at = start(lang="en", near="Denver")
    assert [t.value for t in at.title] == ["Find a ketamine clinic"]
    (map_heading,) = [h for h in at.header if h.value == "Map of these clinics"]
    assert map_heading.proto.anchor == "map-of-these-clinics"
    markdown = [m.value for m in at.markdown]
    assert "[Map of these clinics](#map-of-these-clinics)" in markdown
    assert "Not Denver, CO? Try:" in markdown


def test_a_place_not_found_in_spanish_offers_suggestions() -> None:
    at = start(lang="es", near="Brooklin, NY")
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "No encontramos “Brooklin, NY”" in warning
    assert "¿Quiso decir Brooklyn, NY" in warning
    (button,) = [b for b in at.button if b.label == "Buscar cerca de Brooklyn, NY"]
    button.click().run()
    assert at.text_input(key="near").value == "Brooklyn, NY"


def test_an_ambiguous_place_in_spanish() -> None:
    at = start(lang="es", near="Adel")
    warning = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in at.warning))  # unescaped
    assert "Hay lugares llamados Adel en" in warning
    assert "Agregue el estado, como Adel, GA." in warning
    assert any(b.label == "Buscar cerca de Adel, GA" for b in at.button)


def test_a_spanish_place_name_searches_the_same_place() -> None:
    at = start(lang="es", near="Nueva York")
    assert not at.exception
    assert any("New York, NY" in h.value for h in at.header)
    assert "¿No es New York, NY? Pruebe con:" in [m.value for m in at.markdown]
    assert at.button(key="alternative-0").label == "New York"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "en",
            {
                "label": "Use my location",
                "note": "Only when you press it: rounded to about 1 km, sent only to this "
                "site, never logged.",
                "finding": "Finding your location…",
                "failed": "We couldn't get your location. You can type your ZIP code or "
                "city instead.",
            },
        ),
        (
            "es",
            {
                "label": "Usar mi ubicación",
                "note": "Solo cuando lo presiona: se redondea a aproximadamente 1 km, se "
                "envía solo a este sitio y nunca se guarda en los registros.",
                "finding": "Buscando su ubicación…",
                "failed": "No pudimos obtener su ubicación. Puede escribir su código postal "
                "(ZIP) o su ciudad.",
            },
        ),
    ],
)
def test_the_location_buttons_words_follow_the_language(
    code: str, expected: dict[str, str]
) -> None:
    with i18n.using(code):
        assert location.texts() == expected


def test_the_location_component_holds_no_words_of_its_own() -> None:
    # Registered once per process: its words come with each run's data, in that run's language.
    for english in (location.BUTTON_LABEL, location.PRIVACY_NOTE, "Finding your location"):
        assert english not in location._HTML
        assert english not in location._JS
