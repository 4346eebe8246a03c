"""System checks with stable ids."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def settings_valid(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """resizer.E001: a RESIZER_* setting has a bad value."""
    from resizer.conf import config

    config.cache_clear()
    try:
        config()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="resizer.E001")]
    return []
