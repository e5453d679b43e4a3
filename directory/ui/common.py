"""What every page shares: the crisis line, the footer, the data, and error messages.

Streamlit caching wraps the plain loaders here, at the edge; the engine below
never calls ``st.*``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import streamlit as st

from directory import content
from directory.dataset import LoadedClinics, load_clinics
from directory.errors import AmbiguousPlaceError, DirectoryError, PlaceNotFoundError
from directory.search import ClinicIndex, index_clinics

DATA_ENV = "CLINICS_CSV"
DEFAULT_DATA = Path("data/clinics.csv")


@dataclass(frozen=True)
class Directory:
    """The loaded data file and its search index, shared by every session."""

    path: Path
    loaded: LoadedClinics
    index: ClinicIndex
    is_sample: bool


def data_path() -> Path:
    return Path(os.environ.get(DATA_ENV) or DEFAULT_DATA)


def get_directory() -> Directory:
    """The current data, reloaded when the file changes (keyed on its mtime and size)."""
    path = data_path()
    stat = path.stat()  # DataFileError below gives the friendly message if this fails
    return _load_directory(str(path), stat.st_mtime_ns, stat.st_size, date.today())


@st.cache_resource(max_entries=2, show_spinner="Loading the clinic list…")
def _load_directory(path: str, _mtime_ns: int, _size: int, today: date) -> Directory:
    # cache_resource, not cache_data: the table is shared read-only, never copied per rerun.
    loaded = load_clinics(path, today=today)
    usable = loaded.usable()
    return Directory(Path(path), loaded, index_clinics(usable), is_sample_data(usable))


def is_sample_data(table: object) -> bool:
    """True when every listing uses the fictional 555-01xx phones and example domains."""
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or table.empty:
        return False
    phones = table["phone"].fillna("")
    websites = table["website"].fillna("")
    fictional_phone = phones.eq("") | phones.str.contains(r"555-01\d\d", regex=True)
    example_site = websites.eq("") | websites.str.contains(r"\.example\.(?:com|org)\b", regex=True)
    return bool(fictional_phone.all() and example_site.all())


def user_message(error: DirectoryError) -> str:
    """The one place errors become words on the page."""
    if isinstance(error, AmbiguousPlaceError | PlaceNotFoundError):
        return str(error)
    return f"Sorry, something is wrong: {error}"


def render_crisis_line() -> None:
    """The crisis line, at the top of every page and in the sidebar."""
    st.error(content.CRISIS_MARKDOWN, icon=":material/call:")
    with st.sidebar:
        st.markdown(content.CRISIS_MARKDOWN)


def render_footer(directory: Directory | None) -> None:
    st.divider()
    if directory is not None and directory.is_sample:
        st.warning(content.SAMPLE_DATA_NOTE, icon=":material/science:")
    st.caption(content.DISCLAIMER_MARKDOWN)
    st.caption(content.DATA_CREDITS_MARKDOWN)
