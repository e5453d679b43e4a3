"""Problem reports on the search page through AppTest: a report from a card and from the
compare view, the rate limit, the flag appearing and clearing, and a database that fails.

The database is a real SQLite file beside a data file in ``tmp_path``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from conftest import row
from streamlit.testing.v1 import AppTest

from directory import i18n, reports, schema
from directory.csvfile import write_csv_text
from directory.reports import ReportStore

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
TIMEOUT = 60
FIRST = "mile-high-ketamine-denver"
SECOND = "rocky-ketamine-denver"
FIRST_CONTROL = f"report-card-in_person-0-{FIRST}"


@pytest.fixture
def data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("CLINIC_FINDER_TILES_URL", "none")
    monkeypatch.delenv(reports.REPORTS_DB_ENV, raising=False)
    monkeypatch.delenv(reports.HOURLY_CAP_ENV, raising=False)
    rows = [
        row(),
        row(id=SECOND, name="Rocky Ketamine", address="2 Main St", phone="(303) 555-0177"),
    ]
    path = tmp_path / "clinics.csv"
    path.write_text(write_csv_text(pd.DataFrame(rows, columns=list(schema.COLUMN_NAMES))))
    monkeypatch.setenv("CLINICS_CSV", str(path))
    return path


@pytest.fixture
def db(data_file: Path) -> Path:
    """Where the app keeps reports by default: beside the data file."""
    return data_file.parent / reports.DEFAULT_FILE_NAME


def start(language: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["near"] = "80202"
    if language is not None:
        at.query_params["lang"] = language
    return at.run()


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def cards(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("### ")]


def report(
    at: AppTest, control: str, kind: str | None, note: str = "", *, language: str = "en"
) -> AppTest:
    at.button(key=f"{control}-open").click().run()
    # The radio finds a choice by its label, in this test's thread: in the page's language.
    with i18n.using(language):
        if kind is not None:
            at.radio(key=f"{control}-kind").set_value(kind)
        if note:
            at.text_area(key=f"{control}-note").input(note)
        return at.button(key=f"{control}-send").click().run()


def stored(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT clinic_id, kind, note, session, status FROM reports ORDER BY id"
        ).fetchall()


def alerts(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in (*at.success, *at.warning, *at.error))


def test_every_card_has_the_control_and_no_form_until_asked(data_file, db):
    at = start()
    no_exception(at)
    buttons = [b.key for b in at.button if b.key and b.key.endswith("-open")]
    assert len(buttons) == len(cards(at)) == 2
    assert not at.radio  # one small button per card; the form only where it was opened
    assert not db.exists()  # reading the page never creates the database


def test_a_report_from_a_card_is_saved_and_the_patient_thanked(data_file, db):
    at = start()
    note = "Rings out <b>every</b> time [call](https://evil.example.com)"
    at = report(at, FIRST_CONTROL, "wrong_phone", note)
    no_exception(at)
    assert reports.THANKS_MESSAGE in alerts(at)
    assert "People who look after this list review every report" in reports.THANKS_MESSAGE
    [(clinic, kind, text, session, status)] = stored(db)
    assert (clinic, kind, text, status) == (FIRST, "wrong_phone", note, "open")
    token = at.session_state[reports_ui_token()]
    assert session == token
    assert len(token) == 32
    with sqlite3.connect(db) as connection:
        columns = [c[1] for c in connection.execute("PRAGMA table_info(reports)")]
    # What a report holds, and nothing that says who or where the patient is.
    assert not {"name", "email", "ip", "location", "lat", "lon"} & set(columns)
    assert not at.radio  # the form closed
    assert cards(at)  # the search is still there


def reports_ui_token() -> str:
    from directory.ui import report as report_ui

    return report_ui.SESSION_TOKEN


def test_a_report_without_a_kind_asks_for_one_and_saves_nothing(data_file, db):
    at = report(start(), FIRST_CONTROL, None, "typed first")
    no_exception(at)
    assert "choose what is wrong" in alerts(at)
    assert at.radio(key=f"{FIRST_CONTROL}-kind")  # still open
    assert not db.exists()
    # Each try brings its message into view (focus moves to the form's box, style.focus):
    # on a phone it was left under the top bar, as if nothing had happened.
    focused = at.session_state["_focus_count"]
    at.button(key=f"{FIRST_CONTROL}-send").click().run()
    assert at.session_state["_focus_count"] == focused + 1


def test_the_fourth_report_in_ten_minutes_is_refused_calmly(data_file, db):
    at = start()
    for kind in ("wrong_phone", "closed", "other"):
        at = report(at, FIRST_CONTROL, kind)
        assert reports.THANKS_MESSAGE in alerts(at)
    at = report(at, f"report-card-in_person-1-{SECOND}", "other")
    no_exception(at)
    assert "limit" in alerts(at)
    assert "Nothing more was saved" in alerts(at).replace("\\", "")
    assert len(stored(db)) == 3


def test_the_hourly_cap_is_a_setting(data_file, db, monkeypatch):
    monkeypatch.setenv(reports.HOURLY_CAP_ENV, "1")
    ReportStore(db).submit(SECOND, "other", session="someone-else", known_ids={SECOND})
    at = report(start(), FIRST_CONTROL, "closed")
    no_exception(at)
    assert "a lot of reports" in alerts(at)
    assert len(stored(db)) == 1


def flag_notes(at: AppTest) -> list[str]:
    wanted = {kind.flag_note for kind in reports.KINDS if kind.flag_note}
    return [w.value for w in at.warning if w.value in wanted]


def test_the_flag_appears_with_two_sessions_and_clears_when_resolved(data_file, db):
    store = ReportStore(db)
    first = store.submit(FIRST, "wrong_phone", session="visitor-1", known_ids={FIRST})
    at = start()
    assert flag_notes(at) == []  # one visitor is not enough
    second = store.submit(FIRST, "wrong_phone", session="visitor-2", known_ids={FIRST})
    at.run()
    no_exception(at)
    phone_note = reports.kind_named("wrong_phone").flag_note
    assert flag_notes(at) == [phone_note]
    # On the card of the reported clinic only.
    assert phone_note == "Some visitors reported this phone number may be wrong. Call to confirm."
    store.resolve([first.id, second.id], action="fixed", who="Dana")
    at.run()
    no_exception(at)
    assert flag_notes(at) == []


def test_a_closed_flag_from_reports_made_on_the_page(data_file, db):
    ReportStore(db).submit(FIRST, "closed", session="earlier-visitor", known_ids={FIRST})
    at = report(start(), FIRST_CONTROL, "closed")
    no_exception(at)
    assert flag_notes(at) == [reports.kind_named("closed").flag_note]


def test_a_report_from_the_compare_view(data_file, db):
    at = start()
    for box in [c for c in at.checkbox if c.key and c.key.startswith("compare-")][:2]:
        box.check().run()
    controls = [b.key for b in at.button if b.key and b.key.startswith("report-compare-")]
    assert len(controls) == 2
    control = controls[1].removesuffix("-open")
    at = report(at, control, "wrong_price", "Price went up")
    no_exception(at)
    assert reports.THANKS_MESSAGE in alerts(at)
    [(clinic, kind, note, _, _)] = stored(db)
    assert (clinic, kind, note) == (SECOND, "wrong_price", "Price went up")


# --- in Spanish -------------------------------------------------------------------------------


def spanish(message: str) -> str:
    with i18n.using("es"):
        return i18n.gettext(message)


def test_the_report_form_and_its_messages_in_spanish(data_file, db, monkeypatch):
    monkeypatch.setenv(reports.HOURLY_CAP_ENV, "2")
    at = start("es")
    no_exception(at)
    assert at.button(key=f"{FIRST_CONTROL}-open").label == "Reportar un problema"
    at = report(at, FIRST_CONTROL, None, language="es")
    form = at.radio(key=f"{FIRST_CONTROL}-kind")
    assert form.label == "¿Qué está mal en la ficha de Mile High Ketamine Clinic?"
    assert form.options[0] == "El número de teléfono está mal"
    assert len(set(form.options)) == len(reports.KINDS)
    note = at.text_area(key=f"{FIRST_CONTROL}-note")
    assert note.label == "¿Hay algo más que debamos saber? (opcional)"
    assert note.placeholder.startswith("Por ejemplo")
    assert note.help == spanish(report_ui().NOTE_HELP) != report_ui().NOTE_HELP
    assert at.button(key=f"{FIRST_CONTROL}-send").label == "Enviar reporte"
    assert at.button(key=f"{FIRST_CONTROL}-cancel").label == "Cancelar"
    assert "Por favor, elija qué está mal" in alerts(at)
    with i18n.using("es"):
        form.set_value("wrong_phone")
        at = at.button(key=f"{FIRST_CONTROL}-send").click().run()
    no_exception(at)
    assert spanish(reports.THANKS_MESSAGE) in alerts(at)
    assert "Thank you" not in alerts(at)
    ReportStore(db).submit(SECOND, "other", session="someone-else", known_ids={SECOND})
    at = report(at, f"report-card-in_person-1-{SECOND}", "other", language="es")
    no_exception(at)
    assert "Estamos recibiendo muchos reportes" in alerts(at)
    assert len(stored(db)) == 2


def test_the_flag_note_and_the_not_saved_message_in_spanish(data_file, db):
    store = ReportStore(db)
    for visitor in ("visitor-1", "visitor-2"):
        store.submit(FIRST, "closed", session=visitor, known_ids={FIRST})
    at = start("es")
    no_exception(at)
    note = spanish(reports.kind_named("closed").flag_note or "")
    assert note.startswith("Algunos visitantes")
    assert [w.value for w in at.warning if w.value == note] == [note]
    corrupt(db)
    at = report(at, FIRST_CONTROL, "closed", language="es")
    no_exception(at)
    assert spanish(reports.NOT_SAVED_MESSAGE) in [e.value for e in at.error]
    assert "No pudimos guardar su reporte" in spanish(reports.NOT_SAVED_MESSAGE)


def test_the_compare_views_control_in_spanish(data_file, db):
    at = start("es")
    for box in [c for c in at.checkbox if c.key and c.key.startswith("compare-")][:2]:
        box.check().run()
    labels = [b.label for b in at.button if b.key and b.key.startswith("report-compare-")]
    assert labels == [
        "Reportar un problema con Mile High Ketamine Clinic",
        "Reportar un problema con Rocky Ketamine",
    ]


def report_ui() -> ModuleType:
    from directory.ui import report as report_ui

    return report_ui


# --- the database fails: the patient gets one calm sentence, the search keeps working -------


def corrupt(db: Path) -> None:
    db.write_bytes(b"this is not a database at all, just text " * 100)


@pytest.mark.parametrize("fault", ["corrupt", "newer schema"])
def test_a_broken_database_gives_the_patient_message(data_file, db, fault):
    if fault == "corrupt":
        corrupt(db)
    else:
        with sqlite3.connect(db) as connection:
            connection.execute("PRAGMA user_version = 99")
    at = start()
    no_exception(at)  # the flags are quietly off
    assert len(cards(at)) == 2
    at = report(at, FIRST_CONTROL, "closed")
    no_exception(at)
    assert reports.NOT_SAVED_MESSAGE in [e.value for e in at.error]
    assert "sqlite" not in alerts(at).lower()
    assert len(cards(at)) == 2


def test_a_locked_database_gives_the_patient_message(data_file, db):
    ReportStore(db).submit(FIRST, "other", session="x", known_ids={FIRST})
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
        at = report(start(), FIRST_CONTROL, "closed")
        no_exception(at)
        assert reports.NOT_SAVED_MESSAGE in [e.value for e in at.error]
        assert len(cards(at)) == 2
    finally:
        holder.close()
    assert len(stored(db)) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files")
def test_a_read_only_database_gives_the_patient_message(data_file, db):
    ReportStore(db).submit(FIRST, "other", session="x", known_ids={FIRST})
    db.chmod(0o444)
    db.parent.chmod(0o555)
    try:
        at = report(start(), FIRST_CONTROL, "closed")
        no_exception(at)
        assert reports.NOT_SAVED_MESSAGE in [e.value for e in at.error]
    finally:
        db.parent.chmod(0o755)
        db.chmod(0o644)
