"""Which formats we decode and encode, and what they are called on the wire.

HEIC/HEIF originals are decoded through pillow-heif when it is installed (the `heif` extra);
imaging/decoders.py then adds HEIF to the decoder allow-list. It is never an output format.
"""

from __future__ import annotations

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
# The same picture quality in every format (median SSIM ≈0.957–0.960 on the benchmark set, at or
# above libjpeg's own q80, the peers' default), so f_auto changes the bytes, not the look. Also
# the grammar's default: `f_jpg/q_78` is spelled `f_jpg` (one rendition, one URL).
DEFAULT_QUALITY = {"jpg": 78, "webp": 80, "avif": 55}
ALPHA_FORMATS = frozenset({"png", "webp", "avif", "gif"})
ANIMATED_FORMATS = frozenset({"gif", "webp", "avif"})
