"""Clinic cards and the shortlist: hostile data stays text, links are only safe ones."""

from __future__ import annotations

import html
import re
from datetime import date

import pandas as pd
import pytest
from conftest import card_row
from hypothesis import given
from hypothesis import strategies as st

from directory import listing, schema
from directory.directions import directions_url
from directory.safetext import escape_markdown

TODAY = date(2026, 11, 20)


def row(**fields: object) -> pd.Series:
    return card_row(**fields)


def links(markdown: str) -> list[str]:
    return re.findall(r"\]\(([^)]*)\)", markdown)


@pytest.mark.parametrize(
    "hostile",
    [
        "<img src=x onerror=alert(1)>",
        "[click me](javascript:alert(1))",
        "**bold** _it_ `code` # heading",
        "$x^2$ costs $5",
        "line one\n\n# injected heading",
        "<script>alert('x')</script>",
    ],
)
def test_data_values_never_become_markup(hostile):
    card = listing.clinic_markdown(
        row(name=hostile, notes=hostile, languages=hostile, insurers=hostile, city=hostile), TODAY
    )
    title = listing.clinic_title(row(name=hostile))
    for text in (card, title):
        assert "<img" not in text.replace("\\<img", "")
        assert "<script" not in text.replace("\\<script", "")
        assert all(target.startswith(("tel:", "https://")) for target in links(text))
        assert "\n#" not in text


def test_card_says_what_a_patient_needs_in_plain_words():
    card = listing.clinic_markdown(row(), TODAY)
    assert "[\\(303\\) 555\\-0101](tel:+13035550101)" in card
    assert "[Website of Clinic](https://clinic.example.com)" in card
    shown = re.sub(r"\\(.)", r"\1", card)  # what Markdown shows: the escapes go
    assert "IV infusion" in shown
    assert "Nasal spray (esketamine / Spravato)" in shown
    assert "You must already see a licensed therapist" in shown
    assert "VA Community Care (needs a VA referral)" in shown
    assert "About \\$550 a session" in card
    assert "Accepting new patients" in card
    assert "Last verified 14 Sep 2026" in card
    assert listing.clinic_title(row()) == "Clinic · 3.2 mi"


@pytest.mark.parametrize(
    ("website", "linked"),
    [
        ("https://a.example.com/p?q=1", True),
        ("http://a.example.com", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("https://a.example.com/x) [evil](javascript:alert(1)", False),
        ("", False),
        (float("nan"), False),
    ],
)
def test_only_http_links_are_made(website, linked):
    card = listing.clinic_markdown(row(website=website), TODAY)
    assert ("[Website of Clinic](" in card) is linked
    assert all(t.startswith(("tel:", "http://", "https://")) for t in links(card))


@pytest.mark.parametrize(
    ("last_verified", "stale", "text"),
    [
        ("2026-09-14", False, "Last verified 14 Sep 2026"),
        ("2025-11-19", True, "over a year ago"),
        ("", True, "Never verified"),
        (None, True, "Never verified"),
        ("garbage", True, "unknown"),
    ],
)
def test_verification_is_honest_about_age(last_verified, stale, text):
    checked = listing.verification(last_verified, TODAY)
    assert checked.stale is stale
    assert text in checked.text


def test_telehealth_card_lists_states_and_monthly_price():
    card = listing.clinic_markdown(
        row(kind="telehealth", service_states="CO;NM", price_per_session_usd=200.0), TODAY
    )
    assert "Treats patients at home in: CO, NM" in card
    assert "a month" in card
    everywhere = listing.clinic_markdown(row(kind="telehealth", service_states="ALL"), TODAY)
    assert "all US states" in everywhere


def test_shortlist_html_escapes_everything():
    page = listing.shortlist_html(
        pd.DataFrame([row(name="<script>alert(1)</script>", phone="<b>")]), "Near <x>", TODAY
    )
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert "Near &lt;x&gt;" in page
    assert "988" in page


@given(st.text(max_size=200))
def test_escaped_text_has_no_live_markdown_characters(text):
    escaped = escape_markdown(text)
    unescaped = re.sub(r"\\.", "", escaped)
    assert not re.search(r"[\[\]()<>*_`#$|\n]", unescaped)


def test_comparison_keeps_clinics_with_the_same_name_apart():
    rows = pd.DataFrame(
        [
            row(id="a", name="Klarity Ketamine", city="Denver", price_per_session_usd=500.0),
            row(id="b", name="Klarity Ketamine", city="Denver", price_per_session_usd=900.0),
            row(id="c", name="Klarity Ketamine", city="Boulder", price_per_session_usd=700.0),
        ]
    )
    table = listing.comparison_table(rows, TODAY)
    assert list(table.columns) == [
        "Klarity Ketamine (Denver, CO) [a]",
        "Klarity Ketamine (Denver, CO) [b]",
        "Klarity Ketamine (Boulder, CO)",
    ]
    assert table.loc["Price"].tolist() == [
        "About $500 a session",
        "About $900 a session",
        "About $700 a session",
    ]
    assert table.loc["Therapist"].iloc[0] == "You must already see a licensed therapist"


def test_shortlist_carries_the_sample_note_and_what_a_caller_needs():
    page = listing.shortlist_html(
        pd.DataFrame([row(notes="Parking at the back")]), "Near x", TODAY, note="Sample data only."
    )
    assert "<strong>Sample data only.</strong>" in page
    for fact in ("Treats", "New patients", "Parking at the back", "(303) 555-0101"):
        assert fact in page
    assert "Sample data" not in listing.shortlist_html(pd.DataFrame([row()]), "x", TODAY)


OSM_ROUTE = "https://www.openstreetmap.org/directions?route=%3B"
ADDRESS_QUERY = "1%20Main%20St%2C%20Denver%2C%20CO%2080202"


def located(**fields: object) -> pd.Series:
    return row(**{schema.LAT: 39.7501, schema.LON: -104.9996, **fields})


@pytest.mark.parametrize(
    ("provider", "fields", "target"),
    [
        ("osm", {}, OSM_ROUTE + "39.7501%2C-104.9996"),
        (
            "osm",
            {schema.COORDINATES_APPROXIMATE: True},
            "https://www.openstreetmap.org/directions?to=" + ADDRESS_QUERY,
        ),
        ("google", {}, "https://www.google.com/maps/dir/?api=1&destination=" + ADDRESS_QUERY),
        ("apple", {}, "https://maps.apple.com/?daddr=" + ADDRESS_QUERY),
    ],
)
def test_card_links_directions_to_the_clinic(provider, fields, target):
    card = listing.clinic_markdown(located(**fields), TODAY, directions_provider=provider)
    assert f"[Directions to Clinic]({target})" in card
    # Streamlit opens Markdown links in a new tab, rel="noopener noreferrer".
    assert all(t.startswith(("tel:", "https://")) for t in links(card))


def test_card_directions_follow_the_setting(monkeypatch):
    monkeypatch.setenv("CLINIC_FINDER_DIRECTIONS", "google")
    card = listing.clinic_markdown(located(), TODAY)
    assert "](https://www.google.com/maps/dir/?api=1&destination=" + ADDRESS_QUERY + ")" in card


def test_card_directions_escape_a_hostile_name_and_address():
    hostile = "x](javascript:alert(1)) <script>"
    card = listing.clinic_markdown(
        located(name=hostile, address="1 Main St & <script>"),
        TODAY,
        directions_provider="apple",
    )
    (target,) = [t for t in links(card) if "apple" in t]
    assert target == (
        "https://maps.apple.com/?daddr=1%20Main%20St%20%26%20%3Cscript%3E%2C%20Denver%2C%20CO%2080202"
    )
    assert f"[Directions to {escape_markdown(hostile)}]({target})" in card
    assert all(t.startswith(("tel:", "https://")) for t in links(card))


def test_at_home_providers_get_no_directions():
    at_home = row(kind="telehealth", service_states="CO", address="", city="", zip="")
    assert "Directions" not in listing.clinic_markdown(at_home, TODAY)
    page = listing.shortlist_html(pd.DataFrame([at_home]), "x", TODAY)
    assert "Directions" not in page
    assert "openstreetmap" not in page


def test_shortlist_links_directions_in_a_new_tab_with_the_address():
    page = listing.shortlist_html(
        pd.DataFrame(
            [located(name="A & <b>", address="1 Main St", **{schema.COORDINATES_APPROXIMATE: True})]
        ),
        "Near x",
        TODAY,
        directions_provider="osm",
    )
    (link,) = re.findall(r"<dt>Directions</dt><dd>(<a [^>]*>[^<]*</a>)</dd>", page)
    href = "https://www.openstreetmap.org/directions?to=" + ADDRESS_QUERY
    assert link == (
        f'<a href="{href}" target="_blank" rel="noopener noreferrer">'
        "Directions to A &amp; &lt;b&gt;</a>"
    )
    # Right after the address, and nothing fetched up front: no prefetch, image or script.
    assert page.index("<dt>Address</dt>") < page.index("<dt>Directions</dt>")
    assert not re.search(r"<(link|img|script|iframe)\b", page)


@pytest.mark.parametrize("provider", ["osm", "google", "apple"])
def test_shortlist_escapes_the_directions_url(provider):
    clinic = located(address='1 Main St & <script>"', **{schema.COORDINATES_APPROXIMATE: True})
    page = listing.shortlist_html(pd.DataFrame([clinic]), "x", TODAY, directions_provider=provider)
    (href,) = re.findall(r'<dt>Directions</dt><dd><a href="([^"]*)"', page)
    assert not set(href) & set('<>" ')
    assert html.unescape(href) == directions_url(clinic, provider)
    assert "1%20Main%20St%20%26%20%3Cscript%3E%22" in href
