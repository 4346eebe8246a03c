"""Which formats we decode and encode, and what they are called on the wire.

HEIC/HEIF originals are decoded through pillow-heif when it is installed (`pip install
resizer[heif]`); only then does the decoder allow-list name HEIF. It is never an output format.
"""

from __future__ import annotations

import logging
from functools import cache

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
    "gif": "image/gif",
}
# The original's own format, when the output can be that format (HEIF originals default to JPEG).
JPEG_FAMILY = frozenset({"JPEG", "MPO"})  # Pillow's names for a JPEG original (MPO: with extra images)
OWN_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif", "GIF": "gif"}
ALPHA_FORMATS = frozenset({"png", "webp", "avif", "gif"})
ANIMATED_FORMATS = frozenset({"gif", "webp", "avif"})


@cache
def decoders() -> tuple[str, ...]:
    """Passed to Image.open(formats=…): no other decoder ever sees the bytes. JPEG covers MPO.

    HEIF joins when pillow-heif is installed, which takes registering its plugin with Pillow, a
    process-wide change: made here, at the first decode (or the service's bootstrap), so that
    importing the app into a host site leaves that site's Pillow as it was.
    """
    found = ("JPEG", "PNG", "GIF", "WEBP", "AVIF")
    try:
        import pillow_heif
    except ImportError:
        return found
    # Only HEIF: Pillow's own AVIF plugin stays the AVIF decoder.
    pillow_heif.register_heif_opener()
    log.debug("pillow-heif %s registered: HEIF originals are decoded", pillow_heif.__version__)
    return (*found, "HEIF")
