"""Page script for st.navigation: For admins (in English: ``app.py`` sets the language)."""

from directory.ui import admin

admin.render()
