"""Colour: every input mode to one of L, LA, RGB, RGBA, and every embedded profile to sRGB.

Outputs carry no ICC profile and their pixels are sRGB. Browsers take an untagged image as sRGB,
so this shows the same colours everywhere, saves the profile's bytes (≈3 KB for a camera's sRGB
profile, more for CMYK) and matches imgproxy's default (`strip_color_profile`). The alternative,
keeping a wide-gamut profile, would help only the few wide-gamut screens and would make every
rendition's colours depend on the viewer's colour management.

Conversion runs after the resize, on the small image: a Display P3 → sRGB transform costs ≈1.5 ms
at 400×300 and ≈10 ms at the 1000×750 a JPEG is decoded at for that size. Resampling in the source's
own encoding and then converting is as good an approximation as the reverse (both resample gamma-
encoded values). No profile, or an sRGB one, costs a dictionary lookup.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache

from PIL import Image, ImageChops, ImageCms

from resizer.core.formats import JPEG_FAMILY

log = logging.getLogger(__name__)

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# rXYZ, gXYZ, bXYZ of sRGB adapted to D50; camera and OS sRGB profiles differ in the 4th decimal.
_SRGB_COLORANTS = tuple(getattr(SRGB.profile, f"{c}_colorant")[0] for c in ("red", "green", "blue"))
_COLORANT_TOLERANCE = 0.002
# The profile's own colour space must match the pixels', or the profile is ignored.
_SPACES = {"RGB": "RGB ", "RGBA": "RGB ", "CMYK": "CMYK", "L": "GRAY", "LA": "GRAY"}
WORKING_MODES = frozenset({"L", "LA", "RGB", "RGBA"})


def normalize_mode(image: Image.Image) -> Image.Image:
    """Bring every input mode to L, LA, RGB, RGBA (or CMYK, converted by `to_srgb` after the resize)
    without losing tone or transparency, so that the resize never runs on palette indices."""
    mode = image.mode
    if mode in WORKING_MODES or mode == "CMYK":
        return image
    if mode.startswith("I;16") or mode == "I":
        # 16-bit grey: scale to 8 bits (a plain convert clips everything above 255 to white).
        return _keep_info(image, image.convert("I").point(lambda value: value / 257).convert("L"))
    if mode == "1":
        return image.convert("L")
    if mode == "La":
        return image.convert("LA")
    return image.convert("RGBA" if has_alpha(image) else "RGB")


def plain_cmyk(image: Image.Image) -> Image.Image:
    """Pillow reads every CMYK JPEG as Adobe's inverted CMYK; one without Adobe's APP14 marker
    stores plain values (libjpeg's convention, as libvips and ImageMagick read it): invert back."""
    if image.mode != "CMYK" or image.format not in JPEG_FAMILY or "adobe" in image.info:
        return image
    return _keep_info(image, ImageChops.invert(image))


def to_srgb(image: Image.Image) -> Image.Image:
    """Convert through the embedded ICC profile to sRGB; CMYK without one by Pillow's formula."""
    icc = image.info.get("icc_profile")
    transform = _transform(icc, image.mode) if icc else None
    if transform is not None:
        converted = transform.apply(image)
        converted.info = {k: v for k, v in image.info.items() if k != "icc_profile"}
        return converted.convert(image.mode) if image.mode in ("L", "LA") else converted
    if image.mode == "CMYK":
        return image.convert("RGB")
    return image


def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """The cached transform from this profile to sRGB, or None when there is nothing to do."""
    if mode not in _SPACES:
        return None
    return _build_transform(icc, mode)


@lru_cache(maxsize=32)
def _build_transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    # Building a transform costs ≈2 ms; a site's photos share a handful of profiles.
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if profile.profile.xcolor_space != _SPACES[mode] or is_srgb(profile):
            return None
        # Grey goes through RGB (lcms has no built-in sRGB-toned grey) and back to L afterwards.
        out_mode = {"CMYK": "RGB", "L": "RGB", "LA": "RGBA"}.get(mode, mode)
        intent = ImageCms.Intent.PERCEPTUAL  # falls back to relative colorimetric for matrix profiles
        return ImageCms.buildTransform(profile, SRGB, mode, out_mode, intent)
    except (OSError, ImageCms.PyCMSError, ValueError) as exc:
        # A broken profile should not cost the picture: show it as if it were sRGB.
        log.info("ignoring an unusable ICC profile: %s", exc)
        return None


def is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    """The profile's primaries are sRGB's. Tone curves are not compared: a profile with sRGB
    primaries and another curve is rare, and is treated as sRGB."""
    try:
        colorants = [getattr(profile.profile, f"{c}_colorant") for c in ("red", "green", "blue")]
    except (AttributeError, ValueError):
        return False
    if any(colorant is None for colorant in colorants):
        return False  # a LUT-based profile: convert to be sure
    return all(
        abs(actual - expected) <= _COLORANT_TOLERANCE
        for colorant, reference in zip(colorants, _SRGB_COLORANTS, strict=True)
        for actual, expected in zip(colorant[0], reference, strict=True)
    )


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _keep_info(source: Image.Image, converted: Image.Image) -> Image.Image:
    converted.info = dict(source.info)
    return converted
