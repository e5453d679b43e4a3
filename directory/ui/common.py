"""What every page shares: the crisis line, the footer, the data, and error messages.

Streamlit caching wraps the plain loaders here, at the edge; the engine below
never calls ``st.*``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import streamlit as st

from directory import content, reports
from directory.dataset import LoadedClinics, load_clinics
from directory.errors import (
    ConfigError,
    DataConflictError,
    DataFileError,
    DirectoryError,
    InvalidDataError,
    PlaceError,
    ReportRefusedError,
    ReportStoreError,
    SaveError,
)
from directory.geocoding import OnlineGeocoder, online_geocoder_from_env
from directory.i18n import gettext as _
from directory.maps import TileSettings, tile_settings_from_env
from directory.safetext import escape_markdown
from directory.search import ClinicIndex, index_clinics

logger = logging.getLogger(__name__)

DATA_ENV = "CLINICS_CSV"
DEFAULT_DATA = Path("data/clinics.csv")


@dataclass(frozen=True)
class Directory:
    """The loaded data file and its search index, shared by every session."""

    path: Path
    version: tuple[int, int]
    """The file's modification time (ns) and size: what the caches are keyed on."""
    loaded: LoadedClinics
    index: ClinicIndex
    is_sample: bool


def data_path() -> Path:
    return Path(os.environ.get(DATA_ENV) or DEFAULT_DATA)


_shown_version: tuple[str, int, int, date] | None = None
"""The data version this process last loaded for a page: another one gets a spinner."""


def get_directory() -> Directory:
    """The current data, reloaded when the file changes (keyed on its mtime and size).

    A load shows "Loading the clinic list…" in the page's language. The spinner is ours,
    not the cache's, because a cache decorator's spinner text is fixed when the module is
    imported. It is skipped for the version loaded last (the usual run, a cache hit), so
    a run pays for no spinner; a version the cache dropped reloads without one.
    """
    global _shown_version  # one process-wide note, like the cache itself
    path = data_path()
    stat = path.stat()  # DataFileError below gives the friendly message if this fails
    version = (str(path), stat.st_mtime_ns, stat.st_size, date.today())
    if version == _shown_version:
        return _load_directory(*version)
    with st.spinner(_("Loading the clinic list…")):
        directory = _load_directory(*version)
    _shown_version = version
    return directory


@st.cache_resource(max_entries=2, show_spinner=False)
def _load_directory(path: str, mtime_ns: int, size: int, today: date) -> Directory:
    # cache_resource, not cache_data: the table is shared read-only, never copied per rerun.
    # Every argument is part of the cache key (no leading underscore), so a saved change
    # is loaded on the next interaction and "last verified" ages at midnight.
    loaded = load_clinics(path, today=today)
    usable = loaded.usable()
    return Directory(
        Path(path), (mtime_ns, size), loaded, index_clinics(usable), is_sample_data(usable)
    )


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


CONFLICT_ADVICE = (
    "Their change is kept: check what is shown below, then make your change again on top "
    "of the current data."
)
"""Said after the conflict itself (``storage.CONFLICT_MESSAGE``, the one wording of it)."""


def user_message(
    error: DirectoryError | OSError, *, for_admin: bool = False, saving: bool = False
) -> str:
    """The one place errors become words on the page.

    Messages quote what the person typed (or what a shared link carried), so they are
    escaped: a "place" like ``[Call now](https://...)`` must not become a live link.
    Patients get a calm sentence about an unreadable data file; admins get the reason.
    ``saving`` says the error stopped a save (an admin's upload, edit, restore...), so
    the message says that nothing was saved; :func:`directory.admin.error_details`
    gives the text shown under it (a conflict's changes, an invalid file's report).
    """
    if isinstance(error, PlaceError):
        return escape_markdown(str(error))
    if isinstance(error, ReportStoreError):
        # Before the OSError branch below: the clinic list itself is fine.
        # Translated where it is shown; its catalog entry is for directory/reports.py to mark.
        return _sentence(error) if for_admin else _(reports.NOT_SAVED_MESSAGE)
    if isinstance(error, ReportRefusedError):
        return _sentence(error)
    if isinstance(error, DataConflictError):
        return f"{_sentence(error)} {CONFLICT_ADVICE}"
    if isinstance(error, InvalidDataError):
        return "Nothing was saved: the data has errors (listed below). Fix them and try again."
    if isinstance(error, SaveError) and for_admin:
        # Already says what happened to the file ("...; nothing was changed").
        return _sentence(error)
    if isinstance(error, DataFileError | OSError):
        if for_admin:  # admins need the path and the reason to fix it
            reason = "The data file cannot be read: " + escape_markdown(str(error))
            return f"Nothing was saved. {reason}" if saving else reason
        return _(
            "The clinic list cannot be loaded right now. Please try again later. If you "
            "need help now, call or text 988."
        )
    if for_admin:
        return f"Nothing was saved: {escape_markdown(str(error))}." if saving else _sentence(error)
    return _("Sorry, something went wrong: {error}").format(error=escape_markdown(str(error)))


def _sentence(error: Exception) -> str:
    """An error's message as an escaped sentence: capital first letter, final full stop."""
    text = escape_markdown(str(error).strip())
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


@st.cache_resource
def online_geocoder() -> OnlineGeocoder | None:
    """The optional online geocoder, built once per process.

    Its rate limiter and cache only work if every session shares one instance: a new
    one per rerun would send the same address again and ignore the 1-per-second limit.
    """
    return online_geocoder_from_env()


@st.cache_resource
def tile_settings() -> TileSettings:
    """Map tiles from the environment; a bad setting falls back to no tiles, loudly."""
    try:
        return tile_settings_from_env()
    except ConfigError as error:
        logger.warning("map tiles are off: %s", error)
        return TileSettings(url=None)


CRISIS_KEY = "crisis"


def render_crisis_line() -> None:
    """The crisis line, first in every page (and first in the keyboard's order).

    The page's first Tab stop is a link to it (``style.crisis_skip_link``), so a
    keyboard or screen-reader user reaches 988 in one step from the top.
    """
    with st.container(key=CRISIS_KEY):
        st.error(content.crisis_markdown(), icon=":material/call:")


def render_footer(directory: Directory | None) -> None:
    st.divider()
    if directory is not None and directory.is_sample:
        st.warning(content.sample_data_note(), icon=":material/science:")
    st.caption(content.disclaimer_markdown())
    st.caption(content.data_credits_markdown())
