"""Page script for st.navigation: About ketamine care."""

from directory.ui import about

about.render()
