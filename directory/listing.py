"""How one clinic reads on the page: safe Markdown built from untrusted data.

Streamlit renders Markdown links of any scheme, so data values are escaped
before they reach Markdown (a name like ``[x](javascript:...)`` stays text),
and the only links built are ``tel:`` from a validated phone number,
http(s) from a validated web address, and directions to a clinic's validated
address (:mod:`directory.directions`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

import pandas as pd

from directory import i18n, schema
from directory.directions import Provider, directions_url, link_text, provider_from_env
from directory.facts import (
    FACTS,
    Row,
    Verification,
    address_text,
    distance_text,
    fact_text,
    facts_of,
    format_miles,
    format_price,
    heading_text,
    miles_of,
    states_text,
    verification,
)
from directory.filters import chip_count, filter_named
from directory.i18n import gettext as _
from directory.i18n import ngettext
from directory.phones import tel_uri
from directory.safetext import escape_markdown, safe_link
from directory.search import DISTANCE_COLUMN, NEAREST_BOUND_MILES, SearchQuery, SearchResult

__all__ = [
    "COMPARISON_ROWS",
    "Verification",
    "clinic_markdown",
    "clinic_title",
    "comparison_markdown",
    "comparison_table",
    "escape_markdown",
    "format_price",
    "nearest_sentence",
    "safe_link",
    "shortlist_html",
    "summary_sentence",
    "verification",
]


def clinic_markdown(row: Row, today: date, *, directions_provider: Provider | None = None) -> str:
    """The body of one clinic's card: every value escaped, links only from validated data.

    ``directions_provider``: the maps site of the "Directions" link (default: the
    :data:`directory.directions.DIRECTIONS_ENV` setting).
    """
    lines: list[str] = []
    if row.get("kind") == "clinic":
        place = escape_markdown(address_text(row))
        if row.get(schema.COORDINATES_APPROXIMATE):
            place = _("{address} (map pin is approximate)").format(address=place)
        lines.append(place)
    else:
        lines.append(
            _("Treats patients at home in: {states}").format(
                states=escape_markdown(states_text(row))
            )
        )
    contact: list[str] = []
    tel = tel_uri(row.get("phone"))
    if tel:
        contact.append(
            _("**Phone:** [{phone}]({tel})").format(
                phone=escape_markdown(row.get("phone")), tel=tel
            )
        )
    website = safe_link(row.get("website"))
    if website:
        # Link text names the clinic: a screen reader's list of links reads "Website" x20.
        contact.append(
            _("[Website of {name}]({url})").format(
                name=escape_markdown(row.get("name")), url=website
            )
        )
    # Streamlit opens Markdown links in a new tab with rel="noopener noreferrer".
    route = safe_link(directions_url(row, directions_provider))
    if route:
        contact.append(f"[{escape_markdown(link_text(row.get('name')))}]({route})")
    # The links get a paragraph of their own: its lines are as tall as the 44px targets
    # (app.css), so when the links wrap on a phone, no link's target covers another's.
    paragraphs = ["  \n".join(lines), " · ".join(contact)] if contact else ["  \n".join(lines)]
    lines = []
    for heading in _CARD_FACTS:
        text = fact_text(heading, row, today)
        if text or heading in _CARD_FACTS_ALWAYS:
            lines.append(f"**{heading_text(heading)}:** {escape_markdown(text)}")
    lines.append(escape_markdown(fact_text("New patients", row, today)))
    if row.get("languages"):
        lines.append(
            _("**Languages:** {languages}").format(languages=escape_markdown(row.get("languages")))
        )
    if row.get("notes"):
        # Labelled, not in italics: clearer read aloud, and (with no italics on the results
        # page) browsers never download the italic typeface, 135 KB of a first visit.
        lines.append(_("**Note:** {note}").format(note=escape_markdown(row.get("notes"))))
    checked = verification(row.get("last_verified"), today)
    lines.append(
        (":material/warning: " if checked.stale else ":material/verified: ") + checked.text
    )
    return "\n\n".join([*paragraphs, "  \n".join(lines)])


# The card's "**Heading:** text" lines, in order; the others appear only when non-empty.
_CARD_FACTS = (
    "Treatment", "Treats", "Payment", "VA", "Therapist", "Trauma therapy offered", "Price",
)  # fmt: skip
_CARD_FACTS_ALWAYS = frozenset({"Treatment", "Treats", "Payment", "VA", "Therapist", "Price"})


def clinic_title(row: Row) -> str:
    """``Name · 3.2 mi`` for a card heading (escaped)."""
    title = escape_markdown(row.get("name"))
    miles = miles_of(row)
    if miles is not None:
        # TRANSLATORS: a clinic's distance after its name on a card: "3.2 mi".
        title += " · " + _("{miles} mi").format(miles=format_miles(miles))
    return title


Escape = Callable[[object], str]
"""How data values are made safe in a sentence: for Markdown (the page) or as is (a terminal)."""


def count_text(number: int, noun: str) -> str:
    """``1 clinic``, ``1,234 clinics`` (English only: the admin pages' counts)."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _miles(miles: float) -> str:
    """A search radius as the language writes it: ``25``, ``12.5``."""
    return i18n.format_number(miles, 0 if float(miles).is_integer() else 1)


def scope_text(result: SearchResult, *, escape: Escape = escape_markdown) -> str:
    """``within 25 miles``, or ``in Colorado`` for a whole state (escaped)."""
    if result.origin.precision == "state":
        return _("in {place}").format(place=escape(result.origin.label))
    return _("within {miles} miles").format(miles=_miles(result.query.radius_miles))


def where_text(result: SearchResult, *, escape: Escape = escape_markdown) -> str:
    """``within 25 miles of Denver, CO 80202``, or ``in Colorado`` for a whole state (escaped)."""
    if result.origin.precision == "state":
        return scope_text(result, escape=escape)
    return _("within {miles} miles of {place}").format(
        miles=_miles(result.query.radius_miles), place=escape(result.origin.label)
    )


def summary_sentence(
    result: SearchResult, *, unfiltered: int | None = None, escape: Escape = escape_markdown
) -> str:
    """What the search found, in one line (escaped for Markdown).

    ``23 clinics within 25 miles of Denver, CO 80202``, or with filters on
    ``3 of 11 clinics within 25 miles of Denver, CO 80202 match your 2 filters``
    (``unfiltered`` is how many there are without the filters).
    """
    count = len(result.in_person)
    place = escape(result.origin.label)
    miles = _miles(result.query.radius_miles)
    whole_state = result.origin.precision == "state"
    filters = chip_count(result.query.filters)
    if not filters or not unfiltered:
        if whole_state:
            found = ngettext("{count} clinic in {place}", "{count} clinics in {place}", count)
        else:
            found = ngettext(
                "{count} clinic within {miles} miles of {place}",
                "{count} clinics within {miles} miles of {place}",
                count,
            )
        return found.format(count=i18n.format_number(count), miles=miles, place=place)
    # Two counts in one sentence: the clause saying how many filters it matches is its own
    # message, in the form for the number of clinics that match (the verb agrees with it).
    if count == 1:
        # TRANSLATORS: the end of "1 of 11 clinics within 25 miles of Denver, CO matches
        # your 2 filters": one clinic matches.
        matched = ngettext("matches your {filters} filter", "match your {filters} filters", filters)
    else:
        # TRANSLATORS: the end of "3 of 11 clinics within 25 miles of Denver, CO match your
        # 2 filters": several clinics (or none) match.
        matched = ngettext("match your {filters} filter", "match your {filters} filters", filters)
    if whole_state:
        # TRANSLATORS: {matched} is "match your 2 filters" (the message above).
        sentence = ngettext(
            "{count} of {total} clinic in {place} {matched}",
            "{count} of {total} clinics in {place} {matched}",
            unfiltered,
        )
    else:
        # TRANSLATORS: {matched} is "match your 2 filters" (the message above).
        sentence = ngettext(
            "{count} of {total} clinic within {miles} miles of {place} {matched}",
            "{count} of {total} clinics within {miles} miles of {place} {matched}",
            unfiltered,
        )
    return sentence.format(
        count=i18n.format_number(count),
        total=i18n.format_number(unfiltered),
        miles=miles,
        place=place,
        matched=matched.format(filters=i18n.format_number(filters)),
    )


def at_home_summary(result: SearchResult, *, escape: Escape = escape_markdown) -> str:
    """``4 at-home (telehealth) providers are licensed in CO`` (escaped)."""
    count = len(result.at_home)
    return ngettext(
        "{count} at-home (telehealth) provider is licensed in {state}",
        "{count} at-home (telehealth) providers are licensed in {state}",
        count,
    ).format(count=i18n.format_number(count), state=escape(result.origin.state))


def filters_in_words(query: SearchQuery, *, escape: Escape = escape_markdown) -> str:
    """``IV infusion, Works with VA and Up to $100`` (escaped), or ``""`` with none on."""
    return i18n.join_words(
        [
            escape(chip.label)
            for name, value in query.filters.items()
            for chip in filter_named(name).chips(value)
        ]
    )


def no_match_sentence(result: SearchResult, *, escape: Escape = escape_markdown) -> str:
    """Why the list is empty, naming the filters in the way (escaped)."""
    miles = _miles(result.query.radius_miles)
    place = escape(result.origin.label)
    filters = filters_in_words(result.query, escape=escape)
    if not filters:
        return _("There is no clinic in our list within {miles} miles of {place}.").format(
            miles=miles, place=place
        )
    return ngettext(
        "No clinic within {miles} miles of {place} matches your filter: {filters}.",
        "No clinic within {miles} miles of {place} matches your filters: {filters}.",
        chip_count(result.query.filters),
    ).format(miles=miles, place=place, filters=filters)


def out_of_reach_sentence(result: SearchResult, *, escape: Escape = escape_markdown) -> str:
    """Nothing near and nothing within reach: say so plainly (escaped)."""
    return _(
        "There is no clinic in our list within reach either: none in {state} or within "
        "{miles} miles matches."
    ).format(state=escape(result.origin.state), miles=i18n.format_number(NEAREST_BOUND_MILES))


def nearest_sentence(result: SearchResult, *, escape: Escape = escape_markdown) -> str | None:
    """``The nearest that matches is 63 miles away, in Pueblo, CO.`` (escaped)."""
    if len(result.in_person) or result.nearest_outside_radius.empty:
        return None
    first = result.nearest_outside_radius.iloc[0]
    return _("The nearest that matches is {miles} miles away, in {city}, {state}.").format(
        miles=i18n.format_number(first[DISTANCE_COLUMN]),
        city=escape(first["city"]),
        state=escape(first["state"]),
    )


def shortlist_html(
    rows: pd.DataFrame,
    heading: str,
    today: date,
    *,
    note: str = "",
    directions_provider: Provider | None = None,
) -> str:
    """A page of the chosen clinics to keep, print or read on a phone: every value escaped.

    Phone numbers are tap-to-call links (from a validated number only), each clinic has a
    "Directions" link (opened in a new tab, see :mod:`directory.directions`), the text is
    readable without zooming on a phone, and it prints cleanly on paper. ``note`` (e.g.
    that the listings are fictional samples) is printed at the top.
    """
    provider = directions_provider or provider_from_env()
    items: list[str] = []
    for _position, row in rows.iterrows():
        lines: list[str] = []
        for label, text in facts_of(row, today, _SHORTLIST_FACTS):
            if not text:
                continue
            value = escape(text)
            tel = tel_uri(text) if label == "Phone" else None
            link = safe_link(text) if label == "Website" else None
            if tel is not None:
                value = f'<a href="{escape(tel)}">{value}</a>'
            elif link is not None:
                value = f'<a href="{escape(link)}" rel="noopener noreferrer">{value}</a>'
            lines.append(f"<dt>{escape(heading_text(label))}</dt><dd>{value}</dd>")
            if label == "Address":
                lines.append(_directions_item(row, provider))
        distance = distance_text(row)
        notes = escape(_("Notes:"))
        items.append(
            f"<li><h2>{escape(str(row.get('name')))}"
            + (f" <small>({escape(distance)})</small>" if distance else "")
            + f"</h2><dl>{''.join(lines)}</dl><p class=notes>{notes} "
            "____________________</p></li>"
        )
    # The crisis line in the page's language. 988 answers in Spanish when a caller presses 2
    # (988 Suicide & Crisis Lifeline, https://988lifeline.org/help-yourself/en-espanol/),
    # and veterans reach the Veterans Crisis Line by pressing 1
    # (https://www.veteranscrisisline.net/), as in directory.content.CRISIS_LINES.
    made = escape(
        _(
            "Made {date}. Call each clinic to confirm details. In a crisis, call or text "
            "{crisis_number} (veterans: press 1, or text {veterans_text}). In immediate danger, "
            "call {emergency}."
        )
    ).format(
        date=escape(i18n.format_date(today)),
        crisis_number='<a href="tel:988">988</a>',
        veterans_text='<a href="sms:838255">838255</a>',
        emergency='<a href="tel:911">911</a>',
    )
    return (
        f'<!doctype html><html lang="{i18n.language()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(heading)}</title><style>{_SHORTLIST_CSS}</style></head><body>"
        f"<h1>{escape(heading)}</h1>"
        + (f"<p><strong>{escape(note)}</strong></p>" if note else "")
        + f"<p>{made}</p>"
        f"<ol>{''.join(items)}</ol></body></html>"
    )


def _directions_item(row: Row, provider: Provider) -> str:
    """The shortlist's "Directions" entry, or ``""`` (at-home providers have none)."""
    route = directions_url(row, provider)
    if route is None:
        return ""
    heading = escape(_("Directions"))
    return (
        f'<dt>{heading}</dt><dd><a href="{escape(route)}" target="_blank" '
        f'rel="noopener noreferrer">{escape(link_text(row.get("name")))}</a></dd>'
    )


_SHORTLIST_FACTS = tuple(f.heading for f in FACTS if f.heading != "Distance")
_SHORTLIST_CSS = (
    "body{font:17px/1.5 system-ui,sans-serif;margin:1em auto;max-width:40em;padding:0 1em;"
    "color:#1a1a1a}h1{font-size:1.5em}h2{font-size:1.2em;margin:0 0 .3em}"
    "dt{font-weight:bold}dd{margin:0 0 .4em}li{break-inside:avoid;margin-bottom:1.5em}"
    "a{color:#0b57d0}a[href^='tel:']{display:inline-block;min-height:44px;line-height:44px}"
    "@media (min-width:40em){dt{float:left;width:11em;clear:left}dd{margin-left:11.5em}}"
    "@media print{body{font-size:12pt;max-width:none}a{color:inherit;text-decoration:none}"
    "a[href^='tel:']{min-height:0;line-height:inherit}.notes{margin-top:.5em}}"
)

COMPARISON_ROWS = (
    "Distance", "Treatment", "Treats", "Payment", "VA", "Therapist", "Price", "New patients",
    "Phone", "Verified",
)  # fmt: skip


def comparison_table(rows: pd.DataFrame, today: date) -> pd.DataFrame:
    """Clinics side by side, one column each, headed ``Name (City, ST)``.

    Chains share names, so a heading that would repeat gets the clinic's id as well:
    two columns must never merge into one.
    """
    headings = [
        f"{row.get('name')} ({row.get('city')}, {row.get('state')})"
        if row.get("city")
        else str(row.get("name"))
        for _position, row in rows.iterrows()
    ]
    repeated = {h for h in headings if headings.count(h) > 1}
    columns: dict[str, list[str]] = {}
    for heading, (_position, row) in zip(headings, rows.iterrows(), strict=True):
        key = f"{heading} [{row.get('id')}]" if heading in repeated else heading
        columns[key] = [text for _heading, text in facts_of(row, today, COMPARISON_ROWS)]
    return pd.DataFrame(columns, index=[heading_text(h) for h in COMPARISON_ROWS])


def comparison_markdown(rows: pd.DataFrame, today: date) -> pd.DataFrame:
    """:func:`comparison_table` as the page shows it (``st.table`` renders Markdown in every
    cell): every value and heading escaped, and each phone number a link to call."""
    table = comparison_table(rows, today)
    cells = table.map(escape_markdown)
    phone_row = heading_text("Phone")
    for column, (_index, row) in zip(cells.columns, rows.iterrows(), strict=True):
        tel = tel_uri(row.get("phone"))
        if tel:
            cells.loc[phone_row, column] = f"[{escape_markdown(row.get('phone'))}]({tel})"
    cells.columns = pd.Index([escape_markdown(column) for column in table.columns])
    cells.index = pd.Index([escape_markdown(heading) for heading in table.index])
    return cells
