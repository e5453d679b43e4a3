"""directory.ui.language through AppTest: the language from the URL or browser, kept, switched."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import streamlit as st
from conftest import start_app as start
from conftest import url_params as url
from streamlit.testing.v1 import AppTest

from directory.ui import language
from directory.ui.language import LANGUAGE_PARAM, SWITCH_KEY

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
ABOUT = "directory/ui/pages/about_ketamine_care.py"
ADMIN = "directory/ui/pages/for_admins.py"


pytestmark = pytest.mark.usefixtures("shipped_data")


def title(at: AppTest) -> str:
    return str(at.title[0].value)


def switch(at: AppTest) -> object:
    return at.segmented_control(key=SWITCH_KEY)


def test_lang_es_in_the_url_gives_spanish_pages():
    at = start(lang="es", near="80202")
    assert not at.exception
    assert switch(at).value == "es"
    assert title(at) != "Find a ketamine clinic"
    assert at.session_state[language.STATE] == "es"


@pytest.mark.parametrize("value", ["", "xx", "fr", "ES ", "es-MX", "<b>es</b>", "e" * 500])
def test_any_other_lang_value_is_read_without_a_notice(value):
    at = start(lang=value, near="80202")
    assert not at.exception
    wanted = "es" if value.strip().lower().startswith("es") and len(value) < 10 else "en"
    assert switch(at).value == wanted
    plain = start(near="80202", lang=wanted)
    notices = [str(e.value) for e in (*at.warning, *at.info)]
    assert notices == [str(e.value) for e in (*plain.warning, *plain.info)]


def test_without_lang_english_is_the_default():
    at = start(near="80202")
    assert switch(at).value == "en"
    assert title(at) == "Find a ketamine clinic"
    assert LANGUAGE_PARAM not in url(at)


def test_the_browser_language_is_the_default_when_the_url_names_none(monkeypatch):
    monkeypatch.setattr(st, "context", SimpleNamespace(locale="es-MX"))
    at = start(near="80202")
    assert not at.exception
    assert switch(at).value == "es"
    # The browser already says Spanish: the link keeps it anyway, for whoever it is sent to.
    assert url(at)[LANGUAGE_PARAM] == ["es"]


def test_a_spanish_browser_that_chose_english_keeps_english_in_the_link(monkeypatch):
    monkeypatch.setattr(st, "context", SimpleNamespace(locale="es-US"))
    at = start(near="80202", lang="en")
    assert switch(at).value == "en"
    assert url(at)[LANGUAGE_PARAM] == ["en"]


def test_switching_language_keeps_the_search_and_puts_it_in_the_link():
    at = start(near="80202", modality="iv")
    english_title = title(at)
    switch(at).set_value("es").run()
    assert not at.exception
    assert title(at) != english_title
    assert at.text_input(key="near").value == "80202"
    assert at.multiselect(key="modality").value == ["iv"]
    assert url(at) == {"near": ["80202"], "modality": ["iv"], LANGUAGE_PARAM: ["es"]}
    switch(at).set_value("en").run()
    assert title(at) == english_title
    assert LANGUAGE_PARAM not in url(at)
    assert url(at)["near"] == ["80202"]


def test_clicking_the_chosen_language_again_keeps_it():
    at = start(lang="es")
    switch(at).set_value(None).run()
    assert not at.exception
    assert switch(at).value == "es"


def test_the_language_follows_to_the_about_page_and_its_link():
    at = start(lang="es")
    at.switch_page(ABOUT).run()
    assert not at.exception
    assert switch(at).value == "es"
    assert url(at).get(LANGUAGE_PARAM) == ["es"]


def test_the_about_page_writes_the_language_into_its_own_link(monkeypatch):
    # Opened straight on About by a Spanish browser: no search page wrote the URL before.
    monkeypatch.setattr(st, "context", SimpleNamespace(locale="es-MX"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(ABOUT).run()
    assert not at.exception
    assert url(at) == {LANGUAGE_PARAM: ["es"]}


def test_the_admin_page_stays_in_english_and_has_no_switch():
    at = start(lang="es")
    at.switch_page(ADMIN).run()
    assert not at.exception
    assert not at.segmented_control
    assert title(at) == "For admins"
    assert str(at.error[0].value).startswith("**In crisis?**")  # its crisis line too
    # Back on a patient page, the session's Spanish returns.
    at.switch_page("directory/ui/pages/find_a_clinic.py").run()
    assert switch(at).value == "es"
    assert str(at.error[0].value).startswith("**¿Está en crisis?**")


@pytest.mark.parametrize("value", ["fr", "xx", "<b>es</b>"])
def test_an_unknown_lang_means_english_even_for_a_spanish_browser(monkeypatch, value):
    monkeypatch.setattr(st, "context", SimpleNamespace(locale="es-MX"))
    at = start(lang=value, near="80202")
    assert not at.exception
    assert switch(at).value == "en"
