from __future__ import annotations

import warnings

from django.apps import AppConfig


class ResizerConfig(AppConfig):
    name = "resizer"
    verbose_name = "resizer"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from PIL import Image, ImageFile, PngImagePlugin

        from resizer.conf import config

        limits = config().limits  # validates every RESIZER_* setting at start-up
        # Process-wide safety limits, set once (never per request): Pillow refuses images over
        # the pixel limit, and its DecompressionBombWarning becomes an error.
        Image.MAX_IMAGE_PIXELS = limits.max_source_pixels
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        # A truncated original is a broken original (422), never half a picture cached for a year.
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        # PNG text, zTXt, iTXt and iCCP chunks: at most 1 MiB each once inflated and 64 MiB in all
        # (Pillow's defaults since CVE-2014-9601), stated here so that nothing loosens them unseen.
        PngImagePlugin.MAX_TEXT_CHUNK = ImageFile.SAFEBLOCK
        PngImagePlugin.MAX_TEXT_MEMORY = 64 * ImageFile.SAFEBLOCK
