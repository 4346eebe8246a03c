from __future__ import annotations

import warnings

from django.apps import AppConfig


class ResizerConfig(AppConfig):
    name = "resizer"
    verbose_name = "resizer"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from PIL import Image

        from resizer import checks  # noqa: F401  (registers the system checks)
        from resizer.conf import config

        limits = config().limits  # validates every RESIZER_* setting at start-up
        # Process-wide safety limits, set once (never per request): Pillow refuses images over
        # the pixel limit, and its DecompressionBombWarning becomes an error.
        Image.MAX_IMAGE_PIXELS = limits.max_source_pixels
        warnings.simplefilter("error", Image.DecompressionBombWarning)
