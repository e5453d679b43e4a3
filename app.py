"""Ketamine Clinic Finder: the Streamlit entry point (``streamlit run app.py``).

Pages live in ``directory/ui``; this file only sets up the page, shows the
crisis line on every page and hands over to the navigation.
"""

import streamlit as st

from directory.ui.common import render_crisis_line

# An emoji favicon, not ":material/...": Streamlit fetches material favicons from Google's
# font CDN, and the app makes no third-party requests.
st.set_page_config(page_title="Ketamine Clinic Finder", page_icon="🧭", layout="wide")
render_crisis_line()
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
page.run()
