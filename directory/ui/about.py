"""The "About ketamine care" page: fixed, reviewed text from ``content``."""

from __future__ import annotations

import streamlit as st

from directory import content
from directory.ui.common import render_footer
from directory.ui.language import sync_url_language


def render() -> None:
    sync_url_language()
    st.title("About ketamine care")
    st.markdown(content.DISCLAIMER_MARKDOWN)
    for title, body in content.ABOUT_SECTIONS:
        st.header(title)
        st.markdown(body)
    render_footer(None)
