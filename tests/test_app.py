"""The Streamlit app through AppTest: flows, URL parameters, safety text, bad input."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import row, telehealth_row
from conftest import start_app as start
from streamlit.testing.v1 import AppTest
from test_content import content_texts
from test_content import sentences as content_sentences
from test_content import visible_words as content_visible

from directory import i18n, schema
from directory.csvfile import write_csv_text
from directory.dataset import load_clinics
from directory.geocoding import resolve_place
from directory.safetext import WORD_JOINER
from directory.search import SearchQuery, index_clinics, search

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
TIMEOUT = 60


pytestmark = pytest.mark.usefixtures("shipped_data")


def plain(markdown: str) -> str:
    """What a reader sees of escaped text: the backslashes go, and the invisible word
    joiners that keep addresses from being autolinked (directory.safetext)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [s.value for s in (*at.header, *at.subheader)]
    parts += [e.value for e in (*at.info, *at.warning, *at.error, *at.success, *at.caption)]
    return "\n".join(plain(str(p)) for p in parts)


def shown_count(at: AppTest) -> int:
    sentence = next(s.value for s in at.header if " within " in s.value)
    return int(sentence.split()[0].replace(",", ""))


def expected_count(radius_miles: float = 25.0, **filters: object) -> int:
    loaded = load_clinics(REPO / "data/clinics.csv")
    query = SearchQuery(resolve_place("80202"), radius_miles, filters)  # type: ignore[arg-type]
    return len(search(index_clinics(loaded.usable()), query).in_person)


def test_empty_form_shows_a_prompt_the_crisis_line_and_the_sample_note():
    at = start()
    assert not at.exception
    page = texts(at)
    assert "988" in at.error[0].value
    assert "838255" in at.error[0].value
    assert "ZIP" in page
    assert "fictional" in page.lower()
    assert " within " not in page


def test_url_parameters_fill_the_controls_and_run_the_search():
    at = start(near="80202", modality=["iv", "nasal"], va="1", radius="50")
    assert not at.exception
    assert at.text_input(key="near").value == "80202"
    assert at.multiselect(key="modality").value == ["iv", "nasal"]
    assert at.checkbox(key="va").value is True
    assert at.select_slider(key="radius").value == 50
    assert shown_count(at) == expected_count(radius_miles=50, modality=("iv", "nasal"), va=True)
    assert "Denver, CO 80202" in texts(at)


def test_changing_controls_updates_the_url():
    at = start()
    at.text_input(key="near").input("Denver, CO").run()
    at.checkbox(key="accepting").check().run()
    params = {k: [v] if isinstance(v, str) else list(v) for k, v in at.query_params.items()}
    assert params == {"near": ["Denver, CO"], "accepting": ["1"]}
    assert not at.exception


@pytest.mark.parametrize(
    ("key", "value", "filters"),
    [
        ("modality", ["nasal"], {"modality": ("nasal",)}),
        ("condition", ["ptsd", "anxiety"], {"condition": ("ptsd", "anxiety")}),
        ("payment", ["tricare"], {"payment": ("tricare",)}),
        ("va", True, {"va": True}),
        ("no_therapist", True, {"no_therapist": True}),
        ("accepting", True, {"accepting": True}),
        ("max_price", 500, {"max_price": 500.0}),
        ("name", "harbor", {"name": "harbor"}),
        ("radius", 100, {"radius_miles": 100.0}),
    ],
)
def test_each_filter_changes_the_list_as_the_engine_says(key, value, filters):
    at = start(near="80202")
    before = shown_count(at)
    if key in ("modality", "condition", "payment"):
        at.multiselect(key=key).set_value(value).run()
    elif key in ("va", "no_therapist", "accepting"):
        at.checkbox(key=key).check().run()
    elif key == "max_price":
        at.number_input(key=key).set_value(value).run()
    elif key == "name":
        at.text_input(key=key).input(value).run()
    else:
        at.select_slider(key=key).set_value(value).run()
    assert not at.exception
    after = shown_count(at)
    assert after == expected_count(**filters)
    assert before == expected_count()


def test_bad_parameters_are_ignored_with_a_notice():
    at = start(near="80202", modality="laughing_gas", radius="far", va="maybe", max_price="cheap")
    assert not at.exception
    notices = plain(" ".join(i.value for i in at.info))
    assert "laughing_gas" in notices
    assert "distance" in notices
    assert shown_count(at) == expected_count()


@pytest.mark.parametrize(
    ("place", "message"),
    [
        ("Brooklin, NY", "Did you mean Brooklyn, NY?"),
        ("Adel", "Add the state"),
        ("zzzz", "ZIP"),
        ("99999", "ZIP"),
    ],
)
def test_unknown_places_get_a_friendly_message(place, message):
    at = start(near=place)
    assert not at.exception
    assert message in " ".join(w.value for w in at.warning)


def test_a_suggestion_button_runs_that_search():
    at = start(near="Brooklin, NY")
    (button,) = [b for b in at.button if b.label == "Search near Brooklyn, NY"]
    button.click().run()
    assert at.text_input(key="near").value == "Brooklyn, NY"
    assert "Brooklyn, NY" in texts(at)


def test_empty_state_names_the_nearest_clinic_and_a_filter_to_relax():
    at = start(near="Nome, AK", radius="5")
    assert not at.exception
    page = texts(at)
    assert "There is no clinic in our list within 5 miles of Nome, AK" in page
    assert "The nearest that matches is" in page
    at = start(near="80202", radius="5", name="zzzz-no-such-clinic")
    assert 'matches your filter: Name has "zzzz-no-such-clinic"' in texts(at)
    relax = at.button(key="relax-name")
    assert relax.label.startswith("Any clinic name: ")
    relax.click().run()
    assert shown_count(at) > 0
    assert "name" not in at.query_params


def use_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *rows: dict[str, str]) -> Path:
    """Point the app at a CSV of these rows (written by the same code the app saves with)."""
    path = tmp_path / "clinics.csv"
    path.write_text(write_csv_text(pd.DataFrame(list(rows), columns=list(schema.COLUMN_NAMES))))
    monkeypatch.setenv("CLINICS_CSV", str(path))
    return path


def test_hostile_clinic_names_render_as_text(tmp_path, monkeypatch):
    use_data(
        tmp_path,
        monkeypatch,
        row(
            id="evil",
            name="<img src=x onerror=alert(1)> [x](javascript:alert(1))",
            latitude="",
            longitude="",
            website="https://evil.example.com",
        ),
    )
    at = start(near="80202")
    assert not at.exception
    titles = [m.value.split("\n", 1)[0] for m in at.markdown if m.value.startswith("### ")]
    assert titles == [
        "### \\<img src\\=x onerror\\=alert\\(1\\)\\> \\[x\\]\\(javascript\\:\u2060alert"
        "\\(1\\)\\) · 0.0 mi"
    ]
    assert_html_only_for_the_stylesheet(at)


def test_about_page_has_the_crisis_line_and_the_evidence():
    at = start()
    at.switch_page("directory/ui/pages/about_ketamine_care.py").run()
    assert not at.exception
    assert "988" in at.error[0].value
    page = texts(at)
    assert "24740528" in page
    assert "67%" in page


def english_sentences_of_the_shared_text() -> list[str]:
    """Each English sentence of the crisis line, About page, notes and footer (content)."""
    with i18n.using("en"):
        texts = content_texts()
    found = {
        plain(s) for text in texts.values() for s in content_sentences(text) if len(s.split()) > 3
    }
    # Shared with the vocabularies (the About page's term lists): not this text's to check.
    return sorted(found - set(term_sentences()))


def term_sentences() -> list[str]:
    terms = [*schema.TRAUMA_THERAPIES.terms, *schema.THERAPIST_REQUIREMENT.terms]
    return [plain(s) for t in terms for s in content_sentences(f"**{t.label}:** {t.help}")]


@pytest.mark.parametrize("page", ["find", "about"])
def test_the_shared_text_is_in_spanish_with_lang_es(page):
    at = start(lang="es")
    if page == "about":
        at.switch_page("directory/ui/pages/about_ketamine_care.py").run()
    assert not at.exception
    crisis = at.error[0].value
    assert "oprima 2" in crisis
    assert "(sms:988?&body=AYUDA)" in crisis
    shown = texts(at) + "\n" + "\n".join(str(t.value) for t in at.title)
    if page == "about":
        with i18n.using("es"):
            assert i18n.gettext("About ketamine care") in shown
        assert "Qué es la ketamina y cómo puede actuar" in shown
        assert "27.5 días" in shown
    else:
        assert "Cómo buscar" in shown
        assert "Solo datos de ejemplo." in shown
    assert "No es consejo médico." in shown
    assert "Sin rastreo" in shown
    visible = " ".join(content_visible(shown).split())  # soft wraps join, as in sentences()
    left = [s for s in english_sentences_of_the_shared_text() if s in visible]
    assert not left


def test_missing_data_file_gives_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINICS_CSV", str(tmp_path / "missing.csv"))
    at = start(near="80202")
    assert not at.exception
    assert "cannot be loaded" in " ".join(e.value for e in at.error)


@pytest.mark.parametrize(
    "params",
    [
        {"near": "[Call 1-800-FAKE now](https://evil.example/x)"},
        {"near": "80202", "modality": "[Crisis help](https://evil.example)"},
        {"near": "80202", "radius": "[x](https://evil.example)"},
    ],
)
def test_text_from_a_shared_link_never_becomes_a_live_link(params):
    at = start(**params)
    assert not at.exception
    shown = [m.value for m in (*at.warning, *at.info)]
    assert any("https://evil" in plain(text) for text in shown)
    for text in shown:
        assert not re.search(r"(?<!\\)\]\(", text), text  # no unescaped "](" opens a link


def test_a_bad_tiles_setting_falls_back_to_no_tiles(monkeypatch):
    monkeypatch.setenv("CLINIC_FINDER_TILES_URL", "ftp://tiles.example/{z}/{x}/{y}.png")
    at = start(near="80202")
    assert not at.exception
    assert " within " in texts(at)


def test_a_saved_change_shows_on_the_next_interaction(tmp_path, monkeypatch):
    first = row(id="a", name="First Clinic")
    path = use_data(tmp_path, monkeypatch, first)
    at = start(near="80202")
    assert "First Clinic" in texts(at)
    assert use_data(tmp_path, monkeypatch, first, row(id="b", name="Second Clinic")) == path
    at.run()
    assert "Second Clinic" in texts(at)
    assert shown_count(at) == 2


def test_an_unusable_data_file_says_so_instead_of_no_clinics(tmp_path, monkeypatch):
    path = tmp_path / "clinics.csv"
    path.write_bytes(b"\x7fELF\x00\x00 binary")
    monkeypatch.setenv("CLINICS_CSV", str(path))
    at = start(near="80202")
    assert not at.exception
    assert "cannot be loaded" in " ".join(e.value for e in at.error)
    assert " within " not in texts(at)


def test_a_fifo_as_the_data_file_is_a_message_not_a_hung_page(tmp_path, monkeypatch):
    """issue 12 finding 4: with CLINICS_CSV pointing at a FIFO the page spun forever."""
    path = tmp_path / "clinics.csv"
    os.mkfifo(path)
    monkeypatch.setenv("CLINICS_CSV", str(path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)  # a hang fails after TIMEOUT
    at.query_params["near"] = "80202"
    at.run()
    assert not at.exception
    assert "cannot be loaded" in " ".join(e.value for e in at.error)


def test_clearing_the_price_box_removes_the_limit():
    at = start(near="80202")
    unfiltered = shown_count(at)
    at.number_input(key="max_price").set_value(300).run()
    assert shown_count(at) == expected_count(max_price=300.0) < unfiltered
    at.number_input(key="max_price").set_value(None).run()
    assert shown_count(at) == unfiltered
    assert "max_price" not in at.query_params


def test_compared_clinics_from_an_old_search_do_not_block_a_new_one():
    at = start(near="80202")
    boxes = [c for c in at.checkbox if c.key and c.key.startswith("compare-")][:3]
    for box in boxes:
        box.check().run()
    assert all(
        c.disabled for c in at.checkbox if c.key and c.key.startswith("compare-") and not c.value
    )
    at.text_input(key="near").input("10001").run()
    fresh = [c for c in at.checkbox if c.key and c.key.startswith("compare-")]
    assert fresh
    assert not any(c.disabled for c in fresh)


# --- where the patient is: a state, at-home care only, nothing within reach -----------------


def test_a_state_shows_its_at_home_providers_first_then_its_clinics():
    for at in (start(near="Colorado"), start(state="CO")):
        assert not at.exception
        headers = [h.value for h in at.header]
        assert headers[0].endswith("at-home (telehealth) providers are licensed in CO")
        assert any(h.endswith("clinics in Colorado") for h in headers[1:])
        titles = [m.value.split("\n", 1)[0] for m in at.markdown if m.value.startswith("### ")]
        assert titles
        assert " mi" not in " ".join(titles)
        assert at.query_params["near"] == "Colorado" or at.query_params["near"] == "CO"


def test_at_home_only_leads_with_the_states_providers_and_no_far_clinics():
    at = start(near="80202", modality="at_home")
    assert not at.exception
    page = texts(at)
    assert at.header[0].value.endswith("licensed in CO")
    assert "miles away" not in page
    assert "Nearest matching clinics" not in page


def test_nothing_within_reach_says_so_and_points_to_at_home_care_and_the_va():
    at = start(near="80202", radius="5", modality="oral", va="1", max_price="100")
    assert not at.exception
    page = texts(at)
    assert "Oral in clinic, Works with VA and Up to $100" in page
    assert "no clinic in our list within reach" in page
    assert "facility locator" in page
    assert "Nearest matching clinics" not in page


def test_a_bare_city_offers_the_others_of_that_name():
    at = start(near="denver")
    assert not at.exception
    assert "Denver, CO" in shown_count_sentence(at)
    others = [b.label for b in at.button if (b.key or "").startswith("alternative-")]
    assert others
    assert all(", " in label for label in others)
    at.button(key="alternative-0").click().run()
    assert at.text_input(key="near").value == others[0].replace("\\", "")


def shown_count_sentence(at: AppTest) -> str:
    return next(h.value for h in at.header if " within " in h.value or " in " in h.value)


def assert_html_only_for_the_stylesheet(at: AppTest) -> None:
    """HTML is allowed in exactly one Markdown element: the app's constant stylesheet."""
    from directory.ui.style import STYLESHEET

    with_html = [m.value for m in at.markdown if m.allow_html]
    assert with_html == [f"<style>{STYLESHEET.read_text(encoding='utf-8')}</style>"]


def test_at_home_providers_under_nearby_clinics_start_at_five(tmp_path, monkeypatch):
    """Below the clinics nearby, at-home care is the second answer: five, then the rest on
    request; when it leads, the usual ten, unless clinics follow (a whole state)."""
    homes = [
        telehealth_row(id=f"home-{n}", name=f"Home Care {n}", service_states="CO") for n in range(8)
    ]
    use_data(tmp_path, monkeypatch, row(), *homes)

    def at_home_titles(at: AppTest) -> list[str]:
        return [m.value for m in at.markdown if m.value.startswith("### Home Care")]

    at = start(near="80202")
    assert len(at_home_titles(at)) == 5
    more = next(b for b in at.button if b.label == "Show the other 3 providers")
    more.click().run()
    assert len(at_home_titles(at)) == 8
    assert len(at_home_titles(start(near="80202", modality="at_home"))) == 8  # they lead
    state = start(near="Colorado")  # they lead, with clinics below: five, and a way down
    assert len(at_home_titles(state)) == 5
    assert "[Skip to the 1 clinic you can visit](#clinics-in-person)" in texts(state)
