"""The Pillow pipeline: original bytes + spec → rendition bytes. No I/O, no Django.

A list of small steps, each returning its input when it does not apply. The geometry is planned
once (geometry.py) from the header before any pixels are decoded, so JPEG originals are decoded
at the smallest DCT scale that still leaves headroom for a clean Lanczos pass (`Image.draft`);
only `t_` (its box is found on the decoded pixels, see `trim`) and `g_auto` (which moves the
planned crop, from a small copy of the decoded pixels: smartcrop.py) look at pixels first.
r_, fl_ and cr_ are geometry (transform.py turns the resized result).
Colour (modes, ICC → sRGB) is colour.py, encoders are encoders.py, animation is animation.py.
After the resize come the effects (effects.py: bl_, sh_, px_), the watermark (overlay.py: wm_) and
the encode, within the byte budget (budget.py: mb_), each frame of an animation alike.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from PIL import Image, ImageOps

from resizer.core.errors import Unprocessable
from resizer.core.formats import ALPHA_FORMATS, CONTENT_TYPES, JPEG_FAMILY, OWN_FORMATS
from resizer.core.policy import Limits
from resizer.core.spec import RenditionSpec
from resizer.imaging import animation, budget, colour, effects, encoders, geometry, overlay, smartcrop, transform
from resizer.imaging.colour import has_alpha
from resizer.imaging.decoders import allowed, decoding, orientation

log = logging.getLogger(__name__)

# Shrink-on-load to the target scale (as thumbor does; twice as fast as Pillow's thumbnail advice
# of ≥ 2×), but never onto the target itself: a JPEG scale that leaves Lanczos less than this
# much to do comes out soft, so the next finer scale is taken (libvips avoids those too). On the
# benchmark photos: SSIM 0.9970 against a full decode (≥ 2×: 0.9981) for 10 % less time, and
# 4000×3000 → 400 decodes at 1/8 (docs/performance.md). Onto the target itself, as thumbor
# does, loses up to 0.045 SSIM (`bench/tune.py headroom`).
LANCZOS_HEADROOM = 1.25
DCT_SCALES = (8, 4, 2)
TRANSPOSING = frozenset({5, 6, 7, 8})  # EXIF orientations that swap width and height


@dataclass(frozen=True)
class Rendered:
    body: bytes
    format: str
    size: tuple[int, int]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def render(
    data: bytes, spec: RenditionSpec, output: str | None, limits: Limits, mark: overlay.Overlay | None = None
) -> Rendered:
    """Decode, orient, resize and encode. `output` is the resolved format, or None for the default;
    `mark` is the watermark of `spec.watermark`, read and decoded by the caller.

    What Pillow raises while decoding is a 422 (decoders.decoding); what our steps raise is not.
    """
    with decoding(spec.key, limits.max_source_pixels):
        image = open_image(data, limits)
        size = oriented_size(image)
    fmt = output or default_format(image)
    plan = geometry.plan(size, spec)
    if animation.keeps(image, fmt):
        animation.check_pixels(image.n_frames, plan.canvas, limits.max_source_pixels)
    headroom = 1.0 if effects.decodes_onto_output(spec) else LANCZOS_HEADROOM
    with decoding(spec.key, limits.max_source_pixels):
        decoded = decode(image, plan, headroom)
    first = colour.normalize_mode(decoded)
    image, first, plan = trim(data, image, first, plan, spec, fmt, limits, headroom)
    plan = smartcrop.refine(first, plan, spec)

    padding, underlay = background(spec, fmt), background(spec, "jpg")
    overlay.check(spec.watermark, mark)

    downscale = effects.downscale_filter(spec)

    def finish(frame: Image.Image) -> Image.Image:
        frame = resize(frame, plan, downscale)
        frame = colour.to_srgb(frame)
        frame = pad(frame, plan, padding)
        frame = flatten(frame, fmt, underlay)
        frame = effects.apply(frame, spec)
        return overlay.apply(frame, mark)

    if animation.keeps(image, fmt):
        guard = functools.partial(decoding, spec.key, limits.max_source_pixels)
        frames, timing = animation.render(image, lambda frame: finish(colour.normalize_mode(orient(frame))), guard)
        body = budget.encode(
            functools.partial(animation.encode, frames, timing, fmt), fmt, spec.quality, spec.max_bytes
        )
        return Rendered(body, fmt, frames[0].size)
    still = finish(first)
    body = budget.encode(functools.partial(encoders.encode, still, fmt), fmt, spec.quality, spec.max_bytes)
    return Rendered(body, fmt, still.size)


def open_image(data: bytes, limits: Limits) -> Image.Image:
    """Open from the header only, refusing other decoders and oversized sources."""
    image = Image.open(io.BytesIO(data), formats=allowed())
    width, height = image.size
    if width * height > limits.max_source_pixels:
        raise Unprocessable(f"the original has {width * height} pixels; the limit is {limits.max_source_pixels}")
    frames = getattr(image, "n_frames", 1)
    if frames > limits.max_frames:  # a source limit like the others: 422, not a silent first frame
        raise Unprocessable(f"the original has {frames} frames; the limit is {limits.max_frames}")
    return image


def default_format(image: Image.Image) -> str:
    """The original's own format when we can write it, else JPEG, or PNG for an image with alpha."""
    own = OWN_FORMATS.get(image.format or "")
    if own:
        return own
    return "png" if has_alpha(image) else "jpg"


def oriented_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    return (height, width) if orientation(image) in TRANSPOSING else (width, height)


def decode(image: Image.Image, plan: geometry.Plan, headroom: float = LANCZOS_HEADROOM) -> Image.Image:
    """Shrink-on-load for JPEG, then apply the EXIF orientation."""
    if image.format in JPEG_FAMILY:
        scale = denominator(plan, headroom)
        if scale > 1:
            image.draft(image.mode, (image.width // scale, image.height // scale))
    image.load()
    return orient(colour.plain_cmyk(image))


def denominator(plan: geometry.Plan, headroom: float = LANCZOS_HEADROOM) -> int:
    """The JPEG decode scale for a plan, from the part of the original it uses (its window: a
    cr_ region or a fill crop), so a small region of a large original still shrinks on load.
    A blur lowers the headroom to 1 (effects.DECODE_ONTO_OUTPUT_FROM)."""
    if plan.scale >= 1:
        return 1
    left, top, right, bottom = plan.window
    return dct_scale((right - left, bottom - top), plan.scale, headroom)


def dct_scale(size: tuple, scale: Fraction | float, headroom: float = LANCZOS_HEADROOM) -> int:
    """The coarsest JPEG decode scale (1/8, 1/4, 1/2) that keeps `headroom` over the output."""
    for denominator in DCT_SCALES:
        if all(side // denominator >= side * scale * headroom for side in size):
            return denominator
    return 1


def trim(
    data: bytes,
    image: Image.Image,
    first: Image.Image,
    plan: geometry.Plan,
    spec: RenditionSpec,
    fmt: str,
    limits: Limits,
    headroom: float = LANCZOS_HEADROOM,
) -> tuple[Image.Image, Image.Image, geometry.Plan]:
    """t_: find the box on the decoded picture, then plan the geometry on it.

    The picture was decoded for the plan without t_. When the box leaves so little that a JPEG
    decoded at that scale is too coarse for the trimmed geometry, it is decoded again at the
    scale the trimmed plan wants and the box found again there: the box is always found on the
    decode that is resized, so the border it may keep (a decoded pixel or two, see
    transform.full_size) stays under two output pixels. The scale only ever gets finer, so
    this ends after at most three more decodes (1/8 → 1/4 → 1/2 → 1), usually one.
    """
    if spec.trim is None:
        return image, first, plan
    size = plan.frame.upright
    box = transform.trim_box(pictures(data, image, first, fmt, spec, limits), spec.trim, size)
    plan = geometry.plan(size, spec, trim=box)
    while image.format in JPEG_FAMILY and first.width * denominator(plan, headroom) < size[0]:
        with decoding(spec.key, limits.max_source_pixels):
            image = open_image(data, limits)
            first = colour.normalize_mode(decode(image, plan, headroom))
        plan = geometry.plan(size, spec, trim=transform.trim_box([first], spec.trim, size))
    return image, first, plan


def pictures(
    data: bytes, image: Image.Image, first: Image.Image, fmt: str, spec: RenditionSpec, limits: Limits
) -> Iterator[Image.Image]:
    """What t_ looks at: the decoded picture, or every frame of an animation that stays animated
    (read from a second handle, one frame at a time, leaving the first decode as it is)."""
    if not animation.keeps(image, fmt):
        yield first
        return
    guard = functools.partial(decoding, spec.key, limits.max_source_pixels)
    with guard():
        source = open_image(data, limits)
    for frame in animation.frames(source, guard):
        yield colour.normalize_mode(orient(frame))


def orient(image: Image.Image) -> Image.Image:
    return ImageOps.exif_transpose(image) if orientation(image) != 1 else image


def resize(
    image: Image.Image, plan: geometry.Plan, downscale: Image.Resampling = Image.Resampling.LANCZOS
) -> Image.Image:
    """The plan's window of the upright original at the planned size, then r_ and fl_ on the result.
    A downscale before a blur may be bilinear (effects.BILINEAR_FROM)."""
    return transform.turn(transform.sample(image, plan, downscale), plan.frame)


def background(spec: RenditionSpec, fmt: str) -> tuple[int, int, int, int]:
    """bg_ as RGBA; default white for JPEG output, transparent for outputs with alpha."""
    if spec.background is not None:
        value = spec.background
        alpha = int(value[6:8], 16) if len(value) == 8 else 255
        return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha)
    return (255, 255, 255, 0) if fmt in ALPHA_FORMATS else (255, 255, 255, 255)


def pad(image: Image.Image, plan: geometry.Plan, color: tuple[int, int, int, int]) -> Image.Image:
    if plan.canvas == image.size:
        return image
    mode = "RGBA" if color[3] < 255 or has_alpha(image) else "RGB"
    canvas = Image.new(mode, plan.canvas, color if mode == "RGBA" else color[:3])
    layer = image.convert(mode)
    canvas.paste(layer, plan.offset, layer if mode == "RGBA" else None)
    return canvas


def flatten(image: Image.Image, fmt: str, color: tuple[int, int, int, int]) -> Image.Image:
    """JPEG has no alpha: composite onto the background (itself composited onto white)."""
    if fmt in ALPHA_FORMATS or not has_alpha(image):
        return image
    alpha = color[3] / 255
    opaque = tuple(round(c * alpha + 255 * (1 - alpha)) for c in color[:3])
    rgba = image.convert("RGBA")
    base = Image.new("RGB", image.size, opaque)
    base.paste(rgba, (0, 0), rgba)
    return base if image.mode not in ("L", "LA") else base.convert("L")
