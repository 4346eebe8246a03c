"""Pillow's process-wide safety limits: set once by the process that renders (the service's
bootstrap, the rendering commands), never on import and never per request, so that adding the
app to a host site's INSTALLED_APPS changes nothing of that site's Pillow."""

from __future__ import annotations

import warnings

from PIL import Image, ImageFile, PngImagePlugin

from resizer.core.policy import Limits


def apply(limits: Limits) -> None:
    # Pillow refuses images over the pixel limit, and its DecompressionBombWarning becomes an
    # error (the pipeline also decides the limit from the header, before decoding).
    Image.MAX_IMAGE_PIXELS = limits.max_source_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    # A truncated original is a broken original (422), never half a picture cached for a year.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    # PNG text, zTXt, iTXt and iCCP chunks: at most 1 MiB each once inflated and 64 MiB in all
    # (Pillow's defaults since CVE-2014-9601), stated here so that nothing loosens them unseen.
    PngImagePlugin.MAX_TEXT_CHUNK = ImageFile.SAFEBLOCK
    PngImagePlugin.MAX_TEXT_MEMORY = 64 * ImageFile.SAFEBLOCK
