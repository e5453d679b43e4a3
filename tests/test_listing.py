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

from directory import facts, i18n, listing, schema
from directory.directions import directions_url
from directory.geocoding import Origin
from directory.safetext import escape_markdown
from directory.search import SearchQuery, SearchResult

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


# --- Spanish -----------------------------------------------------------------------------------

DENVER = Origin("80202", "Denver, CO", 39.753, -104.999, "CO", "zip")
COLORADO = Origin("Colorado", "Colorado", 39.0, -105.5, "CO", "state")


def result_of(
    in_person: int, *, at_home: int = 0, origin: Origin = DENVER, **filters: object
) -> SearchResult:
    frame = pd.DataFrame([row(id=str(i)) for i in range(in_person)])
    homes = pd.DataFrame([row(id=f"h{i}", kind="telehealth") for i in range(at_home)])
    query = SearchQuery(origin=origin, radius_miles=25, filters=filters)
    return SearchResult(query, frame, homes, frame.iloc[0:0])


@pytest.mark.parametrize(
    ("result", "unfiltered", "english", "spanish"),
    [
        (result_of(11), None, "11 clinics within 25 miles of Denver, CO",
         "11 clínicas en un radio de 25 millas de Denver, CO"),
        (result_of(1), None, "1 clinic within 25 miles of Denver, CO",
         "1 clínica en un radio de 25 millas de Denver, CO"),
        (result_of(3, origin=COLORADO), None, "3 clinics in Colorado", "3 clínicas en Colorado"),
        (result_of(1, va=True), 11, "1 of 11 clinics within 25 miles of Denver, CO matches "
         "your 1 filter", "1 de 11 clínicas en un radio de 25 millas de Denver, CO coincide "
         "con su 1 filtro"),
        (result_of(3, va=True, accepting=True), 11, "3 of 11 clinics within 25 miles of "
         "Denver, CO match your 2 filters", "3 de 11 clínicas en un radio de 25 millas de "
         "Denver, CO coinciden con sus 2 filtros"),
        (result_of(0, origin=COLORADO, va=True), 1593, "0 of 1,593 clinics in Colorado match "
         "your 1 filter", "0 de 1,593 clínicas en Colorado coinciden con su 1 filtro"),
    ],
)  # fmt: skip
def test_summary_sentence_in_each_language(result, unfiltered, english, spanish):
    assert listing.summary_sentence(result, unfiltered=unfiltered, escape=str) == english
    with i18n.using("es"):
        assert listing.summary_sentence(result, unfiltered=unfiltered, escape=str) == spanish


def test_empty_state_sentences_in_spanish():
    filtered = result_of(0, modality=("iv",), va=True, max_price=1500.0)
    with i18n.using("es"):
        assert listing.no_match_sentence(filtered, escape=str) == (
            "Ninguna clínica en un radio de 25 millas de Denver, CO coincide con sus filtros: "
            "Infusión intravenosa (IV), Trabaja con el VA y Hasta $1,500."
        )
        assert listing.no_match_sentence(result_of(0), escape=str) == (
            "No hay ninguna clínica en nuestra lista en un radio de 25 millas de Denver, CO."
        )
        assert "ni en un radio de 250 millas" in listing.out_of_reach_sentence(result_of(0))
        assert listing.at_home_summary(result_of(0, at_home=1)) == (
            "1 proveedor a domicilio (telesalud) tiene licencia en CO"
        )
        assert listing.at_home_summary(result_of(0, at_home=4)) == (
            "4 proveedores a domicilio (telesalud) tienen licencia en CO"
        )
    assert listing.no_match_sentence(filtered, escape=str) == (
        "No clinic within 25 miles of Denver, CO matches your filters: "
        "IV infusion, Works with VA and Up to $1,500."
    )


def test_nearest_sentence_writes_miles_the_spanish_way():
    far = pd.DataFrame([row(city="Pueblo", distance_miles=1593.2)])
    result = SearchResult(result_of(0).query, far.iloc[0:0], far.iloc[0:0], far)
    assert listing.nearest_sentence(result, escape=str) == (
        "The nearest that matches is 1,593 miles away, in Pueblo, CO."
    )
    with i18n.using("es"):
        assert listing.nearest_sentence(result, escape=str) == (
            "La más cercana que coincide está a 1,593 millas, en Pueblo, CO."
        )


def test_card_in_spanish():
    with i18n.using("es"):
        card = listing.clinic_markdown(row(**{schema.COORDINATES_APPROXIMATE: True}), TODAY)
        at_home = listing.clinic_markdown(row(kind="telehealth", service_states="CO;NM"), TODAY)
    shown = re.sub(r"\\(.)", r"\1", card)
    assert "**Teléfono:** [\\(303\\) 555\\-0101](tel:+13035550101)" in card
    assert "[Sitio web de Clinic](https://clinic.example.com)" in card
    assert "(la ubicación en el mapa es aproximada)" in shown
    assert "Infusión intravenosa (IV)" in shown
    assert "Usted ya debe tener un terapeuta con licencia" in shown
    assert "Community Care del VA (requiere una remisión del VA)" in shown
    assert "Acepta pacientes nuevos" in shown
    assert "Atiende a pacientes a domicilio en: CO, NM" in at_home
    for english in ("Phone:", "Website of", "map pin", "Treats patients at home"):
        assert english not in card + at_home


def test_shortlist_in_spanish_with_the_spanish_crisis_line():
    with i18n.using("es"):
        page = listing.shortlist_html(
            pd.DataFrame([located(notes="Parking at the back")]),
            "Clínicas cerca de Denver",
            TODAY,
            directions_provider="osm",
        )
    assert '<html lang="es">' in page
    assert "Lista hecha el 20 de noviembre de 2026." in page
    assert (
        'En una crisis, llame o envíe un texto al <a href="tel:988">988</a> '
        "(oprima 2 para español; veteranos: oprima 1, o envíe un texto al "
        '<a href="sms:838255">838255</a>).'
    ) in page
    assert "envíe AYUDA al 988" in page
    assert 'Si está en peligro inmediato, llame al <a href="tel:911">911</a>.' in page
    assert "<dt>Cómo llegar</dt>" in page
    assert "Notas: ____" in page
    assert "Parking at the back" in page  # data is never translated
    english = listing.shortlist_html(pd.DataFrame([located()]), "x", TODAY)
    assert '<html lang="en">' in english
    assert (
        "Made 20 Nov 2026. Call each clinic to confirm details. In a crisis, call or text "
        '<a href="tel:988">988</a> (veterans: press 1, or text <a href="sms:838255">838255</a>).'
        ' In immediate danger, call <a href="tel:911">911</a>.'
    ) in english


def test_comparison_table_rows_follow_the_language():
    rows = pd.DataFrame([row(id="a"), row(id="b", name="Other")])
    assert list(listing.comparison_table(rows, TODAY).index) == list(listing.COMPARISON_ROWS)
    with i18n.using("es"):
        table = listing.comparison_table(rows, TODAY)
    assert len(table.index) == len(listing.COMPARISON_ROWS)
    assert table.iloc[list(listing.COMPARISON_ROWS).index("Therapist"), 0] == (
        "Usted ya debe tener un terapeuta con licencia"
    )


def test_the_comparison_as_markdown_escapes_every_value_and_links_each_phone():
    rows = pd.DataFrame(
        [
            card_row(id="a", name="Calm [x](https://evil.example) *Clinic*", city="Denver"),
            card_row(id="b", name="Other", phone="not a phone"),
        ]
    )
    cells = listing.comparison_markdown(rows, TODAY)
    plain = listing.comparison_table(rows, TODAY)
    assert list(cells.columns) == [escape_markdown(c) for c in plain.columns]
    assert "](https://evil" not in " ".join(cells.columns)
    phone = cells.loc[escape_markdown(facts.heading_text("Phone"))].tolist()
    assert phone[0] == "[\\(303\\) 555\\-0101](tel:+13035550101)"
    assert phone[1] == escape_markdown("not a phone")
    others = [h for h in listing.COMPARISON_ROWS if h != "Phone"]
    for heading in others:
        shown = cells.loc[escape_markdown(facts.heading_text(heading))].tolist()
        assert shown == [escape_markdown(t) for t in plain.loc[facts.heading_text(heading)]]
