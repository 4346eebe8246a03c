"""Where reading the original ends and our own work begins.

Only what Pillow raises while *decoding* (open, header, draft, load, seek, the frame count, the
EXIF block) means that the original is not an image we can use: `422`, with the decoder's reason
in the log. Anything raised by our own steps after that (geometry, resize, colour, encode) is a
bug, left to the service's boundary: a `500`, logged with its traceback, never blamed on the
original.
"""

from __future__ import annotations

import contextlib
import logging
import struct
from collections.abc import Iterator
from functools import cache

from PIL import Image

from resizer.core.errors import ResizerError, Unprocessable

log = logging.getLogger(__name__)


@contextlib.contextmanager
def decoding(key: str, max_pixels: int) -> Iterator[None]:
    try:
        yield
    except ResizerError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Image.open refuses from the header alone (the bootstrap sets its limit process-wide).
        raise Unprocessable(f"the original is over the limit of {max_pixels} pixels") from exc
    except Exception as exc:  # Pillow signals bad input with many exception types
        log.info("undecodable original %r: %s: %s", key, type(exc).__name__, exc)
        raise Unprocessable("the original could not be decoded as an image") from exc


def orientation(image: Image.Image) -> int:
    """The EXIF orientation, 1 when there is none or the EXIF block cannot be read: browsers
    ignore an EXIF block they cannot parse, and so do we (a PNG's eXIf chunk with a doubled
    "Exif" header, say), rather than refusing a picture that decodes."""
    if image.format == "PNG" and "exif" not in image.info:
        if not may_hold_exif(image):
            return 1  # nothing to find: the pixels stay undecoded (one decode per burst: masters.py)
        # A PNG's eXIf chunk may follow its pixels: Pillow decodes them to find it. That is
        # decoding (the caller's boundary), kept apart from reading the EXIF block below, so that
        # a broken pixel stream is never mistaken for an unreadable EXIF block and let through.
        image.load()
    try:
        value = image.getexif().get(0x0112, 1)
    except (SyntaxError, ValueError, OSError, EOFError, struct.error) as exc:
        log.info("unreadable EXIF ignored: %s: %s", type(exc).__name__, exc)
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def may_hold_exif(image: Image.Image) -> bool:
    """Whether a PNG has an eXIf chunk, from its chunk headers alone (each names its type and
    length: no pixel is decoded). True when the bytes cannot be walked here; a chunk list cut
    short ends the walk, and the decode that follows reports it."""
    source = getattr(image, "fp", None)
    if source is None or not hasattr(source, "getbuffer"):
        return True
    with source.getbuffer() as data:
        position = 8  # after the signature
        while position + 8 <= len(data):
            kind = bytes(data[position + 4 : position + 8])
            if kind == b"eXIf":
                return True
            if kind == b"IEND":
                return False
            position += 12 + int.from_bytes(data[position : position + 4], "big")  # length, type, data, CRC
    return False


@cache
def allowed() -> tuple[str, ...]:
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
