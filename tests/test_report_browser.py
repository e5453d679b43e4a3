"""Reporting a problem in real Chromium on a 390x844 phone: the card's control opens a form
that fits the screen, with 44 px tap targets, sends the report, thanks the patient, and
axe-core finds no serious problem in it. Against ``streamlit run app.py`` on a copy of
the sample data in a temporary folder, so the report database lands there.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    AXE,
    BROWSER_MARKS,
    PHONE,
    REPO_ROOT,
    TIMEOUT_MS,
    AppServer,
    streamlit_server,
)
from playwright.sync_api import Browser, Page, expect

from directory import reports

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report-data")
    return Path(shutil.copy(REPO_ROOT / "data" / "clinics.csv", folder / "clinics.csv"))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Iterator[AppServer]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(reports.REPORTS_DB_ENV, raising=False)
        with streamlit_server(tmp_path_factory.mktemp("report-app"), clinics_csv=data) as server:
            yield server


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def settle(page: Page) -> None:
    page.wait_for_timeout(300)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()


def test_report_a_problem_on_a_phone(phone: Page, app: AppServer, data: Path) -> None:
    phone.goto(f"{app.url}/?near=80202")
    phone.get_by_role("heading", level=1).first.wait_for()
    settle(phone)
    first_card = phone.locator(".st-key-card-in_person-0")
    control = first_card.get_by_role("button", name="Report a problem")
    control.scroll_into_view_if_needed()
    assert control.bounding_box()["height"] >= 44  # type: ignore[index]
    control.tap()
    settle(phone)
    choice = first_card.get_by_text("The phone number is wrong", exact=True)
    choice.wait_for()
    assert first_card.locator('[role="radiogroup"] label').first.bounding_box()["height"] >= 44  # type: ignore[index]
    choice.tap()
    note = first_card.locator("textarea")
    note.fill("Nobody answers <b>ever</b> [x](https://evil.example.com)")
    # The form fits the phone's width: nothing to scroll sideways.
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    if AXE.exists():
        phone.add_script_tag(path=str(AXE))
        violations = phone.evaluate(
            """async () => (await axe.run('.st-key-card-in_person-0',
                    {resultTypes: ["violations"]}))
                .violations.filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => v.id)"""
        )
        assert violations == []
    send = first_card.get_by_role("button", name="Send report")
    assert send.bounding_box()["height"] >= 44  # type: ignore[index]
    send.tap()
    expect(first_card.get_by_text("Thank you. Your report was sent.")).to_be_visible()
    assert first_card.locator("textarea").count() == 0
    db = data.parent / reports.DEFAULT_FILE_NAME
    with sqlite3.connect(db) as connection:
        stored = connection.execute("SELECT kind, note FROM reports").fetchall()
    assert stored == [("wrong_phone", "Nobody answers <b>ever</b> [x](https://evil.example.com)")]
    assert first_card.locator("a[href*='evil']").count() == 0
