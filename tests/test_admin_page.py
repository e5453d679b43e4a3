"""The "For admins" page through AppTest (its workflow without a browser: tests/test_admin.py)."""

# Made-up test passwords, not secrets.
# ruff: noqa: S105, S106

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from conftest import csv_text, row, telehealth_row
from streamlit.testing.v1 import AppTest

from directory import admin as admin_workflow
from directory import auth, schema, storage
from directory import dataset as dataset_module
from directory.dataset import load_clinics, parse_clinics
from directory.ui import admin

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
PAGE = "directory/ui/pages/for_admins.py"
TIMEOUT = 60
PASSWORD = "open sesame, but longer"
ADMIN = "Dana Admin"

TODAY = date.today()
RECENT = (TODAY - timedelta(days=10)).isoformat()
OLD = (TODAY - timedelta(days=500)).isoformat()


def rows_csv() -> str:
    return csv_text(
        row(last_verified=RECENT),
        row(
            id="harbor-ketamine-boston",
            name="Harbor Ketamine",
            address="1 Harbor Way",
            city="Boston",
            state="MA",
            zip="02110",
            latitude="",
            longitude="",
            phone="(617) 555-0100",
            last_verified=OLD,
        ),
        telehealth_row(last_verified=RECENT),
    )


@pytest.fixture(scope="module")
def password_hash() -> str:
    return auth.hash_password(PASSWORD)


@pytest.fixture
def data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> Path:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("CLINIC_FINDER_TILES_URL", "none")
    monkeypatch.setenv(auth.ENV_PASSWORD_HASH, password_hash)
    path = tmp_path / "clinics.csv"
    path.write_text(rows_csv(), encoding="utf-8")
    monkeypatch.setenv("CLINICS_CSV", str(path))
    return path


@pytest.fixture(autouse=True)
def _fresh_login_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    # The guard is process-wide and AppTest runs in this process: each test gets its own.
    monkeypatch.setattr(auth, "LOGIN_GUARD", auth.LoginGuard())


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    return at.switch_page(PAGE).run()


def sign_in(at: AppTest, password: str = PASSWORD, name: str = ADMIN) -> AppTest:
    at.text_input(key=admin.NAME_WIDGET).input(name)
    at.text_input(key=admin.PASSWORD_WIDGET).input(password)
    return at.button(key="admin_sign_in").click().run()


def signed_in() -> AppTest:
    at = sign_in(open_page())
    assert at.session_state[admin.AUTHENTICATED] is True
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.code] + [t.value for t in at.text]
    parts += [e.value for e in (*at.info, *at.warning, *at.error, *at.success, *at.caption)]
    return "\n".join(str(p) for p in parts)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def assert_password_not_kept(at: AppTest) -> None:
    """The password is in no session-state value, widget state or URL parameter.

    While the sign-in form is shown its (emptied) widget key exists with "".
    """
    state = at.session_state.to_dict()
    assert state.get(admin.PASSWORD_WIDGET, "") == ""
    assert all(PASSWORD not in str(value) for value in state.values())
    internal = at.session_state._state._state  # SafeSessionState -> SessionState
    assert PASSWORD not in repr(internal)
    assert PASSWORD not in str(internal.get_widget_states())
    assert PASSWORD not in str(dict(at.query_params))


def audit_entries(path: Path) -> list[dict[str, object]]:
    return storage.read_audit_log(path)


# --- locked ------------------------------------------------------------------------------------


def test_locked_without_a_configured_hash(data_file, monkeypatch):
    monkeypatch.delenv(auth.ENV_PASSWORD_HASH)
    at = open_page()
    no_exception(at)
    page = texts(at)
    assert "python -m directory hash-password" in page
    assert "password_hash" in page
    assert auth.ENV_PASSWORD_HASH in page
    assert "988" in at.error[0].value  # the crisis line is still on top
    assert not at.text_input
    assert not at.file_uploader


def test_locked_with_a_malformed_hash(data_file, monkeypatch):
    monkeypatch.setenv(auth.ENV_PASSWORD_HASH, "plaintext-password")
    at = open_page()
    no_exception(at)
    assert "not valid" in texts(at)
    assert not at.text_input


def test_the_page_is_in_the_navigation(data_file):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    no_exception(at)
    at.switch_page(PAGE).run()
    no_exception(at)
    assert at.title[0].value == "For admins"


# --- signing in --------------------------------------------------------------------------------


def test_wrong_password_is_refused(data_file):
    at = sign_in(open_page(), password="not it")
    no_exception(at)
    assert "Wrong password" in texts(at)
    assert (
        not at.session_state[admin.AUTHENTICATED]
        if admin.AUTHENTICATED in at.session_state
        else True
    )
    assert not at.file_uploader
    assert at.text_input(key=admin.PASSWORD_WIDGET).value == ""
    assert_password_not_kept(at)


def test_a_name_is_required(data_file):
    at = sign_in(open_page(), name="   ")
    no_exception(at)
    assert "enter your name" in texts(at)
    assert admin.AUTHENTICATED not in at.session_state
    assert auth.LOGIN_GUARD.global_throttle.failures == 0


def test_lockout_after_five_wrong_passwords(data_file):
    at = open_page()
    for attempt in range(5):
        at = sign_in(at, password=f"guess {attempt}")
        no_exception(at)
    page = texts(at)
    assert "Too many wrong passwords" in page
    assert "30 seconds" in page
    # Even the right password is refused while locked out, without being checked.
    at = sign_in(at)
    no_exception(at)
    assert admin.AUTHENTICATED not in at.session_state
    assert "Try again in" in texts(at)
    assert_password_not_kept(at)


def test_a_flood_of_failures_elsewhere_never_refuses_a_clean_client(data_file):
    """issue 12 finding 6: 20 failures from 4 fresh sessions locked the real admin out."""
    for attempt in range(200):
        auth.LOGIN_GUARD.record_failure(auth.Client(f"bot-{attempt}", f"203.0.113.{attempt}"))
    assert auth.LOGIN_GUARD.global_throttle.allowed() > 0
    at = sign_in(open_page())
    no_exception(at)
    assert at.session_state[admin.AUTHENTICATED] is True


def test_the_lockout_grows_and_ends(data_file, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(auth, "LOGIN_GUARD", auth.LoginGuard(clock=lambda: clock[0]))
    at = open_page()
    for attempt in range(5):
        at = sign_in(at, password=f"guess {attempt}")
    clock[0] += 30
    at = sign_in(at, password="guess 6")
    assert "1 minute" in texts(at)
    clock[0] += 60
    at = sign_in(at)
    no_exception(at)
    assert at.session_state[admin.AUTHENTICATED] is True


def test_the_right_password_opens_the_page_and_is_not_kept(data_file):
    at = sign_in(open_page())
    no_exception(at)
    assert at.session_state[admin.AUTHENTICATED] is True
    assert at.session_state[admin.ADMIN_NAME] == ADMIN
    assert "Signed in as **Dana Admin**" in texts(at)
    assert admin.PASSWORD_WIDGET not in at.session_state
    assert_password_not_kept(at)
    assert len(at.tabs) == 7  # with the verification queue
    assert at.file_uploader
    # A later rerun keeps the session signed in, still without the password.
    at.run()
    assert at.session_state[admin.AUTHENTICATED] is True
    assert_password_not_kept(at)


def test_secrets_take_precedence_over_the_environment(data_file, monkeypatch):
    monkeypatch.setenv(auth.ENV_PASSWORD_HASH, auth.hash_password("env password"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["admin"] = {"password_hash": auth.hash_password(PASSWORD)}
    at.run()
    at.switch_page(PAGE).run()
    at = sign_in(at, password="env password")
    assert admin.AUTHENTICATED not in at.session_state
    at = sign_in(at)
    assert at.session_state[admin.AUTHENTICATED] is True


def test_sign_out_forgets_the_session(data_file):
    at = signed_in()
    at.button(key="admin_sign_out").click().run()
    no_exception(at)
    assert admin.AUTHENTICATED not in at.session_state
    assert admin.ADMIN_NAME not in at.session_state
    assert "signed out" in texts(at)
    assert at.text_input(key=admin.PASSWORD_WIDGET).value == ""


def test_markdown_in_the_admin_name_is_shown_as_text(data_file):
    at = sign_in(open_page(), name="<b>x</b> [link](javascript:alert(1))")
    no_exception(at)
    signed = next(m.value for m in at.markdown if m.value.startswith("Signed in as"))
    assert "\\[link\\]\\(javascript\\:\u2060alert\\(1\\)\\)" in signed
    assert "\\<b\\>" in signed
    assert_html_only_for_the_stylesheet(at)


# --- data health ---------------------------------------------------------------------------------


def test_data_health_shows_counts_problems_stale_and_approximate(data_file):
    at = signed_in()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == "3"
    assert metrics["Errors"] == "0"
    assert metrics["Not verified in 12 months"] == "1"
    expanders = [e.label for e in at.expander]
    assert "Not verified in the last 12 months (1)" in expanders
    assert "Approximate map position: ZIP code centre (1)" in expanders
    counts = at.dataframe[0].value
    assert counts.loc["CO", "clinic"] == 1
    assert counts.loc["MA", "clinic"] == 1
    assert counts.loc["(none)", "telehealth"] == 1
    assert counts.loc["all", "all"] == 3


# --- upload --------------------------------------------------------------------------------------


def test_upload_then_save_writes_file_backup_and_audit_line(data_file):
    before = data_file.read_bytes()
    at = signed_in()
    new = csv_text(row(last_verified=RECENT, name="Renamed Clinic"), telehealth_row())
    at.file_uploader[0].set_value(("new.csv", new.encode(), "text/csv")).run()
    no_exception(at)
    page = texts(at)
    assert "harbor-ketamine-boston" in page  # the removed row is in the diff
    assert "Renamed Clinic" in page
    at.button(key="admin_upload_save").click().run()
    no_exception(at)
    assert "Saved" in " ".join(s.value for s in at.success)
    saved = load_clinics(data_file)
    assert saved.table["name"].tolist() == ["Renamed Clinic", "Homeward Ketamine Care"]
    [backup] = storage.list_backups(data_file)
    assert Path(backup.path).read_bytes() == before
    [entry] = audit_entries(data_file)
    assert entry["who"] == ADMIN
    assert entry["action"] == "upload"
    assert not at.file_uploader[0].value  # a fresh, empty uploader after the save


def test_an_upload_is_parsed_once_however_often_the_page_reruns(data_file, monkeypatch):
    """issue 12 finding 3: every later click re-parsed the upload (78 s for 100k columns)."""
    parses: list[int] = []
    real = dataset_module.parse_clinics

    def counting(data, **kwargs):
        parses.append(len(data))
        return real(data, **kwargs)

    monkeypatch.setattr(admin_workflow, "parse_clinics", counting)
    at = signed_in()
    # Content no other test uploads, so the process-wide cache cannot already hold it.
    new = csv_text(row(last_verified=RECENT, name=f"Counted Clinic {id(parses)}"))
    at.file_uploader[0].set_value(("new.csv", new.encode(), "text/csv")).run()
    no_exception(at)
    assert "Counted Clinic" in texts(at)
    for _ in range(3):
        at.run()  # a click elsewhere on the page reruns the whole script
    no_exception(at)
    assert "Counted Clinic" in texts(at)
    assert parses == [len(new.encode())]


def test_a_wide_upload_is_refused_at_once_with_the_limit(data_file):
    """issue 12 finding 3: a 0.8 MB upload with 100k columns took 82 s to review."""
    at = signed_in()
    wide = ",".join(f"c{i}" for i in range(100_000)) + "\n" + "x," * 99_999 + "x\n"
    at.file_uploader[0].set_value(("wide.csv", wide.encode(), "text/csv")).run()
    no_exception(at)
    messages = [m for d in at.dataframe if "message" in d.value for m in d.value["message"]]
    assert any("the header has 100,000 columns; at most 200 are allowed" in m for m in messages)
    assert "admin_upload_save" not in [b.key for b in at.button]


def test_an_upload_with_errors_has_no_save_button(data_file):
    before = data_file.read_bytes()
    at = signed_in()
    at.file_uploader[0].set_value(("bad.csv", csv_text(row(state="ZZ")).encode(), "text/csv"))
    at.run()
    no_exception(at)
    assert "must be fixed" in texts(at)
    assert "admin_upload_save" not in [b.key for b in at.button]
    assert data_file.read_bytes() == before
    assert storage.list_backups(data_file) == []


def test_a_conflicting_save_is_refused_and_keeps_the_other_change(data_file):
    at = signed_in()
    upload = csv_text(row(last_verified=RECENT, name="My Change"), telehealth_row())
    at.file_uploader[0].set_value(("mine.csv", upload.encode(), "text/csv")).run()
    # Someone else saves between the preview and the click.
    theirs = rows_csv().replace("Harbor Ketamine", "Their Change")
    data_file.write_text(theirs, encoding="utf-8")
    at.button(key="admin_upload_save").click().run()
    no_exception(at)
    assert "Someone else changed the data" in " ".join(e.value for e in at.error)
    assert data_file.read_text(encoding="utf-8") == theirs
    assert audit_entries(data_file) == []


# --- edit in place -------------------------------------------------------------------------------


def test_edit_in_the_page_then_save(data_file):
    at = signed_in()
    [editor] = at.data_editor
    assert editor.editing_mode == "dynamic"
    at.session_state[editor.key] = {
        "edited_rows": {0: {"name": "Edited In Place"}},
        "added_rows": [],
        "deleted_rows": [2],
    }
    at.run()
    at.button(key="admin_edit_review").click().run()
    no_exception(at)
    page = texts(at)
    assert "Edited In Place" in page
    assert "homeward-telehealth" in page
    at.button(key="admin_edit_save").click().run()
    no_exception(at)
    saved = load_clinics(data_file).table
    assert saved["id"].tolist() == ["mile-high-ketamine-denver", "harbor-ketamine-boston"]
    assert saved.loc[0, "name"] == "Edited In Place"
    [entry] = audit_entries(data_file)
    assert (entry["who"], entry["action"]) == (ADMIN, "edit")


def test_a_lone_carriage_return_typed_in_a_cell_stays_in_that_cell(data_file):
    # The editor's CSV once left a lone "\r" unquoted: "invalid: 4 rows, 7 errors".
    at = signed_in()
    [editor] = at.data_editor
    at.session_state[editor.key] = {
        "edited_rows": {0: {"notes": "line one\rline two"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="admin_edit_review").click().run()
    no_exception(at)
    summaries = [t.value for t in at.text if t.value.startswith(("valid", "invalid"))]
    assert len(summaries) == 1
    assert summaries[0].startswith("valid: 3 rows, 0 errors"), summaries
    at.button(key="admin_edit_save").click().run()
    no_exception(at)
    saved = load_clinics(data_file)
    assert saved.report.valid
    assert len(saved.table) == 3
    notes = saved.table.loc[0, "notes"]
    assert "line one" in notes
    assert "line two" in notes


def test_edits_based_on_an_old_version_are_refused(data_file):
    at = signed_in()
    [editor] = at.data_editor
    at.session_state[editor.key] = {
        "edited_rows": {0: {"name": "Stale Edit"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="admin_edit_review").click().run()
    theirs = rows_csv().replace("Harbor Ketamine", "Their Change")
    data_file.write_text(theirs, encoding="utf-8")
    at.run()
    assert "changed since you started editing" in texts(at)
    at.button(key="admin_edit_save").click().run()
    no_exception(at)
    assert "Someone else changed the data" in " ".join(e.value for e in at.error)
    assert data_file.read_text(encoding="utf-8") == theirs


# --- verification, coordinates, download, backups, audit log -------------------------------


def test_mark_verified_today(data_file):
    at = signed_in()
    at.multiselect(key="admin_verify_ids").set_value(["harbor-ketamine-boston"]).run()
    at.button(key="admin_verify_save").click().run()
    no_exception(at)
    saved = load_clinics(data_file).table.set_index("id")
    assert saved.loc["harbor-ketamine-boston", "last_verified"] == TODAY.isoformat()
    assert saved.loc["homeward-telehealth", "last_verified"] == RECENT
    [entry] = audit_entries(data_file)
    assert (entry["who"], entry["action"]) == (ADMIN, "verify")
    assert at.multiselect(key="admin_verify_ids").value == []


def test_mark_verified_for_a_listing_removed_meanwhile_saves_nothing(data_file):
    at = signed_in()
    at.multiselect(key="admin_verify_ids").set_value(["harbor-ketamine-boston"]).run()
    theirs = csv_text(row(last_verified=RECENT), telehealth_row(last_verified=RECENT))
    data_file.write_text(theirs, encoding="utf-8")
    at.button(key="admin_verify_save").click().run()
    no_exception(at)
    assert "Nothing was saved" in " ".join(e.value for e in at.error)
    assert data_file.read_text(encoding="utf-8") == theirs


def test_fill_missing_coordinates(data_file):
    at = signed_in()
    at.button(key="admin_fill_coordinates").click().run()
    no_exception(at)
    saved = load_clinics(data_file).table.set_index("id")
    assert saved.loc["harbor-ketamine-boston", "latitude"] == pytest.approx(42.36, abs=0.2)
    # Still only the ZIP centre: the pin stays marked approximate for patients.
    assert saved.loc["harbor-ketamine-boston", schema.COORDINATES_APPROXIMATE]
    assert "harbor-ketamine-boston" in str(at.dataframe[0].value.to_dict())


def test_download_is_the_exact_file(data_file):
    data_file.write_bytes(data_file.read_bytes().replace(b"\n", b"\r\n"))
    at = signed_in()
    [button] = [b for b in at.get("download_button") if b.proto.id.endswith("admin_download")]
    assert button.proto.label == "Download the current CSV"
    assert "formula" in texts(at)


def test_restore_a_backup_after_confirmation(data_file):
    original = data_file.read_bytes()
    at = signed_in()
    at.multiselect(key="admin_verify_ids").set_value(["harbor-ketamine-boston"]).run()
    at.button(key="admin_verify_save").click().run()
    assert data_file.read_bytes() != original
    at.button(key="admin_restore_start").click().run()
    no_exception(at)
    assert "Restore" in " ".join(w.value for w in at.warning)
    assert data_file.read_bytes() != original  # nothing happens before the confirmation
    at.button(key="admin_restore_confirm").click().run()
    no_exception(at)
    assert "Restored" in " ".join(s.value for s in at.success)
    assert load_clinics(data_file).table.equals(load_clinics_bytes(original))
    assert [e["action"] for e in audit_entries(data_file)][:1] == ["restore"]


def test_a_backup_with_errors_offers_no_restore(data_file):
    folder = data_file.parent / "backups"
    folder.mkdir()
    (folder / "clinics-20260101T000000Z.csv").write_text(csv_text(row(state="ZZ")))
    before = data_file.read_bytes()
    at = signed_in()
    at.button(key="admin_restore_start").click().run()
    no_exception(at)
    assert "must be fixed" in texts(at)
    assert "admin_restore_confirm" not in [b.key for b in at.button]
    assert "admin_restore_cancel" in [b.key for b in at.button]
    assert data_file.read_bytes() == before


def load_clinics_bytes(data: bytes) -> pd.DataFrame:
    return parse_clinics(data).table


def test_restore_can_be_cancelled(data_file):
    at = signed_in()
    at.multiselect(key="admin_verify_ids").set_value(["harbor-ketamine-boston"]).run()
    at.button(key="admin_verify_save").click().run()
    after_verify = data_file.read_bytes()
    at.button(key="admin_restore_start").click().run()
    at.button(key="admin_restore_cancel").click().run()
    no_exception(at)
    assert "admin_restore_confirm" not in [b.key for b in at.button]
    assert data_file.read_bytes() == after_verify


def test_audit_log_tab_lists_saves_newest_first(data_file):
    at = signed_in()
    at.multiselect(key="admin_verify_ids").set_value(["harbor-ketamine-boston"]).run()
    at.button(key="admin_verify_save").click().run()
    at.button(key="admin_fill_coordinates").click().run()
    no_exception(at)
    log = at.dataframe[-1].value
    assert len(log) == 2
    assert ADMIN in log.to_string()


def test_missing_data_file_is_a_message_not_a_traceback(data_file):
    data_file.unlink()
    at = signed_in()
    no_exception(at)
    assert "no such file" in " ".join(e.value for e in at.error)


def test_health_warns_when_a_header_error_hides_every_listing(data_file: Path) -> None:
    data_file.write_text("id,name,kind\nx,Clinic,clinic\n")  # required columns missing
    at = signed_in()
    no_exception(at)
    assert any("Patients see no listings" in e.value for e in at.error)


def assert_html_only_for_the_stylesheet(at: AppTest) -> None:
    """HTML is allowed in exactly one Markdown element: the app's constant stylesheet."""
    from directory.ui.style import STYLESHEET

    with_html = [m.value for m in at.markdown if m.allow_html]
    assert with_html == [f"<style>{STYLESHEET.read_text(encoding='utf-8')}</style>"]
