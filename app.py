"""Ketamine Clinic Finder: the Streamlit entry point (``streamlit run app.py``).

Pages live in ``directory/ui``; this file only sets up the page, shows the
crisis line on every page and hands over to the navigation.
"""

import streamlit as st

from directory.ui.common import render_crisis_line

st.set_page_config(
    page_title="Ketamine Clinic Finder", page_icon=":material/explore:", layout="wide"
)
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
    ]
)
page.run()
