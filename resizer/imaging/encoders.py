"""Encoders: one still image → bytes, with per-format defaults chosen by measurement.

docs/quality.md has the measurements behind every number here (bench/quality.py). No EXIF, ICC or
other metadata is ever written: pixels are sRGB (colour.py) and untagged means sRGB.
"""

from __future__ import annotations

import io
import itertools

from PIL import Image

from resizer.core.formats import DEFAULT_QUALITY
from resizer.imaging import palette

try:  # the `jpegli` extra
    import pyjpegli
except ImportError:
    pyjpegli = None

# Which encoder writes JPEG stills where both could (RGB below FULL_CHROMA_FROM, see `jpeg`):
# libjpeg-turbo through Pillow, unless RESIZER_JPEG_ENCODER asks for jpegli (the `jpegli` extra).
# jpegli encodes in about a third of the CPU time but spends 15 % more bytes at equal SSIMULACRA2
# (docs/quality.md, table A; ≈ the same at equal luma SSIM) and writes baseline only: opt-in.
JPEG_ENCODER = "libjpeg"
# (our q_, jpegli's quality) at equal median luma SSIM on the wallpapers at 400×300 and 1280×960
# (`bench/encoders.py --match`): the same number from q70 up, lower below it, where jpegli's own
# scale spends more bytes than libjpeg's. Below q20, a straight line down to (1, 1).
JPEG_TO_JPEGLI = ((1, 1), (20, 10), (30, 19), (40, 26), (50, 40), (60, 55), (70, 68), (78, 78), (100, 100))

# Below this JPEG quality 4:2:0 chroma costs nothing visible and saves 8–18 %; from it the user
# asked for fidelity, and halved chroma shows on red edges and small coloured text.
FULL_CHROMA_FROM = 90
# No input smoothing (libjpeg's cjpeg -smooth): at 20 it spent 4.6 % (tuning set) and 5.4 %
# (held-out set) more bytes for the same SSIMULACRA2 (docs/quality.md, table A); it pleased only
# the RGB-averaged SSIM it had been chosen with.
# Method 6 saves 4.3 % at equal SSIMULACRA2 (held-out) for about twice the encode time
# (docs/quality.md, table A): reported, not taken.
WEBP_METHOD = 4
# Speed 7 by default (RESIZER_AVIF_SPEED; docs/quality.md, table A, held-out set, at equal
# SSIMULACRA2): speed 6 spends 7 % fewer bytes for about twice the encode time, speed 8 13 % more
# for ≈0.6× the time. aom's SSIM tuning (libheif's default, so sharp's). Always 4:4:4: 4:2:0
# spends 25 % more at equal SSIMULACRA2 (held-out), and coloured edges and text stay clean.
AVIF_SPEED = 7
# An animation encodes every frame: never slower than speed 8 (≈40 % less time than 7, a few %
# more bytes) keeps a capped animation (RESIZER_MAX_FRAMES) near a second rather than two.
ANIMATED_AVIF_SPEED_FLOOR = 8
AVIF_OPTIONS = {"subsampling": "4:4:4", "advanced": {"tune": "ssim"}}
# zlib level 9 (Pillow's optimize) saves 2–3 % over 6 for 3–4× the time (docs/quality.md).
PNG_COMPRESS_LEVEL = 6


def encode(image: Image.Image, fmt: str, quality: int | None) -> bytes:
    image.info = {}
    out = io.BytesIO()
    ENCODERS[fmt](image, out, quality or DEFAULT_QUALITY.get(fmt, 0))
    return out.getvalue()


def quantization_table(base: float, slope: float = 0.05, power: float = 1.3) -> list[int]:
    """A smooth table that coarsens with spatial frequency u² + v² (row-major, libjpeg scales it
    by quality like its own). At equal SSIMULACRA2 on the held-out set, libjpeg's Annex K tables
    spend 28 % more bytes (mean; median 16 %), jpegli 15 % more, sharp's mozjpeg 1.3 % fewer
    (docs/quality.md, table A). Luma MS-SSIM disagrees: our chroma is finer, our luma coarser."""
    return [min(255, round(base * (1 + slope * (u * u + v * v)) ** power)) for u in range(8) for v in range(8)]


# Chroma a little finer than luma: with 4:2:0 each chroma block covers four luma blocks.
JPEG_TABLES = [quantization_table(16), quantization_table(16 * 0.8)]


def use_jpeg_encoder(name: str) -> None:
    """RESIZER_JPEG_ENCODER, for the whole process (checked by the setting's parser first)."""
    global JPEG_ENCODER
    if name == "jpegli" and pyjpegli is None:
        raise RuntimeError("RESIZER_JPEG_ENCODER is jpegli, but pyjpegli is not installed")
    JPEG_ENCODER = name


def use_avif_speed(speed: int) -> None:
    """RESIZER_AVIF_SPEED, for the whole process (6–10, checked by the setting's parser: below 6
    aom took seconds and more memory a pixel than the capacity formula of docs/operations.md)."""
    global AVIF_SPEED
    AVIF_SPEED = speed


def animated_avif_speed() -> int:
    """An animation's speed: the setting's, or ANIMATED_AVIF_SPEED_FLOOR if that is faster."""
    return max(AVIF_SPEED, ANIMATED_AVIF_SPEED_FLOOR)


def jpeg(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    image = image if image.mode in ("L", "RGB") else image.convert("RGB")
    if JPEG_ENCODER == "jpegli" and image.mode == "RGB" and quality < FULL_CHROMA_FROM:
        jpegli(image, out, quality)
    else:
        libjpeg(image, out, quality)


def jpegli(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    """pyjpegli writes what it writes: RGB in, 4:2:0, baseline, no metadata; hence only RGB
    below FULL_CHROMA_FROM comes here (grey and 4:4:4 stay with libjpeg)."""
    out.write(pyjpegli.encode(image.tobytes(), image.width, image.height, quality=jpegli_quality(quality)))


def jpegli_quality(quality: int) -> int:
    """Our q_ → jpegli's quality at the same median luma SSIM, linear between the anchors."""
    for (q0, j0), (q1, j1) in itertools.pairwise(JPEG_TO_JPEGLI):
        if quality <= q1:
            return round(j0 + (quality - q0) * (j1 - j0) / (q1 - q0))
    return quality


def libjpeg(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    fidelity = quality >= FULL_CHROMA_FROM
    tables = JPEG_TABLES[:1] if image.mode == "L" else JPEG_TABLES
    image.save(
        out,
        "JPEG",
        quality=quality,
        qtables=tables,
        optimize=True,
        progressive=True,
        subsampling="4:4:4" if fidelity else "4:2:0",
    )


def png(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    """Lossless, so q_ does not apply. An exact palette when at most 256 colours represent every
    pixel: one byte a pixel instead of three or four, smaller but on the tiniest pictures (where its
    own palette, up to 1 KB, can outweigh that; not worth a second encode of every large flat
    picture). Otherwise the smallest of truecolour and the palettes that pass palette.py's gate."""
    exact = palette.exact(image)
    versions = (exact,) if exact is not image else (image, *palette.faithful(image))
    out.write(min((png_body(version) for version in versions), key=len))


def png_body(image: Image.Image) -> bytes:
    body = io.BytesIO()
    image.save(body, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return body.getvalue()


def webp(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    rgb_or_rgba(image).save(out, "WEBP", quality=quality, method=WEBP_METHOD)


def avif(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    rgb_or_rgba(image).save(out, "AVIF", quality=quality, speed=AVIF_SPEED, **AVIF_OPTIONS)


def gif(image: Image.Image, out: io.BytesIO, quality: int) -> None:
    image.save(out, "GIF", optimize=True)


ENCODERS = {"jpg": jpeg, "png": png, "webp": webp, "avif": avif, "gif": gif}


def rgb_or_rgba(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image
    return image.convert("RGBA" if "A" in image.mode else "RGB")
