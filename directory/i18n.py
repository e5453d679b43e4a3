"""The patient pages' languages: gettext catalogs, the active language, dates and numbers.

Every sentence a patient reads is written in English in the code and looked up here:

* text built when it is shown goes through :func:`gettext` (imported as ``_``) or, when
  it counts something, :func:`ngettext`;
* text defined once at import time (a vocabulary's labels, a filter's words, the About
  page) is marked with :func:`N_`, which only marks it for ``pybabel extract``, and is
  translated where it is shown.

Placeholders are named, ``{count}``, and filled with ``str.format`` after the lookup, so a
translation may move them; ``tests/test_i18n.py`` checks both languages name the same ones.

The catalogs are ``directory/locale/<lang>/LC_MESSAGES/messages.po`` (``make i18n``
refreshes them with Babel). They are read from the ``.po`` files the first time a language
is used in a process, so there is no compiled file to go stale; fuzzy entries are left
out, as ``msgfmt`` would. Clinic data is never translated, and the admin page, the command
line and the validator stay in English (:data:`DEFAULT_LANGUAGE`, the source language).

The active language is per thread of work, a :class:`contextvars.ContextVar`: each page
run sets its own. Where nothing set it (Streamlit runs a widget's callback before the
page's script), a resolver the page installs answers, else English.
"""

from __future__ import annotations

import contextvars
import gettext as _gettext
import io
import math
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Final, Literal, TypeVar

LOCALE_DIR: Final = Path(__file__).with_name("locale")
DOMAIN: Final = "messages"
DEFAULT_LANGUAGE: Final = "en"
LANGUAGES: Final[Mapping[str, str]] = {"en": "English", "es": "Español"}
"""Each language's code and its name in that language (what the language switch shows)."""

# The CLDR locale of each language's dates and numbers. Spanish is US Spanish ("es_US"):
# a decimal point and thousands commas ("1,593.0 millas"), as in Mexico, Puerto Rico and
# US government pages in Spanish, and as the place box and price field take numbers. Spain's
# "1.593,0" would read as a different number to most of this site's Spanish readers.
_NUMBER_LOCALES: Final[Mapping[str, str]] = {"en": "en_US", "es": "es_US"}

_active: contextvars.ContextVar[str | None] = contextvars.ContextVar("language", default=None)
_resolver: Callable[[], str | None] | None = None
_catalogs: dict[str, _gettext.NullTranslations] = {}
_catalogs_lock = threading.Lock()
Made = TypeVar("Made")
_LANGUAGE_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$")


def N_(message: str) -> str:  # noqa: N802 (the name pybabel and xgettext look for)
    """Mark ``message`` for the catalog without translating it (it is translated when shown)."""
    return message


def language() -> str:
    """The language text is being written in now: set by :func:`activate`, else English."""
    chosen = _active.get()
    if chosen is None and _resolver is not None:
        chosen = _resolver()
    return chosen if chosen is not None and chosen in LANGUAGES else DEFAULT_LANGUAGE


def activate(code: str) -> None:
    """Write in ``code`` for the rest of this thread of work (a page run)."""
    _active.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)


def deactivate() -> None:
    """Forget this thread's language (the end of a page run): until a run sets its own, the
    resolver answers, so a widget's callback in a reused thread gets its own session's."""
    _active.set(None)


@contextmanager
def using(code: str) -> Iterator[None]:
    """Write in ``code`` inside the block (the admin page's English, tests)."""
    token = _active.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _active.reset(token)


def in_active_language(make: Callable[[], Made]) -> Callable[[], Made]:
    """``make``, to be run later (on any thread) in the language active now.

    Streamlit builds a deferred download in a worker thread when the patient clicks,
    outside the page run that set the language: without this the file would be English.
    """
    code = language()

    def made_in_language() -> Made:
        with using(code):
            return make()

    return made_in_language


def set_resolver(resolver: Callable[[], str | None] | None) -> None:
    """Where :func:`language` asks when nothing was activated (the page's session)."""
    global _resolver  # one process-wide hook, installed once by the page
    _resolver = resolver


def gettext(message: str) -> str:
    """``message`` in the active language (itself when there is no translation)."""
    code = language()
    if code == DEFAULT_LANGUAGE or not message:  # gettext("") is the catalog's header
        return message
    return catalog(code).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a counted message for ``count`` in the active language's plural rule."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return singular if count == 1 else plural
    return catalog(code).ngettext(singular, plural, count)


def catalog(code: str) -> _gettext.NullTranslations:
    """The translations of ``code``, read from its ``.po`` file once per process."""
    found = _catalogs.get(code)
    if found is None:
        with _catalogs_lock:
            found = _catalogs.get(code)
            if found is None:
                found = _catalogs[code] = _read_catalog(code)
    return found


def _read_catalog(code: str) -> _gettext.NullTranslations:
    if code == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        messages = read_po(handle, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, messages, use_fuzzy=False)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def preload() -> None:
    """Read every catalog now (the server's warm-up), not during a patient's first visit."""
    for code in LANGUAGES:
        catalog(code)
    format_date(date(2000, 1, 1))
    format_number(1.0)


def language_from_tag(tag: object) -> str | None:
    """The supported language a code or browser tag names (``es``, ``es-MX``), else None."""
    if not isinstance(tag, str):
        return None
    match = _LANGUAGE_TAG.match(tag[:40])
    if match is None:
        return None
    code = match.group(1).lower()
    return code if code in LANGUAGES else None


def join_words(items: Sequence[str], *, last: Literal["and", "or"] = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (or ``... or c``) in the active language."""
    if len(items) <= 1:
        return items[0] if items else ""
    if last == "or":  # noqa: SIM108 (each message keeps its own translator comment)
        # TRANSLATORS: the end of a list of choices: "iv, im, nasal, oral or at_home".
        template = gettext("{items} or {last}")
    else:
        # TRANSLATORS: the end of a list: "IV infusion, Works with VA and Up to $100".
        template = gettext("{items} and {last}")
    return template.format(items=", ".join(items[:-1]), last=items[-1])


# ---------------------------------------------------------------- dates and numbers


def format_date(when: date) -> str:
    """A date as patients read it: ``14 Sep 2026``, ``14 de septiembre de 2026``."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return f"{when.day} {when:%b %Y}"
    from babel.dates import format_date as babel_date

    return str(babel_date(when, format="long", locale=_NUMBER_LOCALES[code]))


def format_number(number: float, decimals: int = 0) -> str:
    """A number with the language's separators (``1,593.0`` in both English and US Spanish)."""
    code = language()
    if code == DEFAULT_LANGUAGE or not math.isfinite(number):
        return f"{number:,.{decimals}f}"
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return str(format_decimal(number, format=pattern, locale=_NUMBER_LOCALES[code]))
