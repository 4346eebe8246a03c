"""RESIZER_WATERMARKS' images, read from the originals storage once per process.

`load` reads and decodes every configured mark (blocking: the service runs it in its I/O pool, at
start-up). A mark whose key is missing or whose bytes are not an image is a configuration error,
`WatermarkUnavailable`, whose text is the one line that stops the service naming it; a storage
that does not answer is the storage's error (StorageFailed), so a service that starts before its
bucket does still starts, and reads its marks when a request first needs one. Once read, a mark
is never read again by this process: changing its image changes no URL, so the renditions that
carry it are purged (docs/operations.md) and the service restarted.

A mark is read without the request's source limits: it is the operator's picture, not the
request's, and it is read once, not per request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from PIL import UnidentifiedImageError

from resizer.core.errors import ResizerError, StorageFailed, echo
from resizer.core.watermarks import Watermark
from resizer.imaging.overlay import Overlay
from resizer.stores.base import Objects

log = logging.getLogger(__name__)

Overlays = Mapping[str, Overlay]


class WatermarkUnavailable(ResizerError):
    """A configured watermark that cannot be used. Its public message says no more than that;
    its text (`str`) names the watermark, its key and why, for the start-up line and the log."""

    status = 500
    message = "watermark unavailable"

    def __init__(self, mark: Watermark, problem: str) -> None:
        line = f"RESIZER_WATERMARKS: watermark {mark.name!r}: {problem}"
        super().__init__(self.message, detail=line)

    def __str__(self) -> str:
        return self.detail


def load(originals: Objects, marks: Mapping[str, Watermark]) -> dict[str, Overlay]:
    """Every configured mark, read and decoded (blocking)."""
    return {name: read(originals, mark) for name, mark in marks.items()}


def read(originals: Objects, mark: Watermark) -> Overlay:
    try:
        data = originals.read(mark.key)
    except StorageFailed:
        raise
    except ResizerError as exc:  # a key the storage cannot hold: as missing as can be
        problem = f"{mark.key!r} cannot be read from the originals storage ({exc.message})"
        raise WatermarkUnavailable(mark, problem) from None
    if data is None:
        raise WatermarkUnavailable(mark, f"no image {mark.key!r} in the originals storage")
    try:
        return Overlay.decode(mark, data)
    except Exception as exc:  # Pillow signals bad input with many exception types
        raise WatermarkUnavailable(mark, f"{mark.key!r} cannot be decoded as an image ({why(exc)})") from None


def why(exc: Exception) -> str:
    """Pillow's reason on one line; for bytes of no known format it names only its buffer."""
    if isinstance(exc, UnidentifiedImageError):
        return "not a JPEG, PNG, GIF, WebP or AVIF image"
    return echo(f"{type(exc).__name__}: {exc}", 120)
