"""directory.i18n: the catalogs are complete and consistent, and the language helpers."""

from __future__ import annotations

import concurrent.futures
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from directory import i18n
from directory.i18n import LANGUAGES, N_, gettext, language_from_tag, ngettext, using

REPO = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:[:!][^{}]*)?\}")
UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
TRANSLATED = [code for code in LANGUAGES if code != i18n.DEFAULT_LANGUAGE]


def read_catalog(code: str) -> Catalog:
    path = i18n.LOCALE_DIR / code / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=code)


def messages(code: str) -> list[Message]:
    return [message for message in read_catalog(code) if message.id]


def forms(message: Message) -> list[str]:
    """The English forms of a message (one, or singular and plural)."""
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def translations(message: Message) -> list[str]:
    strings = message.string
    return list(strings) if isinstance(strings, tuple | list) else [strings]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def source_messages() -> set[str]:
    """Every message marked in the code now (what ``make i18n`` would extract)."""
    method_map = [("app.py", "python"), ("directory/**.py", "python")]
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map=method_map
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


# ---------------------------------------------------------------- the catalogs


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(code):
    missing = [m.id for m in messages(code) if not all(s.strip() for s in translations(m))]
    fuzzy = [m.id for m in messages(code) if m.fuzzy]
    assert not missing, f"{len(missing)} untranslated in {code}: {missing[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {code}: {fuzzy[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_placeholders_match_between_the_languages(code):
    wrong = []
    for message in messages(code):
        wanted = set().union(*(placeholders(form) for form in forms(message)))
        for string in translations(message):
            # A plural's "one" form may say "1" instead of {count}; nothing else may differ.
            got = placeholders(string)
            if got != wanted and not (message.pluralizable and got <= wanted):
                wrong.append((message.id, sorted(wanted), sorted(got)))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_formats_in_both_languages(code):
    """A stray brace in a translation would raise in ``.format()``: a traceback for a patient.

    Each message is filled the way the code fills it (the English placeholders' names); a
    message without placeholders holds no brace at all, in case the code formats it.
    """
    for message in messages(code):
        names = set().union(*(placeholders(form) for form in forms(message)))
        if not names:
            assert not any(b in t for t in translations(message) for b in "{}"), message.id
            continue
        values = dict.fromkeys(names, 1)  # numbers and text alike ({miles:,.1f}, {name})
        for text in [*forms(message), *translations(message)]:
            text.format(**values)


@pytest.mark.parametrize("code", TRANSLATED)
def test_plurals_have_every_form_of_the_language(code):
    catalog = read_catalog(code)
    for message in messages(code):
        if message.pluralizable:
            assert len(translations(message)) == catalog.num_plurals, message.id


@pytest.mark.parametrize("code", TRANSLATED)
def test_links_and_markdown_survive_translation(code):
    """Every English link kept (Spanish may add one: 988's AYUDA text), no stray maths."""
    link = re.compile(r"\]\(([^)\s]+)\)")
    for message in messages(code):
        english = " ".join(forms(message))
        for string in translations(message):
            assert set(link.findall(english)) <= set(link.findall(string)), message.id
            assert len(UNESCAPED_DOLLAR.findall(string)) <= len(UNESCAPED_DOLLAR.findall(english))
            assert string.count("**") % 2 == 0, message.id


def test_the_catalog_holds_exactly_the_messages_in_the_code():
    """``make i18n`` was run after the last text change (no message lost or left over)."""
    in_catalog = {form for message in messages("es") for form in forms(message)[:1]}
    in_code = source_messages()
    assert in_code - in_catalog == set(), "run `make i18n` and translate the new messages"
    assert in_catalog - in_code == set(), "run `make i18n`: the catalog has stale messages"


def test_make_i18n_extracts_with_the_same_keywords_as_this_test():
    make = subprocess.run(
        ["make", "-n", "i18n"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert "pybabel -q extract -F babel.cfg" in make
    assert "pybabel -q update" in make


# ---------------------------------------------------------------- lookups


def test_english_is_the_source_text_and_spanish_comes_from_the_catalog():
    with using("en"):
        assert gettext("Find a clinic") == "Find a clinic"
    with using("es"):
        assert gettext("Find a clinic") not in ("", "Find a clinic")
        assert gettext("a message that is not in any catalog") == (
            "a message that is not in any catalog"
        )


@pytest.mark.parametrize(
    ("count", "english"), [(0, "clinics"), (1, "clinic"), (2, "clinics"), (1_000_000, "clinics")]
)
def test_ngettext_follows_each_language_plural_rule(count, english):
    with using("en"):
        assert ngettext("clinic", "clinics", count) == english


@pytest.mark.parametrize(("count", "form"), [(1, 0), (0, 2), (2, 2), (21, 2), (1_000_000, 1)])
def test_spanish_plurals_follow_cldr(count, form):
    """One, "many" (exact millions: "1 millón de clínicas") and other, for every message."""
    catalog = read_catalog("es")
    plural = [m for m in catalog if m.id and m.pluralizable]
    assert plural
    with using("es"):
        for message in plural:
            singular, many = message.id
            assert ngettext(singular, many, count) == message.string[form], message.id


def test_n_marks_without_translating():
    with using("es"):
        assert N_("Find a clinic") == "Find a clinic"


def test_using_restores_the_language_and_activate_refuses_unknown_codes():
    with using("es"):
        assert i18n.language() == "es"
        with using("en"):
            assert i18n.language() == "en"
        assert i18n.language() == "es"
        with using("klingon"):
            assert i18n.language() == i18n.DEFAULT_LANGUAGE


def test_the_resolver_answers_only_when_nothing_was_activated(monkeypatch):
    monkeypatch.setattr(i18n, "_resolver", lambda: "es")
    assert i18n.language() == "es"
    with using("en"):
        assert i18n.language() == "en"
    monkeypatch.setattr(i18n, "_resolver", lambda: "xx")
    assert i18n.language() == i18n.DEFAULT_LANGUAGE


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("es", "es"),
        ("ES", "es"),
        ("es-MX", "es"),
        ("es_US", "es"),
        ("es-419", "es"),
        (" en-US ", "en"),
        ("en", "en"),
        ("fr-FR", None),
        ("", None),
        ("e", None),
        ("es;q=0.9", None),
        ("<script>", None),
        ("es-" + "x" * 100, None),
        (None, None),
        (["es"], None),
    ],
)
def test_language_from_tag(tag, code):
    assert language_from_tag(tag) == code


@given(st.text(max_size=60))
def test_language_from_tag_never_fails_and_only_names_known_languages(text):
    assert language_from_tag(text) in (None, *LANGUAGES)


# ---------------------------------------------------------------- dates and numbers


@pytest.mark.parametrize(
    ("code", "when", "shown"),
    [
        ("en", date(2026, 12, 1), "1 Dec 2026"),
        ("en", date(2026, 9, 14), "14 Sep 2026"),
        ("es", date(2026, 12, 1), "1 de diciembre de 2026"),
        ("es", date(2026, 9, 14), "14 de septiembre de 2026"),
    ],
)
def test_format_date(code, when, shown):
    with using(code):
        assert i18n.format_date(when) == shown


@pytest.mark.parametrize(
    ("code", "number", "decimals", "shown"),
    [
        ("en", 1593.04, 1, "1,593.0"),
        ("es", 1593.04, 1, "1,593.0"),
        ("es", 1593, 0, "1,593"),
        ("es", 3.25, 1, "3.2"),  # half to even, like English's format()
        ("en", 3.25, 1, "3.2"),
        ("es", 12_500, 0, "12,500"),
        ("es", 0.0, 1, "0.0"),
    ],
)
def test_format_number(code, number, decimals, shown):
    with using(code):
        assert i18n.format_number(number, decimals) == shown


def test_work_deferred_to_another_thread_keeps_the_language_it_was_made_in():
    """A download button's file is built on a worker thread after the click."""
    with using("es"):
        spanish = i18n.in_active_language(lambda: gettext("Find a clinic"))
    english = i18n.in_active_language(lambda: gettext("Find a clinic"))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        made = [pool.submit(make).result() for make in (spanish, english)]
    with using("es"):
        assert made == [gettext("Find a clinic"), "Find a clinic"]
    assert made[0] != made[1]


def test_catalogs_are_read_once_per_process():
    assert i18n.catalog("es") is i18n.catalog("es")


def test_reading_the_catalog_needs_no_compiled_file(tmp_path):
    """A fresh clone has only the .po files: the app reads them, fuzzy entries left out."""
    script = (
        "from directory import i18n\n"
        "with i18n.using('es'):\n"
        "    print(i18n.gettext('Find a clinic'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() not in ("", "Find a clinic")
    assert not list(i18n.LOCALE_DIR.rglob("*.mo")), "compiled catalogs are not kept in the repo"
