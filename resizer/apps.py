from __future__ import annotations

from django.apps import AppConfig


class ResizerConfig(AppConfig):
    name = "resizer"
    verbose_name = "resizer"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        # The settings are checked by `manage.py check` (resizer.E00x) and when first used; nothing
        # process-wide happens here: Pillow's limits and the run directory are the service's
        # bootstrap (settings/bootstrap.py), never a host site's.
        from resizer import checks  # noqa: F401  (registers the checks)
