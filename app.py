"""Ketamine Clinic Finder: the Streamlit entry point (``streamlit run app.py``).

Pages live in ``directory/ui``; this file only sets up the page and its language, shows
the crisis line on every page and hands over to the navigation.
"""

import streamlit as st

from directory import i18n
from directory.i18n import N_
from directory.i18n import gettext as _
from directory.ui.common import render_crisis_line
from directory.ui.language import (
    activate_session_language,
    page_title,
    render_language_switch,
)
from directory.ui.style import apply_stylesheet, crisis_skip_link

# The admin page's URL path: it has no language switch (it stays in English). A comment, not
# a string under it: Streamlit's "magic" would show a bare string on every page.
ADMIN_PAGE = "for_admins"
ADMIN_TITLE = N_("For admins")

# An emoji favicon, not ":material/...": Streamlit fetches material favicons from Google's
# font CDN, and the app makes no third-party requests. No page_title here: each page's
# title names the page in the browser tab ("Find a clinic · Ketamine Clinic Finder").
st.set_page_config(page_icon="🧭", layout="wide")
activate_session_language()
page = st.navigation(
    [
        st.Page(
            "directory/ui/pages/find_a_clinic.py",
            title=_("Find a clinic"),
            icon=":material/search:",
            default=True,
        ),
        st.Page(
            "directory/ui/pages/about_ketamine_care.py",
            title=_("About ketamine care"),
            icon=":material/menu_book:",
        ),
        st.Page(
            "directory/ui/pages/for_admins.py",
            title=_(ADMIN_TITLE),
            icon=":material/admin_panel_settings:",
            url_path=ADMIN_PAGE,
        ),
    ]
)
# The navigation's labels are in the patient's language; the admin page itself, its
# crisis line and its tab title are English (docs/admin.md).
patient_page = page.url_path != ADMIN_PAGE
if not patient_page:
    i18n.activate(i18n.DEFAULT_LANGUAGE)
apply_stylesheet()
render_crisis_line()
crisis_skip_link()
if patient_page:
    render_language_switch()
st.set_page_config(page_title=page_title(page.title if patient_page else _(ADMIN_TITLE)))
try:
    page.run()
finally:
    i18n.deactivate()  # the next run's callbacks ask the session (see directory.i18n)
