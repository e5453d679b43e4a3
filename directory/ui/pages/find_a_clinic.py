"""Page script for st.navigation: Find a clinic."""

from directory.ui import find

find.render()
