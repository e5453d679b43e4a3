"""The answer to a search: the clinic cards, the empty state, at-home care and take-away.

All wording comes from :mod:`directory.listing` and :mod:`directory.facts` (escaped there);
this module only lays it out and keeps the small per-session state of the list (how
many cards are shown, which are compared).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from directory import content, export, i18n, listing, safetext
from directory.facts import Row
from directory.filters import RADIUS_CHOICES_MILES, filter_named
from directory.i18n import gettext as _
from directory.i18n import ngettext
from directory.search import (
    ClinicIndex,
    SearchResult,
    suggest_relaxations,
    suggest_wider_radius,
)
from directory.ui import report as report_ui
from directory.ui import search_state, style

PAGE_SIZE = 10
ALSO_AT_HOME_PAGE_SIZE = 5
"""At-home providers shown at first under the clinics nearby (all ten when they lead)."""
MAX_COMPARE = 3
RESULTS_HEADING = "results-heading"


def card_key(section: str, position: int) -> str:
    """The container key of the card at ``position`` in a section's list."""
    return f"card-{section}-{position}"


def render_list(
    index: ClinicIndex,
    rows: pd.DataFrame,
    today: date,
    selected: str | None,
    *,
    section: str,
    page_size: int = PAGE_SIZE,
) -> None:
    """Cards for ``rows`` (rows of ``index``), ``page_size`` at a time; the clinic selected
    on the map first."""
    ids = rows["id"].tolist()
    if selected is not None and selected in ids:
        st.success(_("Selected on the map:"), icon=":material/location_on:")
        (chosen,) = index.head_records(rows.iloc[[ids.index(selected)]], 1)
        _render_card(chosen, today, key=f"{section}-selected")
    signature = (section, tuple(ids[:50]))
    if st.session_state.get(f"_{section}_signature") != signature:
        st.session_state[f"_{section}_signature"] = signature
        st.session_state[f"_{section}_shown"] = page_size
    shown = int(st.session_state.get(f"_{section}_shown", page_size))
    for position, row in enumerate(index.head_records(rows, shown)):
        _render_card(row, today, key=card_key(section, position))
    if len(rows) > shown:
        more, left = min(page_size, len(rows) - shown), len(rows) - shown
        st.button(
            _show_more_label(more, left, providers=section == "at_home"),
            key=f"more-{section}",
            on_click=_show_more,
            args=(section, shown, page_size),
        )


def _show_more_label(more: int, left: int, *, providers: bool) -> str:
    """``Show 10 more clinics (of 23 left)``, or ``Show the other 3 clinics``."""
    numbers = {"count": i18n.format_number(more), "left": i18n.format_number(left)}
    if more < left:
        if providers:
            text = ngettext(
                "Show {count} more provider (of {left} left)",
                "Show {count} more providers (of {left} left)",
                more,
            )
        else:
            text = ngettext(
                "Show {count} more clinic (of {left} left)",
                "Show {count} more clinics (of {left} left)",
                more,
            )
    elif providers:
        text = ngettext("Show the other {count} provider", "Show the other {count} providers", more)
    else:
        text = ngettext("Show the other {count} clinic", "Show the other {count} clinics", more)
    return text.format(**numbers)


def _show_more(section: str, shown: int, page_size: int = PAGE_SIZE) -> None:
    st.session_state[f"_{section}_shown"] = shown + page_size
    # Keyboard and screen-reader users land on the first new card, not the top of the page.
    style.request_focus(card_key(section, shown))


def _render_card(row: Row, today: date, *, key: str) -> None:
    with st.container(border=True, key=key):
        # Visitors' reports first, before the phone number they are about.
        report_ui.render_flag_note(row)
        # One element for the title and the facts: each element is a message to the browser.
        st.markdown(f"### {listing.clinic_title(row)}\n\n{listing.clinic_markdown(row, today)}")
        clinic_id = str(row["id"])
        widget = f"compare-{key}-{clinic_id}"
        chosen = compare_ids()
        st.checkbox(
            # Widget labels render Markdown too: the name is escaped like every data value.
            _("Compare {name}").format(name=safetext.escape_markdown(row["name"])),
            key=widget,
            value=clinic_id in chosen,
            disabled=clinic_id not in chosen and len(chosen) >= MAX_COMPARE,
            on_change=_toggle_compare,
            args=(clinic_id, widget),
        )
        report_ui.render_report_control(row, key=key)


def keep_comparable(result: SearchResult) -> None:
    """Forget compared clinics that are not in this search, so the boxes stay usable."""
    shown: set[str] = set()
    for frame in (result.in_person, result.at_home, result.nearest_outside_radius):
        shown.update(frame["id"].astype(str))
    st.session_state["_compare"] = [c for c in compare_ids() if c in shown]


def compare_ids() -> list[str]:
    chosen = st.session_state.setdefault("_compare", [])
    return chosen if isinstance(chosen, list) else []


def _toggle_compare(clinic_id: str, widget_key: str) -> None:
    chosen = [c for c in compare_ids() if c != clinic_id]
    if st.session_state.get(widget_key) and len(chosen) < MAX_COMPARE:
        chosen.append(clinic_id)
    st.session_state["_compare"] = chosen


def render_empty_state(index: ClinicIndex, result: SearchResult, today: date) -> None:
    """Nothing inside the distance: say why, offer one-tap ways out, show the nearest."""
    query = result.query
    st.info(listing.no_match_sentence(result), icon=":material/explore:")
    whole_state = result.origin.precision == "state"
    relaxations = suggest_relaxations(index, query)
    wider = None if whole_state else suggest_wider_radius(index, query, RADIUS_CHOICES_MILES)
    if relaxations or wider:
        with st.container(key="relax"):
            st.markdown(_("**To see clinics nearby, try:**"))
            for relaxation in relaxations:
                entry = filter_named(relaxation.filter)
                found = relaxation.in_person_count
                st.button(
                    # TRANSLATORS: a button: "Any payment option: 4 clinics within 25 miles"
                    # ({scope} is "within 25 miles" or "in Colorado").
                    ngettext(
                        "{relax}: {count} clinic {scope}", "{relax}: {count} clinics {scope}", found
                    ).format(
                        relax=entry.shown_relax(),
                        count=i18n.format_number(found),
                        scope=listing.scope_text(result),
                    ),
                    key=f"relax-{entry.name}",
                    on_click=search_state.set_filter,
                    args=(entry.name, entry.default),
                )
            if wider is not None:
                miles, count = wider
                st.button(
                    ngettext(
                        "Search within {miles} miles: {count} clinic",
                        "Search within {miles} miles: {count} clinics",
                        count,
                    ).format(miles=i18n.format_number(miles), count=i18n.format_number(count)),
                    key="relax-radius",
                    on_click=search_state.set_radius,
                    args=(miles,),
                )
    nearest = listing.nearest_sentence(result)
    if nearest and len(result.nearest_outside_radius):
        st.markdown(
            _("**Nearest matching clinics further away.** {nearest}").format(nearest=nearest)
        )
        render_list(index, result.nearest_outside_radius, today, None, section="nearest")
    elif not whole_state:
        st.markdown(listing.out_of_reach_sentence(result))
    if not len(result.nearest_outside_radius):
        # Point to the at-home list only when it has someone to offer.
        at_home = (
            _("You may still find care at home: see the at-home (telehealth) providers below.")
            if len(result.at_home)
            else ""
        )
        st.markdown(" ".join(part for part in (at_home, content.va_locator_markdown()) if part))


CLINICS_ANCHOR = "clinics-in-person"
"""The anchor of the in-person clinics' heading when at-home providers lead the page."""


def render_at_home(
    index: ClinicIndex, result: SearchResult, today: date, *, first: bool = False
) -> None:
    """At-home (telehealth) providers licensed in the patient's state.

    ``first``: they lead the page (a whole-state search, or only at-home care asked for).
    Leading a whole state's page, a link goes to the clinics below them.
    """
    state = safetext.escape_markdown(result.origin.state)
    if first:
        heading = listing.at_home_summary(result)
    elif result.at_home.empty:  # not "also available": the sentence below says none is
        heading = _("At-home (telehealth) care in {state}").format(state=state)
    else:
        heading = _("Also available at home in {state}").format(state=state)
    st.header(heading)
    clinics_below = len(result.in_person) if first else 0
    if clinics_below:
        # On a phone the clinics would start screens further down: say they are there.
        st.markdown(
            ngettext(
                "[Skip to the {count} clinic you can visit](#{anchor})",
                "[Skip to the {count} clinics you can visit](#{anchor})",
                clinics_below,
            ).format(count=i18n.format_number(clinics_below), anchor=CLINICS_ANCHOR)
        )
    if result.at_home.empty:
        st.markdown(
            _(
                "No at-home (telehealth) provider in the list matches your filters in {state}."
            ).format(state=state)
        )
        return
    st.caption(
        _(
            "These providers are licensed to treat patients at home in your state. "
            "Prices are per month of at-home treatment."
        )
    )
    # Below the clinics nearby they are the second answer: a shorter first page keeps the
    # page (and each visit's cost) down; "Show more" brings the rest.
    page_size = PAGE_SIZE if first and not clinics_below else ALSO_AT_HOME_PAGE_SIZE
    render_list(index, result.at_home, today, None, section="at_home", page_size=page_size)


def render_take_away(result: SearchResult, today: date, *, is_sample: bool) -> None:
    """The downloads (CSV, printable shortlist) and the side-by-side comparison."""
    sections = {
        "in_person": result.in_person,
        "at_home": result.at_home,
        "nearest_outside_radius": result.nearest_outside_radius,
    }
    sections = {name: frame for name, frame in sections.items() if len(frame)}
    if not sections:
        return
    st.header(_("Take your list with you"))
    # Only ids here: the tables are joined only for a download or the comparison.
    pool_ids = list(dict.fromkeys(i for frame in sections.values() for i in frame["id"].tolist()))
    picked_ids = [i for i in compare_ids() if i in set(pool_ids)]
    left, right = st.columns(2)
    left.download_button(
        ngettext(
            "Download all {count} clinic (CSV)", "Download all {count} clinics (CSV)", len(pool_ids)
        ).format(count=i18n.format_number(len(pool_ids))),
        # A callable: the file is built only when the patient asks for it. The byte-order
        # mark tells Excel the file is UTF-8 (else "Teléfono" and "Clínica" come out garbled).
        i18n.in_active_language(lambda: "\ufeff" + export.patient_csv(sections, today)),
        # TRANSLATORS: a file name: plain letters, digits and hyphens only.
        file_name=_("ketamine-clinics.csv"),
        mime="text/csv",
        key="csv",
    )
    count = len(picked_ids) or min(len(pool_ids), PAGE_SIZE)
    if picked_ids:
        label = ngettext(
            "Printable shortlist of the {count} compared clinic",
            "Printable shortlist of the {count} compared clinics",
            count,
        )
    elif len(pool_ids) > count:
        label = ngettext(
            "Printable shortlist of the first {count} clinic",
            "Printable shortlist of the first {count} clinics",
            count,
        )
    else:
        label = ngettext(
            "Printable shortlist of {count} clinic", "Printable shortlist of {count} clinics", count
        )
    right.download_button(
        label.format(count=i18n.format_number(count)),
        i18n.in_active_language(
            lambda: listing.shortlist_html(
                _shortlist(sections, picked_ids),
                _("Clinics near {place}").format(place=result.origin.label),
                today,
                note=content.sample_data_note_plain() if is_sample else "",
            )
        ),
        # TRANSLATORS: a file name: plain letters, digits and hyphens only.
        file_name=_("clinic-shortlist.html"),
        mime="text/html",
        key="shortlist",
    )
    if len(picked_ids) >= 2:
        st.subheader(_("Compare side by side"))
        picked = _shortlist(sections, picked_ids)
        # A static table: every fact wraps in full (a grid cuts them off), and it has no
        # toolbar in another language; phones are links to call.
        st.table(listing.comparison_markdown(picked, today))
        report_ui.render_compare_controls(picked)
    else:
        st.caption(
            _('Tick "Compare" on up to {count} clinics to see them side by side.').format(
                count=i18n.format_number(MAX_COMPARE)
            )
        )


def _shortlist(sections: dict[str, pd.DataFrame], picked_ids: list[str]) -> pd.DataFrame:
    """The compared clinics, else the first :data:`PAGE_SIZE` of all sections."""
    pool = pd.concat(list(sections.values()), ignore_index=True).drop_duplicates("id")
    return pool[pool["id"].isin(picked_ids)] if picked_ids else pool.head(PAGE_SIZE)
