"""Encoders: one still image → bytes, with per-format defaults chosen by measurement.

docs/quality.md has the measurements behind every number here (bench/quality.py). No EXIF, ICC or
other metadata is ever written: pixels are sRGB (colour.py) and untagged means sRGB.
"""

from __future__ import annotations

import io

from PIL import Image, ImageChops

DEFAULT_QUALITY = {"jpg": 80, "webp": 80, "avif": 60}
# Below this quality 4:2:0 chroma costs nothing visible and saves ≈15 % of a JPEG; above it the
# user asked for fidelity, and halved chroma shows on red edges and small coloured text.
FULL_CHROMA_FROM = 90
WEBP_METHOD = 4
AVIF_SPEED = 8
# Palette PNG only when it is lossless: at most this many colours (Pillow has no libimagequant).
PALETTE_COLOURS = 256


def encode(image: Image.Image, fmt: str, quality: int | None) -> bytes:
    image.info = {}
    out = io.BytesIO()
    ENCODERS[fmt](image, out, quality or DEFAULT_QUALITY.get(fmt, 0))
    return out.getvalue()


def jpeg(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    image = image if image.mode in ("L", "RGB") else image.convert("RGB")
    subsampling = "4:4:4" if quality >= FULL_CHROMA_FROM else "4:2:0"
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True, subsampling=subsampling)


def png(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    """Lossless: q_ does not apply. A palette only when it represents every pixel exactly."""
    palette_if_lossless(image).save(out, "PNG", optimize=True)


def palette_if_lossless(image: Image.Image) -> Image.Image:
    if image.mode not in ("RGB", "RGBA"):
        return image  # grey is one byte a pixel already
    colours = image.getcolors(PALETTE_COLOURS)
    if colours is None:
        return image
    # Median cut has no RGBA support; fast octree has. With as many slots as colours both are exact
    # in practice, and the check below makes sure.
    method = Image.Quantize.FASTOCTREE if image.mode == "RGBA" else Image.Quantize.MEDIANCUT
    indexed = image.quantize(len(colours), method=method, dither=Image.Dither.NONE)
    if ImageChops.difference(indexed.convert(image.mode), image).getbbox() is not None:
        return image
    return indexed


def webp(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    rgb_or_rgba(image).save(out, "WEBP", quality=quality, method=WEBP_METHOD)


def avif(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    rgb_or_rgba(image).save(out, "AVIF", quality=quality, speed=AVIF_SPEED)


def gif(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    image.save(out, "GIF", optimize=True)


ENCODERS = {"jpg": jpeg, "png": png, "webp": webp, "avif": avif, "gif": gif}


def rgb_or_rgba(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image
    return image.convert("RGBA" if "A" in image.mode else "RGB")
