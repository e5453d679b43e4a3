"""Page script for st.navigation: For admins."""

from directory.ui import admin

admin.render()
