"""ASGI entry point: uvicorn settings.asgi:application"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from settings.malloc import cap_arenas

cap_arenas()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
django_application = get_asgi_application()

# Imported once the settings are loaded: they prepare the metrics directory that resizer's
# metrics module reads when it is imported.
from resizer.server.asgi import MediaApp  # noqa: E402

# /media/ goes straight to the service (resizer.server.asgi); everything else through Django.
application = MediaApp(django_application)
