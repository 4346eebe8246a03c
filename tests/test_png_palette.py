"""PNG renditions of few-coloured pictures leave as palettes when that is smaller and looks the same.

Lanczos blends a graphic's few flat colours into thousands along its edges, and the encoder used to
write those as truecolour: a downscaled badge came out larger than its original. Pixels are checked
against the truecolour resize (what the encoder gets) with the thresholds stated below, which are
palette.py's fidelity gate, computed here on their own.
"""

from __future__ import annotations

import functools
import io
from collections import Counter

import pytest
from PIL import Image, ImageChops

from demo import images as demo
from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import colour, encoders, geometry, palette, pipeline
from tests.support import graphics
from tests.support.images import decode, encode

LIMITS = Limits()
WIDTHS = (150, 300, 500)
PICTURES = {"badge": demo.badge, "logo": graphics.logo, "screenshot": graphics.screenshot, "icon": graphics.icon}
CASES = [(name, width) for name in PICTURES for width in WIDTHS]
# The threshold, per channel of premultiplied RGBA in levels of 255: a mean error of at most 1, and
# 99.9 % of the channel values within 16.
MEAN_ERROR, TAIL_SHARE, TAIL_ERROR = 1.0, 0.001, 16


@functools.cache
def original(name: str) -> bytes:
    pictures = {**PICTURES, "shadowed icon": graphics.shadowed_icon, "photo": graphics.photo_like}
    return encode(pictures[name](), "PNG")


def truecolour(data: bytes, width: int) -> Image.Image:
    """The rendition's pixels as the encoder gets them (these originals are untagged: no colour step)."""
    image = pipeline.open_image(data, LIMITS)
    plan = geometry.plan(pipeline.oriented_size(image), RenditionSpec("k", width=width))
    return pipeline.resize(colour.normalize_mode(pipeline.decode(image, plan)), plan)


def render(data: bytes, width: int | None) -> bytes:
    spec = RenditionSpec("k", width=width) if width else RenditionSpec("k")
    result = pipeline.render(data, spec, None, LIMITS)
    assert result.format == "png"
    return result.body


def png(image: Image.Image) -> bytes:
    """A plain encode at the encoder's zlib level: what the encoder wrote before for > 256 colours."""
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=encoders.PNG_COMPRESS_LEVEL)
    return out.getvalue()


def errors(reference: Image.Image, image: Image.Image) -> tuple[float, int]:
    """Mean error, and the error all but TAIL_SHARE of the premultiplied channel values stay within."""
    mode = "RGBa" if reference.mode == "RGBA" else "RGB"
    difference = ImageChops.difference(reference.convert(mode), image.convert(reference.mode).convert(mode))
    counts = Counter(difference.tobytes())
    total = sum(counts.values())
    mean = sum(value * count for value, count in counts.items()) / total
    above, tail = total, 0
    for value in sorted(counts):
        above -= counts[value]
        tail = value
        if above <= total * TAIL_SHARE:
            break
    return mean, tail


def kinds(image: Image.Image) -> bytes:
    """Each pixel clear (0), soft (1) or opaque (2)."""
    alpha = image.convert("RGBA").getchannel("A")
    return alpha.point(lambda a: 0 if a == 0 else 2 if a == 255 else 1).tobytes()


def faithful(reference: Image.Image, image: Image.Image) -> bool:
    mean, tail = errors(reference, image)
    return mean <= MEAN_ERROR and tail <= TAIL_ERROR and kinds(reference) == kinds(image)


@pytest.mark.parametrize(("name", "width"), CASES)
def test_a_few_coloured_png_is_smaller_than_truecolour_and_any_faithful_plain_palette(name: str, width: int) -> None:
    reference = truecolour(original(name), width)
    assert reference.getcolors(256) is None  # Lanczos made > 256 colours: no exact palette
    body = render(original(name), width)
    assert len(body) < 0.7 * len(png(reference))
    # Pillow's own quantize (median cut for RGB, fast octree for RGBA), undithered: when that is
    # within the threshold, the rendition is no larger.
    plain = reference.quantize(256, dither=Image.Dither.NONE)
    if faithful(reference, plain):
        assert len(body) <= len(png(plain))


@pytest.mark.parametrize(("name", "width"), CASES)
def test_a_few_coloured_png_keeps_its_look_as_a_palette(name: str, width: int) -> None:
    reference = truecolour(original(name), width)
    image = decode(render(original(name), width))
    assert (image.format, image.mode, image.size) == ("PNG", "P", reference.size)
    mean, tail = errors(reference, image)
    assert mean <= MEAN_ERROR and tail <= TAIL_ERROR, (mean, tail)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["badge", "icon", "shadowed icon"])
def test_transparency_and_soft_edges_survive_the_palette(name: str, width: int) -> None:
    reference = truecolour(original(name), width)
    image = decode(render(original(name), width))
    assert image.mode == "P" and "transparency" in image.info
    # Clear stays clear, opaque stays opaque, and every anti-aliased or shadow pixel stays soft.
    assert kinds(reference) == kinds(image)
    before, after = reference.getchannel("A"), image.convert("RGBA").getchannel("A")
    soft = [abs(a - b) for a, b in zip(before.tobytes(), after.tobytes(), strict=True) if 0 < a < 255]
    assert soft and sum(soft) / len(soft) <= 3 and max(soft) <= 24  # alpha levels ≈9 apart
    mean, tail = errors(reference, image)
    assert mean <= MEAN_ERROR and tail <= TAIL_ERROR


def test_the_demo_badge_at_300px_is_smaller_than_its_original_and_its_full_size() -> None:
    data = demo.encoded()["demo/badge.png"]
    body = render(data, 300)
    assert len(body) < len(data) and len(body) < len(render(data, None))


@pytest.mark.parametrize("width", [100, 300, 640])
def test_a_photo_like_png_stays_truecolour_and_exact(width: int) -> None:
    reference = truecolour(original("photo"), width)
    image = decode(render(original("photo"), width))
    assert image.mode == "RGB" and image.tobytes() == reference.tobytes()


@pytest.mark.parametrize("width", [100, 300])
def test_every_palette_of_a_photo_like_picture_fails_the_gate(width: int) -> None:
    """Past the colour-count guard too: each quantizer we have posterises it, and the gate says so."""
    reference = truecolour(original("photo"), width)
    versions = palette.quantizations(reference)
    assert len(versions) >= 3
    for version in versions:
        assert not palette.fidelity(reference, version).faithful
        assert errors(reference, version)[0] > 2 * MEAN_ERROR  # banded, by a clear margin
