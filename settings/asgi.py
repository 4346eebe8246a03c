"""ASGI entry point: uvicorn settings.asgi:application"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

from django.core.asgi import get_asgi_application

from settings.bootstrap import bootstrap

# Before Django sets up the apps: PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client
# is first imported, and the render threads must find malloc's arenas capped.
bootstrap(server=True)
django_application = get_asgi_application()

from resizer.factory import service  # noqa: E402
from resizer.server import run_dir  # noqa: E402
from resizer.server.asgi import MediaApp  # noqa: E402

# /media/ goes straight to the service (resizer.server.asgi); everything else through Django.
# The last worker to stop removes the server's run directory.
application = MediaApp(django_application, service, on_shutdown=run_dir.release)
