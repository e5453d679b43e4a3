"""How one clinic reads on the page: safe Markdown built from untrusted data.

Streamlit renders Markdown links of any scheme, so data values are escaped
before they reach Markdown (a name like ``[x](javascript:...)`` stays text),
and the only links built are ``tel:`` from a validated phone number and
http(s) from a validated web address.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

import pandas as pd

from directory import content, schema
from directory.search import DISTANCE_COLUMN, SearchResult
from directory.verification import is_too_old

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$&:=\"'])")
# Left as they are in a link target; everything else (spaces, parentheses, quotes, <>,
# backslashes, control and non-ASCII characters) is percent-encoded.
_LINK_SAFE = ":/?#[]@!$&'*+,;=%~-._"

THERAPIST_PLAIN = content.THERAPIST_REQUIREMENT_PLAIN
VA_PLAIN = content.VA_PLAIN
ACCEPTING_PLAIN = {
    "yes": "Accepting new patients",
    "no": "Not accepting new patients",
    "unknown": "Ask the clinic whether it takes new patients",
}


def escape_markdown(text: object) -> str:
    """Text that Markdown shows literally: no links, emphasis, HTML or LaTeX from data."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    flat = " ".join(str(text).split())  # newlines would start new Markdown blocks
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def safe_link(url: object) -> str | None:
    """An http(s) URL fit for a Markdown link target, or None.

    Accepts exactly what the validator accepts (:data:`directory.schema.WEB_ADDRESS`), so
    every web address in the data gets its link; parentheses, spaces and the like are
    percent-encoded so they cannot end the Markdown link early.
    """
    if not isinstance(url, str) or not schema.WEB_ADDRESS.fullmatch(url):
        return None
    return quote(url, safe=_LINK_SAFE)


def phone_link(phone: object) -> str | None:
    """``tel:`` target for a formatted phone number: digits and ``+`` only."""
    if not isinstance(phone, str) or not phone:
        return None
    main = re.split(r"\s*(?:ext\.?|x)\s*", phone, maxsplit=1, flags=re.IGNORECASE)[0]
    digits = re.sub(r"[^\d+]", "", main)
    if len(re.sub(r"\D", "", digits)) < 7:
        return None
    return "tel:" + (digits if digits.startswith("+") else "+1" + digits)


@dataclass(frozen=True)
class Verification:
    """What the page says about when a listing was last checked."""

    text: str
    stale: bool


def verification(last_verified: object, today: date) -> Verification:
    """``Verified 14 Sep 2026``, flagged when older than 12 months or missing."""
    if not isinstance(last_verified, str) or not last_verified:
        return Verification("Never verified: call to confirm the details", stale=True)
    try:
        when = date.fromisoformat(last_verified)
    except ValueError:
        return Verification("Verification date unknown: call to confirm", stale=True)
    shown = f"{when.day} {when:%b %Y}"
    if is_too_old(when, today):
        return Verification(f"Last verified {shown}, over a year ago: call to confirm", stale=True)
    return Verification(f"Last verified {shown}", stale=False)


def labels(codes: object, vocabulary: schema.Vocabulary) -> list[str]:
    """Plain-words labels for a canonical ``a;b`` cell."""
    if not isinstance(codes, str) or not codes:
        return []
    return [vocabulary.labels.get(code, code) for code in codes.split(";") if code]


def format_price(price: object, kind: object) -> str:
    """``About $550 a session`` (a month for at-home care), as plain text."""
    if not isinstance(price, int | float) or isinstance(price, bool) or math.isnan(price):
        return "Price not listed: ask the clinic"
    unit = "a month" if kind == "telehealth" else "a session"
    return f"About ${price:,.0f} {unit}"


def clinic_markdown(row: pd.Series, today: date) -> str:
    """The body of one clinic's card: every value escaped, links only from validated data."""
    lines: list[str] = []
    if row.get("kind") == "clinic":
        address = ", ".join(escape_markdown(row.get(c)) for c in ("address", "city") if row.get(c))
        place = f"{address}, {escape_markdown(row.get('state'))} {escape_markdown(row.get('zip'))}"
        if row.get(schema.COORDINATES_APPROXIMATE):
            place += " (map pin is approximate)"
        lines.append(place)
    else:
        lines.append(f"Treats patients at home in: {escape_markdown(_states_text(row))}")
    contact: list[str] = []
    tel = phone_link(row.get("phone"))
    if tel:
        contact.append(f"**Phone:** [{escape_markdown(row.get('phone'))}]({tel})")
    website = safe_link(row.get("website"))
    if website:
        # Link text names the clinic: a screen reader's list of links reads "Website" x20.
        contact.append(f"[Website of {escape_markdown(row.get('name'))}]({website})")
    if contact:
        lines.append(" · ".join(contact))
    lines.append("**Treatment:** " + ", ".join(labels(row.get("modalities"), schema.MODALITIES)))
    lines.append("**Treats:** " + ", ".join(labels(row.get("conditions"), schema.CONDITIONS)))
    payment = labels(row.get("payment"), schema.PAYMENT)
    insurers = escape_markdown(row.get("insurers"))
    lines.append(
        "**Payment:** "
        + (", ".join(payment) or "ask the clinic")
        + (f" ({insurers})" if insurers else "")
    )
    lines.append("**VA:** " + VA_PLAIN.get(str(row.get("va_coverage")), "unknown"))
    lines.append(
        "**Therapist:** "
        + THERAPIST_PLAIN.get(str(row.get("therapist_requirement")), "ask the clinic")
    )
    therapies = labels(row.get("trauma_therapies"), schema.TRAUMA_THERAPIES)
    if therapies:
        lines.append("**Trauma therapy offered:** " + ", ".join(therapies))
    price = format_price(row.get("price_per_session_usd"), row.get("kind"))
    lines.append("**Price:** " + escape_markdown(price))
    lines.append(
        ACCEPTING_PLAIN.get(str(row.get("accepting_new_patients")), ACCEPTING_PLAIN["unknown"])
    )
    if row.get("languages"):
        lines.append("**Languages:** " + escape_markdown(row.get("languages")))
    if row.get("notes"):
        lines.append("*" + escape_markdown(row.get("notes")) + "*")
    checked = verification(row.get("last_verified"), today)
    lines.append(
        (":material/warning: " if checked.stale else ":material/verified: ") + checked.text
    )
    return "  \n".join(lines)


def clinic_title(row: pd.Series) -> str:
    """``Name · 3.2 mi`` for a card heading (escaped)."""
    title = escape_markdown(row.get("name"))
    miles = row.get(DISTANCE_COLUMN)
    if isinstance(miles, int | float) and not math.isnan(miles):
        title += f" · {miles:.1f} mi"
    return title


def _states_text(row: pd.Series) -> str:
    states = str(row.get("service_states") or "")
    return "all US states" if states == schema.SERVICE_STATES_ALL else states.replace(";", ", ")


def summary_sentence(result: SearchResult) -> str:
    """``23 clinics within 25 miles of Denver, CO 80202`` (escaped for Markdown)."""
    count = len(result.in_person)
    noun = "clinic" if count == 1 else "clinics"
    radius = f"{result.query.radius_miles:g}"
    return f"{count} {noun} within {radius} miles of {escape_markdown(result.origin.label)}"


def nearest_sentence(result: SearchResult) -> str | None:
    """``Nothing within 25 miles; the nearest is 63 miles away in Pueblo, CO.``"""
    if len(result.in_person) or result.nearest_outside_radius.empty:
        return None
    first = result.nearest_outside_radius.iloc[0]
    return (
        f"Nothing within {result.query.radius_miles:g} miles; the nearest is "
        f"{first[DISTANCE_COLUMN]:.0f} miles away in {escape_markdown(first['city'])}, "
        f"{escape_markdown(first['state'])}."
    )


def shortlist_html(rows: pd.DataFrame, heading: str, today: date, *, note: str = "") -> str:
    """A print-friendly page of the chosen clinics: plain HTML, every value escaped.

    ``note`` (e.g. that the listings are fictional samples) is printed at the top.
    """
    from html import escape

    items: list[str] = []
    for _, row in rows.iterrows():
        facts = [
            ("Phone", row.get("phone")),
            (
                "Address",
                ", ".join(
                    str(row.get(c)) for c in ("address", "city", "state", "zip") if row.get(c)
                ),
            ),
            ("Serves at home", _states_text(row) if row.get("kind") == "telehealth" else ""),
            ("Website", row.get("website")),
            ("Treatment", ", ".join(labels(row.get("modalities"), schema.MODALITIES))),
            ("Treats", ", ".join(labels(row.get("conditions"), schema.CONDITIONS))),
            ("Payment", ", ".join(labels(row.get("payment"), schema.PAYMENT))),
            ("VA", VA_PLAIN.get(str(row.get("va_coverage")), "")),
            ("Therapist", THERAPIST_PLAIN.get(str(row.get("therapist_requirement")), "")),
            ("Price", format_price(row.get("price_per_session_usd"), row.get("kind"))),
            ("New patients", ACCEPTING_PLAIN.get(str(row.get("accepting_new_patients")), "")),
            ("Listing notes", row.get("notes")),
            ("Checked", verification(row.get("last_verified"), today).text),
        ]
        miles = row.get(DISTANCE_COLUMN)
        distance = (
            f" ({miles:.1f} miles)"
            if isinstance(miles, int | float) and not math.isnan(miles)
            else ""
        )
        lines = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in facts if v)
        items.append(
            f"<li><h2>{escape(str(row.get('name')))}{escape(distance)}</h2>"
            f"<dl>{lines}</dl><p>Notes: ____________________________</p></li>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(heading)}</title><style>body{{font:14px/1.4 sans-serif;margin:2em}}"
        "dt{font-weight:bold;float:left;width:8em}dd{margin-left:8.5em}li{break-inside:avoid;"
        "margin-bottom:1.5em}</style></head><body>"
        f"<h1>{escape(heading)}</h1>"
        + (f"<p><strong>{escape(note)}</strong></p>" if note else "")
        + f"<p>Made {today:%d %b %Y}. Call each clinic to confirm "
        "details. In a crisis call or text 988 (veterans press 1).</p>"
        f"<ol>{''.join(items)}</ol></body></html>"
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
        for _, row in rows.iterrows()
    ]
    repeated = {h for h in headings if headings.count(h) > 1}
    columns: dict[str, list[str]] = {}
    for heading, (_, row) in zip(headings, rows.iterrows(), strict=True):
        miles = row.get(DISTANCE_COLUMN)
        key = f"{heading} [{row.get('id')}]" if heading in repeated else heading
        columns[key] = [
            f"{miles:.1f} miles"
            if isinstance(miles, int | float) and not math.isnan(miles)
            else "",
            ", ".join(labels(row.get("modalities"), schema.MODALITIES)),
            ", ".join(labels(row.get("conditions"), schema.CONDITIONS)),
            ", ".join(labels(row.get("payment"), schema.PAYMENT)),
            VA_PLAIN.get(str(row.get("va_coverage")), ""),
            THERAPIST_PLAIN.get(str(row.get("therapist_requirement")), ""),
            format_price(row.get("price_per_session_usd"), row.get("kind")),
            ACCEPTING_PLAIN.get(str(row.get("accepting_new_patients")), ""),
            str(row.get("phone") or ""),
            verification(row.get("last_verified"), today).text,
        ]
    return pd.DataFrame(columns, index=list(COMPARISON_ROWS))
