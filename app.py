"""Ketamine Clinic Finder: the Streamlit entry point (``streamlit run app.py``).

Pages live in ``directory/ui``; this file only sets up the page, shows the
crisis line on every page and hands over to the navigation.
"""

import streamlit as st

from directory.ui.common import render_crisis_line
from directory.ui.style import apply_stylesheet, crisis_skip_link

# An emoji favicon, not ":material/...": Streamlit fetches material favicons from Google's
# font CDN, and the app makes no third-party requests. No page_title here: each page's
# title names the page in the browser tab ("Find a clinic · Ketamine Clinic Finder").
st.set_page_config(page_icon="🧭", layout="wide")
apply_stylesheet()
render_crisis_line()
crisis_skip_link()
page = st.navigation(
    [
        st.Page(
            "directory/ui/pages/find_a_clinic.py",
            title="Find a clinic",
            icon=":material/search:",
            default=True,
        ),
        st.Page(
            "directory/ui/pages/about_ketamine_care.py",
            title="About ketamine care",
            icon=":material/menu_book:",
        ),
        st.Page(
            "directory/ui/pages/for_admins.py",
            title="For admins",
            icon=":material/admin_panel_settings:",
        ),
    ]
)
st.set_page_config(page_title=f"{page.title} · Ketamine Clinic Finder")
page.run()
