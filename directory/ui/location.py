"""The "Use my location" button: the browser's position, asked for only when pressed.

A small components v2 component (inline HTML, CSS and JS; nothing loaded from anywhere)
draws a real ``<button>``. On a press it calls ``navigator.geolocation`` and sends one
trigger, ``reply``, to this server: ``{id, lat, lon, accuracy}`` or ``{id, error}``.

The server issues the request ids. Each id belongs to the place the search had when it
was issued, and a new one is issued whenever that place changes or a reply is used, so
a reply is taken only if its id is the latest this session issued and the place is still
the one the patient saw when pressing: a late reply after the patient typed a place, a
repeated reply, or one from elsewhere changes nothing. The reply is checked and rounded
to about 1 km by :mod:`directory.position` before it is used; it is never logged.

The component is registered once per process, so its words are not in its HTML: each run
sends them, in the page's language, with the request id (:func:`texts`), and the script
writes them in.
"""

from __future__ import annotations

import secrets
from functools import cache
from typing import Any

import streamlit as st

from directory import position
from directory.i18n import N_
from directory.i18n import gettext as _
from directory.params import SearchForm
from directory.ui import results, search_state, style

COMPONENT_KEY = "use-my-location"
#: Session key of the outstanding request: ``(request id, the search's place then)``.
_REQUEST = "_location_request"
BUTTON_LABEL = N_("Use my location")
PRIVACY_NOTE = N_(
    "Only when you press it: rounded to about 1 km, sent only to this site, never logged."
)
#: Milliseconds the browser may take to find the position; the page stops waiting a little
#: after that even if the browser never answers (an ignored permission prompt).
TIMEOUT_MS = 10_000
GIVE_UP_MS = 15_000
MAX_AGE_MS = 5 * 60_000
_FINDING = N_("Finding your location…")


def texts() -> dict[str, str]:
    """The component's words in the active language (sent with each run's data)."""
    return {
        "label": _(BUTTON_LABEL),
        "note": _(PRIVACY_NOTE),
        "finding": _(_FINDING),
        # What a screen reader hears at once; the notice above the place box says it too.
        "failed": position.problem_message(position.LocationProblem.UNAVAILABLE),
    }


_HTML = """
<div class="loc">
  <span class="loc-note" id="loc-note"></span>
  <button type="button" class="loc-button" aria-describedby="loc-note">
    <svg class="loc-icon" aria-hidden="true" focusable="false" viewBox="0 0 24 24"
         width="20" height="20"><path fill="currentColor" d="M12 8a4 4 0 1 0 0 8 4 4 0 0 0
         0-8zm8.94 3A8.994 8.994 0 0 0 13 3.06V1h-2v2.06A8.994 8.994 0 0 0 3.06 11H1v2h2.06A8.994
         8.994 0 0 0 11 20.94V23h2v-2.06A8.994 8.994 0 0 0 20.94 13H23v-2h-2.06zM12 19c-3.87
         0-7-3.13-7-7s3.13-7 7-7 7 3.13 7 7-3.13 7-7 7z"/></svg>
    <span class="loc-text"></span>
  </button>
  <span class="loc-status" role="status" aria-live="polite"></span>
</div>
"""

# Matches Streamlit's secondary button; the note follows it on the same line (two short
# lines on a phone), so the button costs one row under the place box and no more.
_CSS = """
.loc { display: flex; align-items: center; gap: 0.6rem; font-family: inherit; }
.loc-note {
    order: 2; flex: 1 1 12rem; min-width: 0;
    font-size: 0.75rem; line-height: 1.3; color: #3d4451;
}
.loc-button {
    display: inline-flex; align-items: center; justify-content: center; gap: 0.4rem;
    min-width: 44px; min-height: 44px; padding: 0.25rem 0.75rem; box-sizing: border-box;
    font: inherit; font-size: 0.875rem; color: #31333f; white-space: nowrap; cursor: pointer;
    background: #fff; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;
}
.loc-button:hover {
    border-color: var(--st-primary-color, #1a5fb4); color: var(--st-primary-color, #1a5fb4);
}
.loc-button:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.loc-button[aria-busy="true"] { cursor: progress; }
.loc-status {
    position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); white-space: nowrap;
}
"""

# Runs in the page. Streamlit calls it again on every rerun with fresh data, so it wires
# the button once and keeps the latest request id and sender on the button itself.
_JS = f"""
export default function (component) {{
    const {{ data, parentElement, setTriggerValue }} = component;
    const button = parentElement.querySelector("button.loc-button");
    const status = parentElement.querySelector(".loc-status");
    const label = parentElement.querySelector(".loc-text");
    const note = parentElement.querySelector(".loc-note");
    const ERRORS = {{ 1: "denied", 2: "unavailable", 3: "timeout" }};
    if (!button) {{ return; }}
    const text = (name) => (data && typeof data[name] === "string" ? data[name] : "");
    button.__requestId = text("request");
    button.__send = setTriggerValue;
    // This run's words (the page's language may have changed since the last run).
    button.__texts = {{
        label: text("label"), finding: text("finding"), failed: text("failed"),
    }};
    note.textContent = text("note");
    const busy = button.getAttribute("aria-busy") === "true";
    label.textContent = busy ? button.__texts.finding : button.__texts.label;
    if (button.__wired) {{ return; }}
    button.__wired = true;
    const idle = () => {{
        button.removeAttribute("aria-busy");
        label.textContent = button.__texts.label;
    }};
    button.addEventListener("click", () => {{
        const id = button.__requestId;
        if (!id || button.getAttribute("aria-busy") === "true") {{ return; }}
        let done = false;
        let guard = 0;
        const reply = (answer) => {{
            if (done) {{ return; }}
            done = true;
            clearTimeout(guard);
            idle();
            status.textContent = answer.error ? button.__texts.failed : "";
            button.__send("reply", Object.assign({{ id: id }}, answer));
        }};
        if (!navigator.geolocation) {{ reply({{ error: "unsupported" }}); return; }}
        button.setAttribute("aria-busy", "true");
        label.textContent = button.__texts.finding;
        status.textContent = button.__texts.finding;
        guard = setTimeout(() => reply({{ error: "timeout" }}), {GIVE_UP_MS});
        // Two decimals here too: the browser sends no more than the server keeps.
        const coarse = (value) => Math.round(value * 100) / 100;
        navigator.geolocation.getCurrentPosition(
            (found) => reply({{
                lat: coarse(found.coords.latitude),
                lon: coarse(found.coords.longitude),
                accuracy: Math.round(found.coords.accuracy),
            }}),
            (failure) => reply({{ error: ERRORS[failure.code] || "unavailable" }}),
            {{ enableHighAccuracy: false, timeout: {TIMEOUT_MS}, maximumAge: {MAX_AGE_MS} }},
        );
    }});
}}
"""


@cache
def _component():  # type: ignore[no-untyped-def]
    return st.components.v2.component("clinic_finder_use_my_location", html=_HTML, css=_CSS, js=_JS)


def render_location_button() -> None:
    """Draw "Use my location" (beside the place box) with a request id for this place."""
    request_id = _current_request_id(_search().near)
    _component()(
        key=COMPONENT_KEY,
        data={"request": request_id, **texts()},
        width="content",
        on_reply_change=_on_reply,
    )


def _search() -> SearchForm:
    # Read, not search_state.current_search(): that may reseed widgets already drawn.
    form = st.session_state.get(search_state.FORM)
    return form if isinstance(form, SearchForm) else SearchForm()


def _current_request_id(place: str) -> str:
    """The outstanding request's id, or a new one if the place changed since it was issued."""
    request = st.session_state.get(_REQUEST)
    if isinstance(request, tuple) and len(request) == 2 and request[1] == place:
        return str(request[0])
    request_id = secrets.token_urlsafe(12)
    st.session_state[_REQUEST] = (request_id, place)
    return request_id


def _on_reply() -> None:
    """The page answered a press: use the rounded point, or say calmly what to do instead."""
    state: Any = st.session_state.get(COMPONENT_KEY)
    raw = state.get("reply") if isinstance(state, dict) else None
    reply = position.read_reply(raw)
    request = st.session_state.get(_REQUEST)
    if reply is None or not isinstance(request, tuple) or len(request) != 2:
        return
    request_id, place_at_press = request
    if reply.request_id != request_id or _search().near != place_at_press:
        return  # stale, repeated or foreign; or the patient typed a place since pressing
    del st.session_state[_REQUEST]  # used: the next render issues a new id
    if reply.position is not None:
        search_state.choose_place(reply.position.place_text)
        style.request_focus(results.RESULTS_HEADING)
    elif reply.problem is not None:
        search_state.add_notice(position.problem_message(reply.problem))
