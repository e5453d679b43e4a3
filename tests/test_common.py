"""What every page shares (directory.ui.common): its patient text in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from directory import i18n
from directory.errors import DataFileError, DirectoryError
from directory.safetext import escape_markdown
from directory.ui import common


def test_patients_read_the_unreadable_data_message_in_their_language() -> None:
    unreadable = DataFileError("clinics.csv: no such file")
    assert user_text(unreadable, "en") == (
        "The clinic list cannot be loaded right now. Please try again later. If you need "
        "help now, call or text 988."
    )
    spanish = user_text(unreadable, "es")
    assert spanish.startswith("No se puede cargar la lista de clínicas")
    assert "oprima 2" in spanish  # the 988 Lifeline's Spanish line
    assert "AYUDA" in spanish
    assert "clinics.csv" not in spanish  # patients get no path


def test_an_unexpected_error_is_a_sentence_in_the_patients_language() -> None:
    odd = DirectoryError("[x](https://evil.example)")
    escaped = escape_markdown(str(odd))
    assert user_text(odd, "en") == f"Sorry, something went wrong: {escaped}"
    # The message is escaped after the translated template is filled: no live link.
    assert user_text(odd, "es") == f"Lo sentimos, algo salió mal: {escaped}"
    assert "](" not in user_text(odd, "es")


def test_admins_keep_english_whatever_the_language() -> None:
    unreadable = DataFileError("clinics.csv: no such file")
    with i18n.using("es"):
        assert common.user_message(unreadable, for_admin=True).startswith(
            "The data file cannot be read: "
        )


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Loading the clinic list…"), ("es", "Cargando la lista de clínicas…")],
)
def test_loading_the_data_says_so_in_the_page_language(
    language: str, text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The spinner is shown by get_directory (not fixed in the cache decorator at import),
    # so it follows the language; the version just loaded is not announced again.
    data = tmp_path / "clinics.csv"
    data.write_bytes(Path("data/clinics.csv").read_bytes())
    monkeypatch.setenv(common.DATA_ENV, str(data))
    shown: list[str] = []

    class Recorder:
        def __init__(self, message: str) -> None:
            shown.append(message)

        def __enter__(self) -> None:
            return None

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(common.st, "spinner", Recorder)
    monkeypatch.setattr(common, "_shown_version", None)
    with i18n.using(language):
        first = common.get_directory()
        again = common.get_directory()
    assert shown == [text]
    assert again is first


def user_text(error: Exception, language: str) -> str:
    with i18n.using(language):
        return common.user_message(error)  # type: ignore[arg-type]
