"""The "About ketamine care" page: fixed, reviewed text from ``content``."""

from __future__ import annotations

import streamlit as st

from directory import content
from directory.i18n import gettext as _
from directory.ui.common import render_footer
from directory.ui.language import sync_url_language


def render() -> None:
    sync_url_language()
    st.title(_("About ketamine care"))
    st.markdown(content.disclaimer_markdown())
    for title, body in content.about_sections():
        st.header(title)
        st.markdown(body)
    render_footer(None)
