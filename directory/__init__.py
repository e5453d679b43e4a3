"""Ketamine Clinic Finder: the clinic data, its validation, geocoding and search.

Plain, typed Python with no Streamlit in it; ``app.py`` and ``directory.ui``
are the only modules that talk to Streamlit.
"""

__version__ = "0.1.0"
