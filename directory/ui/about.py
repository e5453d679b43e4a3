"""The "About ketamine care" page: fixed, reviewed text from ``content``."""

from __future__ import annotations

import streamlit as st

from directory import content
from directory.ui.common import render_footer


def render() -> None:
    st.title("About ketamine care")
    st.markdown(content.DISCLAIMER_MARKDOWN)
    for title, body in content.ABOUT_SECTIONS:
        st.header(title)
        st.markdown(body)
    render_footer(None)
