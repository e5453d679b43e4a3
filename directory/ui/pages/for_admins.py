"""Page script for st.navigation: For admins."""

from directory import i18n
from directory.ui import admin

# The admin page, like the command line and the validator, is in English (docs/admin.md).
i18n.activate(i18n.DEFAULT_LANGUAGE)
admin.render()
